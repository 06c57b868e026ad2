// Where each kind keeps its pod spec, so rules look at one shape whatever the workload.
import { asRecord, asString, type JsonPath } from "./fields.js";
import type { KubeObject } from "../model/kube.js";

const TEMPLATE = ["spec", "template", "spec"];

/** JSON path of the pod spec for each kind that holds one. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ["spec"],
  Deployment: TEMPLATE,
  StatefulSet: TEMPLATE,
  DaemonSet: TEMPLATE,
  ReplicaSet: TEMPLATE,
  ReplicationController: TEMPLATE,
  Job: TEMPLATE,
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  PodTemplate: ["template", "spec"],
};

/** Kinds that run pods: a Pod, or a workload with a pod template. PodTemplate holds a pod spec but runs nothing. */
export const POD_KINDS: readonly string[] = [
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "CronJob",
];

export interface PodSpecAt {
  spec: Record<string, unknown>;
  /** JSON path of the pod spec inside the object, for finding its line in the file. */
  path: JsonPath;
}

/** The pod spec path for a kind, or undefined when the kind has no pod spec. */
export function podSpecPathOf(kind: unknown): JsonPath | undefined {
  const path =
    typeof kind === "string" && Object.hasOwn(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
  return path ? [...path] : undefined;
}

export function podSpecOf(obj: KubeObject): PodSpecAt | undefined {
  const rec = asRecord(obj);
  const path = podSpecPathOf(rec?.kind);
  if (!rec || !path) return undefined;
  let cur: Record<string, unknown> | undefined = rec;
  for (const key of path) {
    cur = asRecord(cur?.[key as string]);
    if (!cur) return undefined;
  }
  return { spec: cur, path };
}

/**
 * The metadata the pods will carry: the Pod's own, or the template's (where pod labels and
 * annotations such as ignore markers live).
 */
export function podMetadataOf(
  obj: KubeObject,
): { metadata: Record<string, unknown>; path: JsonPath } | undefined {
  const rec = asRecord(obj);
  const specPath = podSpecPathOf(rec?.kind);
  if (!rec || !specPath) return undefined;
  // The pod's metadata sits beside its spec: `spec.template.metadata`, or the Pod's own `metadata`.
  const path: JsonPath = asString(rec.kind) === "Pod" ? ["metadata"] : [...specPath.slice(0, -1), "metadata"];
  let cur: unknown = rec;
  for (const key of path) cur = asRecord(cur)?.[key as string];
  const metadata = asRecord(cur);
  return metadata ? { metadata, path } : undefined;
}

/**
 * The metadata record a built-in workload's pods take (`spec.template.metadata`, a CronJob's in its job template),
 * read in place with no path made; undefined when it has none. `false` for a Pod (its metadata is its own) and for
 * kinds that are no built-in workload, whose pods' metadata is found otherwise (k8s/pod-template).
 */
export function workloadTemplateMetadata(obj: KubeObject): Record<string, unknown> | undefined | false {
  const kind = obj.kind;
  if (typeof kind !== "string" || kind === "Pod" || !POD_KINDS.includes(kind)) return false;
  const path = POD_SPEC_PATHS[kind]!;
  let cur: Record<string, unknown> | undefined = asRecord(obj);
  for (let i = 0; i < path.length - 1 && cur; i++) cur = asRecord(cur[path[i]!]);
  return asRecord(cur?.metadata);
}
