// The resources the simulator serves: the built-in ones pitfall reads, plus CRDs found in a fixture.
import type { KubeObject } from "../../src/model/kube.js";
import type { ResourceType } from "./types.js";

function builtin(
  group: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
  version = "v1",
): ResourceType {
  return { group, version, plural, singular: kind.toLowerCase(), kind, namespaced, shortNames };
}

export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  builtin("", "pods", "Pod", true, ["po"]),
  builtin("", "nodes", "Node", false, ["no"]),
  builtin("", "events", "Event", true, ["ev"]),
  builtin("", "namespaces", "Namespace", false, ["ns"]),
  builtin("", "services", "Service", true, ["svc"]),
  builtin("", "endpoints", "Endpoints", true, ["ep"]),
  builtin("", "configmaps", "ConfigMap", true, ["cm"]),
  builtin("", "secrets", "Secret", true),
  builtin("", "serviceaccounts", "ServiceAccount", true, ["sa"]),
  builtin("apps", "deployments", "Deployment", true, ["deploy"]),
  builtin("apps", "replicasets", "ReplicaSet", true, ["rs"]),
  builtin("apps", "statefulsets", "StatefulSet", true, ["sts"]),
  builtin("apps", "daemonsets", "DaemonSet", true, ["ds"]),
  builtin("batch", "jobs", "Job", true),
  builtin("batch", "cronjobs", "CronJob", true, ["cj"]),
  builtin("networking.k8s.io", "ingresses", "Ingress", true, ["ing"]),
  builtin("discovery.k8s.io", "endpointslices", "EndpointSlice", true),
  builtin("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true),
  builtin("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false),
  builtin("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", false, [
    "crd",
    "crds",
  ]),
];

export function groupVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `group/plural`, the key a resource is stored under (`/pods`, `apps/deployments`). */
export function resourceKey(t: ResourceType): string {
  return `${t.group}/${t.plural}`;
}

/** The served version of a CustomResourceDefinition object, or undefined when it is not one. */
export function resourceOfCrd(crd: KubeObject): ResourceType | undefined {
  if (crd.kind !== "CustomResourceDefinition") return undefined;
  const spec = crd.spec as
    | {
        group?: string;
        scope?: string;
        names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[] };
        versions?: { name?: string; served?: boolean; storage?: boolean }[];
      }
    | undefined;
  const names = spec?.names;
  const served = spec?.versions?.filter((v) => v.served !== false) ?? [];
  const version = (served.find((v) => v.storage) ?? served[0])?.name;
  if (!spec?.group || !names?.plural || !names.kind || !version) return undefined;
  return {
    group: spec.group,
    version,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    namespaced: spec.scope !== "Cluster",
    shortNames: names.shortNames ?? [],
  };
}

/** Resource types of a cluster: the built-in ones and one per CRD object. */
export function resourcesOf(objects: readonly KubeObject[]): ResourceType[] {
  const types = [...BUILTIN_RESOURCES];
  for (const o of objects) {
    const t = resourceOfCrd(o);
    if (t) types.push(t);
  }
  return types;
}

/** Finds the type of an object from its apiVersion and kind. */
export function typeOfObject(types: readonly ResourceType[], o: KubeObject): ResourceType | undefined {
  const [group, version] = splitApiVersion(String(o.apiVersion ?? ""));
  return types.find((t) => t.kind === o.kind && t.group === group && t.version === version);
}

/** Finds a type by kind (`Pod`) or plural (`pods`), optionally `plural.group`. */
export function typeByName(types: readonly ResourceType[], name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  return types.find(
    (t) =>
      t.kind === name ||
      t.plural === lower ||
      t.singular === lower ||
      `${t.plural}.${t.group}` === lower ||
      t.shortNames.includes(lower),
  );
}

export function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}
