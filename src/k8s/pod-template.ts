// The pod spec of anything that runs pods (built-in workloads, Argo Rollouts, other kinds with `spec.template.spec`)
// as the API server would store it, and every container of it with its role and, on a Pod, its status.
import { containersOf, type ContainerRole } from "./containers.js";
import { asList, asRecord, asString, type JsonPath } from "./fields.js";
import { effectivePullPolicy } from "./image.js";
import type { KubeObject } from "../model/kube.js";
import { POD_KINDS, type PodSpecAt, podSpecOf } from "./podspec.js";

const GENERIC_TEMPLATE = ["spec", "template", "spec"];

/**
 * The pod spec of a Pod or a workload, else of any object whose `spec.template.spec` lists containers (an Argo
 * Rollout, an OpenKruise CloneSet). A PodTemplate runs nothing and has none here.
 */
export function runningPodSpecOf(obj: unknown): PodSpecAt | undefined {
  const rec = asRecord(obj);
  if (!rec) return undefined;
  // podSpecOf reads the object only through asRecord, so any mapping will do.
  if (typeof rec.kind === "string" && POD_KINDS.includes(rec.kind)) return podSpecOf(rec as KubeObject);
  const spec = asRecord(asRecord(asRecord(rec.spec)?.template)?.spec);
  if (spec && Array.isArray(spec.containers)) return { spec, path: [...GENERIC_TEMPLATE] };
  return undefined;
}

/** Fields the API server (or the ServiceAccount admission plugin) fills in when a manifest leaves them out. */
const POD_DEFAULTS: Record<string, unknown> = {
  serviceAccountName: "default",
  automountServiceAccountToken: true,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  volumes: [],
  initContainers: [],
  containers: [],
  ephemeralContainers: [],
};
const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

/**
 * A copy of the pod spec with the defaults a stored pod has: `serviceAccountName: default` (or the deprecated
 * `serviceAccount`), `automountServiceAccountToken: true`, `hostNetwork`/`hostPID`/`hostIPC: false`, empty
 * container and volume lists, and each container's `imagePullPolicy` (Always for `:latest` or no tag).
 */
export function withPodDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...POD_DEFAULTS, ...dropNullish(spec) };
  const legacy = asString(spec.serviceAccount);
  if (spec.serviceAccountName === undefined && legacy) out.serviceAccountName = legacy;
  for (const key of CONTAINER_LISTS) out[key] = asList(out[key]).map(withContainerDefaults);
  return out;
}

function withContainerDefaults(container: unknown): unknown {
  const c = asRecord(container);
  if (!c) return container;
  if (c.imagePullPolicy !== undefined && c.imagePullPolicy !== null) return c;
  const policy = effectivePullPolicy(c)?.policy;
  return policy ? { ...c, imagePullPolicy: policy } : c;
}

function dropNullish(rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

export interface ContainerEntry {
  /** The container with defaults, its `kind` (init, sidecar, regular, ephemeral) and, on a Pod, its `status`. */
  value: Record<string, unknown>;
  role: ContainerRole;
  /** Where the container is written in the object. */
  path: JsonPath;
  /** Where its status is, on a Pod that has one. */
  statusPath?: JsonPath;
}

const STATUS_LISTS: Record<string, string> = {
  initContainers: "initContainerStatuses",
  containers: "containerStatuses",
  ephemeralContainers: "ephemeralContainerStatuses",
};

/** Every container of the pod spec (init, sidecars, regular, ephemeral), each with its role and status. */
export function containerEntriesOf(obj: unknown, at: PodSpecAt): ContainerEntry[] {
  const status = asRecord(asRecord(obj)?.status);
  return containersOf(at.spec, at.path).map((c) => {
    const list = String(c.path[c.path.length - 2]);
    const statusList = STATUS_LISTS[list] ?? "containerStatuses";
    const statuses = asList(status?.[statusList]);
    const index = c.name ? statuses.findIndex((s) => asRecord(s)?.name === c.name) : -1;
    const value: Record<string, unknown> = {
      ...(withContainerDefaults(c.container) as object),
      kind: c.role,
    };
    const entry: ContainerEntry = { value, role: c.role, path: c.path };
    if (index >= 0) {
      value.status = statuses[index];
      entry.statusPath = ["status", statusList, index];
    }
    return entry;
  });
}
