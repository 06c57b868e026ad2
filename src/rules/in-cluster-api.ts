// On k3s the ClusterIP 10.43.0.1:443 refuses connections from pods: in-cluster client config does not work there.
// The page's condition is "a pod has to reach the API": only a pod with evidence that it does is reported.
import { asList, asRecord, asString, metaString } from "../k8s/fields.js";
import { type PodTemplateAt, podTemplatesOf } from "../k8s/pod-template.js";
import { apiAccessEvidence } from "./api-access.js";
import { defineRule, type Lookup, type ReportOf } from "./types.js";
import type { KubeObject } from "../model/kube.js";

/** The kubeconfig the page mounts instead (hostPath), and the folder that holds it. */
const K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";
const K3S_CONFIG_DIR = "/etc/rancher/k3s";

const MESSAGES = {
  "in-cluster-token":
    "{{kind}} {{name}} calls the Kubernetes API ({{evidence}}) as service account {{serviceAccount}} through its mounted token and no hostPath kubeconfig ({{kubeconfig}}): on k3s the in-cluster API address 10.43.0.1:443 refuses connections from pods",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const inClusterApiRule = defineRule({
  meta: {
    id: "in-cluster-api",
    pitfall: "k3s-clusterip-broken-from-inside-pods",
    runs: ["manifest"],
    distribution: "k3s",
    description:
      "A pod that calls the Kubernetes API with its mounted service account token and no hostPath kubeconfig: it talks to the API through the broken ClusterIP. It needs evidence that the pod uses the API: a RoleBinding or ClusterRoleBinding of its (non-default) service account among the inputs, a projected service account token, a container that is a known API client (kubectl, metrics-server, kube-state-metrics, … images; kubectl calls; --kubeconfig, --master URL, --apiserver-host flags; KUBERNETES_SERVICE_HOST, the token folder or kubernetes.default in its command, args or env), or automountServiceAccountToken: true on the pod. Without any, there is no finding: most service accounts are made per app out of habit, and a pod that never calls the API is not hurt.",
    looksAt:
      "spec.serviceAccountName, spec.automountServiceAccountToken (and the ServiceAccount's), hostPath volumes; RoleBindings and ClusterRoleBindings of the account; projected token volumes; containers' image, command, args, env",
    reads: ["ServiceAccount", "RoleBinding", "ClusterRoleBinding"],
    messages: MESSAGES,
  },
  check(ctx, o) {
    // One report per object, from the first of its pods with evidence.
    for (const t of podTemplatesOf(o.object)) {
      const report = podReport(ctx.lookup, o.object, t);
      if (report) return [report];
    }
    return [];
  },
});

/** The finding for one pod of the object, when it calls the API with its token and has evidence of it. */
function podReport(lookup: Lookup, object: KubeObject, t: PodTemplateAt): Reported | undefined {
  const spec = t.spec;
  // `serviceAccount` is the deprecated spelling; the API server still honours it.
  const field = asString(spec.serviceAccountName)
    ? "serviceAccountName"
    : asString(spec.serviceAccount)
      ? "serviceAccount"
      : undefined;
  // Without the field, the pod runs as `default`.
  const account = field ? asString(spec[field])! : "default";
  if (spec.automountServiceAccountToken === false) return undefined;
  if (spec.automountServiceAccountToken !== true) {
    // Left out on the pod, the ServiceAccount's own setting decides.
    const sa = lookup.get("ServiceAccount", metaString(object, "namespace"), account);
    if (sa && asRecord(sa.object)?.automountServiceAccountToken === false) return undefined;
  }
  const mountsKubeconfig = asList(spec.volumes).some((v) => {
    const path = asString(asRecord(asRecord(v)?.hostPath)?.path)?.replace(/\/+$/, "");
    return path === K3S_KUBECONFIG || path === K3S_CONFIG_DIR;
  });
  if (mountsKubeconfig) return undefined;
  const found = apiAccessEvidence(lookup, object, t, account);
  const first = found[0];
  if (!first) return undefined;
  const more = found.length > 1 ? ` and ${found.length - 1} more` : "";
  return {
    messageId: "in-cluster-token",
    data: {
      kind: String(object.kind),
      name: metaString(object, "name") ?? "(unnamed)",
      serviceAccount: account,
      kubeconfig: K3S_KUBECONFIG,
      evidence: `${first.summary}${more}`,
    },
    path: field ? t.fieldPath(field) : (first.path ?? t.fieldPath("serviceAccountName")),
    evidence: found.map((e) => e.evidence),
  };
}
