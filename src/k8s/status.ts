// Reading pod and node status: container states, last terminations, conditions.
import { type ContainerRole, isSidecar } from "./containers.js";
import { asInteger, asList, asRecord, asString, type JsonPath } from "./fields.js";
import type { KubeObject } from "../model/kube.js";
import { perRun } from "./per-run.js";

export interface ContainerStatusAt {
  status: Record<string, unknown>;
  /** `""` when the status has no usable name. */
  name: string;
  /** `sidecar` when the matching init container in the spec has `restartPolicy: Always`. */
  role: ContainerRole;
  index: number;
  path: JsonPath;
}

const STATUS_LISTS = [
  ["initContainerStatuses", "init"],
  ["containerStatuses", "regular"],
  ["ephemeralContainerStatuses", "ephemeral"],
] as const;

/**
 * Init (sidecars among them), regular and ephemeral container statuses, in that order. Kept for the pod the rules
 * are on (k8s/per-run): most rules about containers ask for every pod's.
 */
export const containerStatusesOf: (pod: KubeObject) => readonly ContainerStatusAt[] = perRun(statusesOf);

function statusesOf(pod: KubeObject): ContainerStatusAt[] {
  const rec = asRecord(pod);
  const status = asRecord(rec?.status);
  if (!status) return [];
  const out: ContainerStatusAt[] = [];
  for (let l = 0; l < STATUS_LISTS.length; l++) {
    const [key, listRole] = STATUS_LISTS[l]!;
    const list = status[key];
    if (!Array.isArray(list) || !list.length) continue;
    // Every rule about containers asks for every pod: no closure, and a spec lookup only for init statuses.
    const sidecars = listRole === "init" ? sidecarNames(rec?.spec) : undefined;
    for (let index = 0; index < list.length; index++) {
      const s = asRecord(list[index]);
      if (!s) continue;
      const name = asString(s.name) ?? "";
      const role: ContainerRole = sidecars?.has(name) ? "sidecar" : listRole;
      out.push(new StatusAt(s, name, role, index, key));
    }
  }
  return out;
}

/** A container status, its path made only when asked: most of a cluster's statuses never are. */
class StatusAt implements ContainerStatusAt {
  constructor(
    readonly status: Record<string, unknown>,
    readonly name: string,
    readonly role: ContainerRole,
    readonly index: number,
    private readonly list: (typeof STATUS_LISTS)[number][0],
  ) {}

  get path(): JsonPath {
    return ["status", this.list, this.index];
  }
}

/** Names of the init containers that are native sidecars (`restartPolicy: Always`). */
function sidecarNames(spec: unknown): Set<string> {
  const sidecars = new Set<string>();
  for (const c of asList(asRecord(spec)?.initContainers)) {
    const name = asString(asRecord(c)?.name);
    if (name !== undefined && isSidecar(c)) sidecars.add(name);
  }
  return sidecars;
}

/** `CrashLoopBackOff`, `ImagePullBackOff`, …: why a container is waiting now. */
export function waitingReason(containerStatus: unknown): string | undefined {
  const waiting = asRecord(asRecord(asRecord(containerStatus)?.state)?.waiting);
  return asString(waiting?.reason) || undefined;
}

export interface Termination {
  reason?: string;
  exitCode?: number;
  signal?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

function terminationOf(value: unknown): Termination | undefined {
  const t = asRecord(value);
  if (!t) return undefined;
  const out: Termination = {};
  for (const key of ["reason", "message", "startedAt", "finishedAt"] as const) {
    const v = asString(t[key]);
    if (v) out[key] = v;
  }
  const exitCode = asInteger(t.exitCode);
  const signal = asInteger(t.signal);
  if (exitCode !== undefined) out.exitCode = exitCode;
  if (signal !== undefined) out.signal = signal;
  return out;
}

/**
 * How long a terminated run lasted; undefined without both times, or when it never started: the API reports a
 * StartError's `startedAt` as the zero time (1970-01-01T00:00:00Z).
 */
export function runLengthMs(t: Termination): number | undefined {
  const start = Date.parse(t.startedAt ?? "");
  const end = Date.parse(t.finishedAt ?? "");
  if (Number.isNaN(start) || Number.isNaN(end) || start <= 0 || end < start) return undefined;
  return end - start;
}

/** How the previous run of a container ended (`lastState.terminated`), e.g. `OOMKilled`, exit 137. */
export function lastTerminated(containerStatus: unknown): Termination | undefined {
  return terminationOf(asRecord(asRecord(containerStatus)?.lastState)?.terminated);
}

/** How the current run ended, for containers that are stopped now (`state.terminated`). */
export function currentTerminated(containerStatus: unknown): Termination | undefined {
  return terminationOf(asRecord(asRecord(containerStatus)?.state)?.terminated);
}

export function restartCountOf(containerStatus: unknown): number {
  const n = asInteger(asRecord(containerStatus)?.restartCount);
  return n !== undefined && n >= 0 ? n : 0;
}

export function podPhase(pod: KubeObject): string | undefined {
  return asString(asRecord(asRecord(pod)?.status)?.phase);
}

/** A pod that has finished for good (Succeeded or Failed) and holds no node resources. */
export function isTerminated(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === "Succeeded" || phase === "Failed";
}

export interface Condition {
  type: string;
  /** `True` / `False`; undefined for `Unknown` or anything else. */
  status: boolean | undefined;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** `status.conditions` of any object, malformed entries skipped. */
export function conditionsOf(obj: unknown): Condition[] {
  const out: Condition[] = [];
  for (const item of asList(asRecord(asRecord(obj)?.status)?.conditions)) {
    const c = asRecord(item);
    const type = asString(c?.type);
    if (!c || !type) continue;
    const cond: Condition = {
      type,
      status: c.status === "True" ? true : c.status === "False" ? false : undefined,
    };
    for (const key of ["reason", "message", "lastTransitionTime"] as const) {
      const v = asString(c[key]);
      if (v) cond[key] = v;
    }
    out.push(cond);
  }
  return out;
}

/** PodScheduled, Initialized, ContainersReady, Ready, … with reason and message (e.g. `Unschedulable`). */
export function podConditions(pod: KubeObject): Condition[] {
  return conditionsOf(pod);
}

/** Restarts of a pod's containers, or of the one named. */
export function restartsOf(pod: KubeObject, container?: string): number {
  return containerStatusesOf(pod)
    .filter((c) => container === undefined || c.name === container)
    .reduce((n, c) => n + restartCountOf(c.status), 0);
}

/** Init and regular containers with a name: the ones that have logs worth reading. */
function loggingContainers(pod: KubeObject): ContainerStatusAt[] {
  return containerStatusesOf(pod).filter((c) => c.role !== "ephemeral" && c.name !== "");
}

/** Containers whose previous instance has something to say: crash-looping, or terminated before. */
export function previousLogContainers(pod: KubeObject): string[] {
  return loggingContainers(pod)
    .filter((c) => waitingReason(c.status) === "CrashLoopBackOff" || lastTerminated(c.status) !== undefined)
    .map((c) => c.name);
}

/** Containers running now, in a running pod. */
export function currentLogContainers(pod: KubeObject): string[] {
  if (asString(asRecord(pod.status)?.phase) !== "Running") return [];
  return loggingContainers(pod)
    .filter((c) => c.role !== "init" && c.role !== "sidecar" && asRecord(asRecord(c.status.state)?.running))
    .map((c) => c.name);
}
