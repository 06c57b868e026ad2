// Effective pod requests and limits, computed as the scheduler and `kubectl describe node` do
// (k8s.io/component-helpers resource.PodRequests / PodLimits), and their totals per node and per manifest set.
import { isSidecar } from "./containers.js";
import { asInteger, asList, asRecord, asString, metaString } from "./fields.js";
import { parseBytes, parseCpu } from "./quantity.js";
import { isTerminated } from "./status.js";
import type { KubeObject } from "../model/kube.js";

/** CPU in millicores, memory in bytes. */
export interface Resources {
  cpu: number;
  memory: number;
}

/** Limits: undefined where no container sets one (as in the scheduler's sum). */
export interface Limits {
  cpu: number | undefined;
  memory: number | undefined;
}

type Amounts = { cpu?: number; memory?: number };
type Field = "requests" | "limits";

function amountsIn(list: unknown): Amounts {
  const rec = asRecord(list);
  const out: Amounts = {};
  const cpu = parseCpu(rec?.cpu);
  const memory = parseBytes(rec?.memory);
  if (cpu !== undefined) out.cpu = cpu;
  if (memory !== undefined) out.memory = memory;
  return out;
}

/** A container's requests, with the API server's defaulting: a request left out takes the limit's value. */
function containerAmounts(container: unknown, field: Field): Amounts {
  const resources = asRecord(asRecord(container)?.resources);
  const own = amountsIn(resources?.[field]);
  if (field === "limits") return own;
  const limits = amountsIn(resources?.limits);
  return { cpu: own.cpu ?? limits.cpu, memory: own.memory ?? limits.memory };
}

function add(into: Amounts, more: Amounts): void {
  if (more.cpu !== undefined) into.cpu = (into.cpu ?? 0) + more.cpu;
  if (more.memory !== undefined) into.memory = (into.memory ?? 0) + more.memory;
}

function max(into: Amounts, other: Amounts): void {
  if (other.cpu !== undefined) into.cpu = Math.max(into.cpu ?? 0, other.cpu);
  if (other.memory !== undefined) into.memory = Math.max(into.memory ?? 0, other.memory);
}

/**
 * Sum of regular containers and sidecars, versus each init container in turn (plus the sidecars started before
 * it): whichever is larger.
 */
function aggregate(spec: Record<string, unknown>, field: Field): Amounts {
  const total: Amounts = {};
  for (const c of asList(spec.containers)) if (asRecord(c)) add(total, containerAmounts(c, field));
  const sidecars: Amounts = {};
  const initPeak: Amounts = {};
  for (const c of asList(spec.initContainers)) {
    if (!asRecord(c)) continue;
    const own = containerAmounts(c, field);
    if (isSidecar(c)) {
      add(total, own);
      add(sidecars, own);
      max(initPeak, sidecars);
    } else {
      const during: Amounts = { ...own };
      add(during, sidecars);
      max(initPeak, during);
    }
  }
  max(total, initPeak);
  return total;
}

/** Pod-level `spec.resources` (PodLevelResources) replaces the container sum for the resources it names. */
function podLevel(spec: Record<string, unknown>, field: Field): Amounts {
  return amountsIn(asRecord(spec.resources)?.[field]);
}

export function podRequests(podSpec: unknown): Resources {
  const spec = asRecord(podSpec);
  if (!spec) return { cpu: 0, memory: 0 };
  const reqs = aggregate(spec, "requests");
  const pod = podLevel(spec, "requests");
  const podLimits = podLevel(spec, "limits");
  // Pod-level requests left out default to pod-level limits when no container asks for that resource.
  const cpu = pod.cpu ?? (reqs.cpu === undefined ? podLimits.cpu : reqs.cpu) ?? 0;
  const memory = pod.memory ?? (reqs.memory === undefined ? podLimits.memory : reqs.memory) ?? 0;
  const overhead = amountsIn(spec.overhead);
  return { cpu: cpu + (overhead.cpu ?? 0), memory: memory + (overhead.memory ?? 0) };
}

export function podLimits(podSpec: unknown): Limits {
  const spec = asRecord(podSpec);
  if (!spec) return { cpu: undefined, memory: undefined };
  const limits = aggregate(spec, "limits");
  const pod = podLevel(spec, "limits");
  const cpu = pod.cpu ?? limits.cpu;
  const memory = pod.memory ?? limits.memory;
  // Overhead is added only to limits that exist: no limit stays no limit.
  const overhead = amountsIn(spec.overhead);
  return {
    cpu: cpu === undefined ? undefined : cpu + (overhead.cpu ?? 0),
    memory: memory === undefined ? undefined : memory + (overhead.memory ?? 0),
  };
}

export type ResourceField = "requests.cpu" | "requests.memory" | "limits.cpu" | "limits.memory";

