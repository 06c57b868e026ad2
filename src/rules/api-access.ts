// Evidence that a pod talks to the Kubernetes API. A service account alone is no such evidence (most are made per
// app out of habit); a binding that grants it rights, a projected token, a known API client or an explicit token
// mount is. Reads RoleBindings and ClusterRoleBindings from the lookup, so a live snapshot that holds them can
// reuse it as it is.
import type { ContainerAt } from "../k8s/containers.js";
import { asList, asRecord, asString, type JsonPath, metaString } from "../k8s/fields.js";
import { parseImage } from "../k8s/image.js";
import type { PodTemplateAt } from "../k8s/pod-template.js";
import type { Evidence } from "../model/finding.js";
import type { KubeObject } from "../model/kube.js";
import { placeOf } from "./place.js";
import type { Lookup } from "./types.js";

export interface ApiAccessEvidence {
  /** Short, for a message: `ClusterRoleBinding flannel binds it`. */
  summary: string;
  evidence: Evidence;
  /** Where in the pod's object it was seen, when it is there (not in another object). */
  path?: JsonPath;
}

/** Images whose program is an API client by nature (the last part of the repository). */
const API_CLIENT_IMAGES = new Set([
  "kubectl",
  "k8s-kubectl",
  "metrics-server",
  "kube-state-metrics",
  "cluster-autoscaler",
  "external-dns",
  "kube-rbac-proxy",
  "prometheus-operator",
  "prometheus-config-reloader",
  "kube-webhook-certgen",
  "cert-manager-controller",
  "cert-manager-cainjector",
  "k8s-sidecar",
]);

