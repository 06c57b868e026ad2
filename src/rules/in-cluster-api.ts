// On k3s the ClusterIP 10.43.0.1:443 refuses connections from pods: in-cluster client config does not work there.
import { asList, asRecord, asString, metaString } from "../k8s/fields.js";
import { podSpecOf } from "../k8s/podspec.js";
import { POD_KINDS } from "../k8s/podspec.js";
import { defineRule } from "./types.js";

/** The kubeconfig the page mounts instead (hostPath), and the folder that holds it. */
const K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";
const K3S_CONFIG_DIR = "/etc/rancher/k3s";

const MESSAGES = {
  "in-cluster-token":
    "{{kind}} {{name}} runs as service account {{serviceAccount}} with its token mounted and no hostPath kubeconfig ({{kubeconfig}}): on k3s the in-cluster API address 10.43.0.1:443 refuses connections from pods",
} as const;

export const inClusterApiRule = defineRule({
  meta: {
    id: "in-cluster-api",
    pitfall: "k3s-clusterip-broken-from-inside-pods",
    runs: ["manifest"],
    distribution: "k3s",
    description:
      "A pod with its own service account and a mounted token but no hostPath kubeconfig: it will talk to the API through the broken ClusterIP.",
    looksAt:
      "spec.serviceAccountName, spec.automountServiceAccountToken (and the ServiceAccount's), hostPath volumes",
    kinds: [...POD_KINDS],
    reads: ["ServiceAccount"],
    messages: MESSAGES,
  },
  check(ctx, o) {
    const at = podSpecOf(o.object);
    if (!at) return [];
    const spec = at.spec;
    // `serviceAccount` is the deprecated spelling; the API server still honours it.
    const field = asString(spec.serviceAccountName)
      ? "serviceAccountName"
      : asString(spec.serviceAccount)
        ? "serviceAccount"
        : undefined;
    const account = field ? asString(spec[field])! : undefined;
    if (!field || !account || account === "default") return [];
    if (spec.automountServiceAccountToken === false) return [];
    if (spec.automountServiceAccountToken !== true) {
      // Left out on the pod, the ServiceAccount's own setting decides.
      const sa = ctx.lookup.get("ServiceAccount", metaString(o.object, "namespace"), account);
      if (sa && asRecord(sa.object)?.automountServiceAccountToken === false) return [];
    }
    const mountsKubeconfig = asList(spec.volumes).some((v) => {
      const path = asString(asRecord(asRecord(v)?.hostPath)?.path)?.replace(/\/+$/, "");
      return path === K3S_KUBECONFIG || path === K3S_CONFIG_DIR;
    });
    if (mountsKubeconfig) return [];
    return [
      {
        messageId: "in-cluster-token",
        data: {
          kind: String(o.object.kind),
          name: metaString(o.object, "name") ?? "(unnamed)",
          serviceAccount: account,
          kubeconfig: K3S_KUBECONFIG,
        },
        path: [...at.path, field],
      },
    ];
  },
});