export interface ContainerResources {
  /** As written; undefined when missing or unreadable. */
  requests: { cpu: number | undefined; memory: number | undefined };
  limits: { cpu: number | undefined; memory: number | undefined };
  /** Fields not written at all. */
  missing: ResourceField[];
  /** Fields written but not a valid quantity (e.g. `memory: lots`). */
  invalid: ResourceField[];
}

/** What a container says about its own CPU and memory, as written (no defaulting from limits). */
export function containerResources(container: unknown): ContainerResources {
  const resources = asRecord(asRecord(container)?.resources);
  const out: ContainerResources = {
    requests: { cpu: undefined, memory: undefined },
    limits: { cpu: undefined, memory: undefined },
    missing: [],
    invalid: [],
  };
  for (const field of ["requests", "limits"] as const) {
    const list = asRecord(resources?.[field]);
    for (const name of ["cpu", "memory"] as const) {
      const raw = list?.[name];
      const key: ResourceField = `${field}.${name}`;
      if (raw === undefined || raw === null) {
        out.missing.push(key);
        continue;
      }
      const value = name === "cpu" ? parseCpu(raw) : parseBytes(raw);
      if (value === undefined) out.invalid.push(key);
      out[field][name] = value;
    }
  }
  return out;
}

export interface NodeRequests {
  node: string;
  allocatable: Resources;
  requested: Resources;
  /** Requested as a share of allocatable, 0–100+; undefined when the node reports no allocatable amount. */
  percent: { cpu: number | undefined; memory: number | undefined };
  /** Pods counted: bound to the node and not finished. */
  pods: number;
}

/** Per node, the requests of the pods bound to it that still hold resources (as `kubectl describe node`). */
export function requestsPerNode(nodes: readonly KubeObject[], pods: readonly KubeObject[]): NodeRequests[] {
  const byNode = new Map<string, NodeRequests>();
  for (const node of nodes) {
    const name = metaString(node, "name");
    if (name === undefined || byNode.has(name)) continue;
    const status = asRecord(asRecord(node)?.status);
    // A node that has not posted allocatable yet schedules against its capacity.
    const alloc = asRecord(status?.allocatable) ?? asRecord(status?.capacity);
    const allocatable = { cpu: parseCpu(alloc?.cpu) ?? 0, memory: parseBytes(alloc?.memory) ?? 0 };
    byNode.set(name, {
      node: name,
      allocatable,
      requested: { cpu: 0, memory: 0 },
      percent: { cpu: undefined, memory: undefined },
      pods: 0,
    });
  }
  for (const pod of pods) {
    const nodeName = asString(asRecord(asRecord(pod)?.spec)?.nodeName);
    const entry = nodeName === undefined ? undefined : byNode.get(nodeName);
    if (!entry || isTerminated(pod)) continue;
    const r = podRequests(asRecord(pod)?.spec);
    entry.requested.cpu += r.cpu;
    entry.requested.memory += r.memory;
    entry.pods++;
  }
  for (const e of byNode.values()) {
    if (e.allocatable.cpu > 0) e.percent.cpu = (e.requested.cpu / e.allocatable.cpu) * 100;
    if (e.allocatable.memory > 0) e.percent.memory = (e.requested.memory / e.allocatable.memory) * 100;
  }
  return [...byNode.values()];
}

/** A count as written; absent or unusable means the API default, 1. */
function replicasField(value: unknown): number {
  const n = asInteger(value);
  return n !== undefined && n >= 0 ? n : 1;
}

/** Pods at the peak of a Job: `parallelism` (default 1), never more than `completions`. */
function jobPods(jobSpec: unknown): number {
  const spec = asRecord(jobSpec);
  const parallelism = replicasField(spec?.parallelism);
  const completions = asInteger(spec?.completions);
  return completions !== undefined && completions >= 0 ? Math.min(parallelism, completions) : parallelism;
}

/**
 * How many pods a workload runs at once: `spec.replicas` (default 1), a DaemonSet's pod per node,
 * a Job's parallelism, one Job of a CronJob. Undefined for kinds that run no pods.
 */
export function replicasOf(obj: KubeObject, nodeCount = 1): number | undefined {
  const rec = asRecord(obj);
  const spec = asRecord(rec?.spec);
  switch (rec?.kind) {
    case "Pod":
      return 1;
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
    case "ReplicationController":
      return replicasField(spec?.replicas);
    case "DaemonSet":
      return Number.isInteger(nodeCount) && nodeCount >= 0 ? nodeCount : 1;
    case "Job":
      return jobPods(spec);
    case "CronJob":
      return jobPods(asRecord(spec?.jobTemplate)?.spec);
    default:
      return undefined;
  }
}