/** Flags of controllers that build a Kubernetes client from them. */
const CLIENT_FLAG = /^--(kubeconfig|apiserver-host|kube-api-url|in-cluster)(=|$)/;
/** `--master` names the API server only when it is a URL (Spark's `--master spark://…` is not). */
const MASTER_FLAG = /^--master(?:=|$)/;
/** The in-cluster client's inputs: the service address variables, the token folder, the API's Service name. */
const IN_CLUSTER_REFERENCE =
  /\$\(?\{?KUBERNETES_SERVICE_(?:HOST|PORT)\b|\/var\/run\/secrets\/kubernetes\.io\/serviceaccount|\bkubernetes\.default(?:\.svc)?\b/;

/** The service account subject of a binding names this account (namespaces unknown on either side match). */
function bindsAccount(binding: KubeObject, account: string, namespace: string | undefined): boolean {
  const own = binding.kind === "RoleBinding" ? metaString(binding, "namespace") : undefined;
  return asList((binding as { subjects?: unknown }).subjects).some((s) => {
    const subject = asRecord(s);
    if (subject?.kind !== "ServiceAccount" || asString(subject.name) !== account) return false;
    // In a RoleBinding, a subject without a namespace is in the binding's own.
    const ns = asString(subject.namespace) ?? own;
    return ns === undefined || namespace === undefined || ns === namespace;
  });
}

/** RoleBindings and ClusterRoleBindings among the inputs that grant the account rights. */
export function bindingEvidence(
  lookup: Lookup,
  account: string,
  namespace: string | undefined,
): ApiAccessEvidence[] {
  const out: ApiAccessEvidence[] = [];
  for (const kind of ["RoleBinding", "ClusterRoleBinding"]) {
    for (const b of lookup.byKind(kind)) {
      if (!bindsAccount(b.object, account, namespace)) continue;
      const name = metaString(b.object, "name") ?? "(unnamed)";
      const role = asRecord((b.object as { roleRef?: unknown }).roleRef);
      const roleText = role
        ? ` to ${asString(role.kind) ?? "role"} ${asString(role.name) ?? ""}`.trimEnd()
        : "";
      const place = placeOf(b);
      out.push({
        summary: `${kind} ${name} binds it${roleText}`,
        evidence: {
          kind: "binding",
          text: `${kind} ${name} binds service account ${account}${roleText}`,
          ...(place ? { source: place } : {}),
        },
      });
    }
  }
  return out;
}

/** A container that is an API client: its image, a kubectl call, client flags, the in-cluster variables or paths. */
function clientContainerEvidence(c: ContainerAt): ApiAccessEvidence | undefined {
  const name = c.name || `#${c.index + 1}`;
  const image = asString(c.container.image);
  const repository = parseImage(image)?.repository;
  const last = repository?.slice(repository.lastIndexOf("/") + 1);
  if (last && API_CLIENT_IMAGES.has(last))
    return {
      summary: `container ${name} runs ${last}, an API client`,
      evidence: { kind: "field", text: `image: ${image}`, source: `container ${name}` },
      path: [...c.path, "image"],
    };
  for (const key of ["command", "args"] as const) {
    // Most containers of a cluster give neither: nothing is made for them.
    const given = c.container[key];
    if (!Array.isArray(given) || !given.length) continue;
    const words = given.map((w) => (typeof w === "string" ? w : ""));
    for (const [i, word] of words.entries()) {
      const next = words[i + 1] ?? "";
      const hit =
        /(?:^|[\s/;&|(])kubectl(?:$|\s)/.test(word) ||
        CLIENT_FLAG.test(word) ||
        (MASTER_FLAG.test(word) && /^(?:--master=)?https?:\/\//.test(word.includes("=") ? word : next)) ||
        IN_CLUSTER_REFERENCE.test(word);
      if (hit)
        return {
          summary: `container ${name} calls the API (${key}: ${clipWord(word)})`,
          evidence: { kind: "field", text: `${key}[${i}]: ${clipWord(word)}`, source: `container ${name}` },
          path: [...c.path, key, i],
        };
    }
  }
  const envList = c.container.env;
  if (!Array.isArray(envList)) return undefined;
  for (const [i, entry] of envList.entries()) {
    const env = asRecord(entry);
    const value = asString(env?.value);
    if (value !== undefined && IN_CLUSTER_REFERENCE.test(value))
      return {
        summary: `container ${name} points a client at the in-cluster API (env ${asString(env?.name) ?? i})`,
        evidence: {
          kind: "field",
          text: `${asString(env?.name) ?? `env[${i}]`}=${clipWord(value)}`,
          source: `container ${name}`,
        },
        path: [...c.path, "env", i, "value"],
      };
  }
  return undefined;
}

function clipWord(word: string): string {
  const line =
    word.split("\n").find((l) => /kubectl|--|KUBERNETES|serviceaccount|kubernetes\./.test(l)) ?? word;
  const text = line.trim();
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * The volume the ServiceAccount admission plugin adds to every live pod that mounts its token
 * (`kube-api-access-<5 chars>`): it is the automount itself, no sign that the pod calls the API.
 */
const ADMISSION_TOKEN_VOLUME = /^kube-api-access-[a-z0-9]{5}$/;

/** A projected volume with a service account token source (not the one admission adds to every pod). */
function projectedTokenEvidence(t: PodTemplateAt): ApiAccessEvidence[] {
  const out: ApiAccessEvidence[] = [];
  asList(t.spec.volumes).forEach((v, i) => {
    const volume = asRecord(v);
    const sources = asList(asRecord(volume?.projected)?.sources);
    const j = sources.findIndex((s) => asRecord(s)?.serviceAccountToken !== undefined);
    if (j < 0) return;
    if (ADMISSION_TOKEN_VOLUME.test(asString(volume?.name) ?? "")) return;
    const name = asString(volume?.name) ?? `#${i + 1}`;
    out.push({
      summary: `volume ${name} projects a service account token`,
      evidence: {
        kind: "field",
        text: `volume ${name}: projected serviceAccountToken`,
        source: "spec.volumes",
      },
      path: [...t.fieldPath("volumes"), i, "projected", "sources", j],
    });
  });
  return out;
}

/**
 * Evidence, strongest first, that a pod of `object` uses the API as `account`. For the `default` account a
 * binding is no evidence: it speaks for every pod of the namespace.
 */
export function apiAccessEvidence(
  lookup: Lookup,
  object: KubeObject,
  t: PodTemplateAt,
  account: string,
): ApiAccessEvidence[] {
  const namespace = metaString(object, "namespace");
  const out: ApiAccessEvidence[] = account === "default" ? [] : bindingEvidence(lookup, account, namespace);
  out.push(...projectedTokenEvidence(t));
  for (const c of t.containers) {
    if (c.role === "ephemeral") continue;
    const found = clientContainerEvidence(c);
    if (found) out.push(found);
  }
  if (t.spec.automountServiceAccountToken === true)
    out.push({
      summary: "automountServiceAccountToken: true",
      evidence: { kind: "field", text: "automountServiceAccountToken: true", source: "pod spec" },
      path: t.fieldPath("automountServiceAccountToken"),
    });
  return out;
}
