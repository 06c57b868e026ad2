// One line about an object's state, and the facts behind it: phase, node, readiness, restarts, replica counts,
// conditions, and each container's state and last termination. Used by explain (CLI, API, MCP).
import type { KubeObject } from "../model/kube.js";
import { clip } from "../model/redact.js";
import { asInteger, asRecord, asString } from "./fields.js";
import {
  type Condition,
  conditionsOf,
  containerStatusesOf,
  lastTerminated,
  restartCountOf,
  type Termination,
  waitingReason,
} from "./status.js";

export interface ContainerStory {
  name: string;
  role: string;
  image?: string;
  ready?: boolean;
  /** `running`, `waiting: CrashLoopBackOff`, `terminated: Completed (exit 0)`. */
  state: string;
  /** The waiting or terminated message, e.g. `back-off 5m0s restarting failed container`. */
  stateMessage?: string;
  restarts: number;
  lastTermination?: Termination;
}

export interface ObjectStatus {
  /** One line: phase, readiness, restarts, the reason it is not well. */
  summary: string;
  phase?: string;
  node?: string;
  conditions: Condition[];
  containers: ContainerStory[];
  /** Workloads: desired, ready, available, updated. */
  replicas?: Record<string, number>;
}

/** The status of an object; a workload's summary counts its pods' restarts and waiting reasons too. */
export function statusSummary(object: KubeObject, pods: KubeObject[]): ObjectStatus {
  const conditions = conditionsOf(object);
  if (object.kind === "Pod") return podStatus(object, conditions);
  const status = asRecord(object.status) ?? {};
  const spec = asRecord(object.spec) ?? {};
  if (object.kind === "Node") {
    const info = asRecord(status.nodeInfo);
    const bad = conditions.filter((c) => (c.type === "Ready" ? c.status !== true : c.status === true));
    const version = asString(info?.kubeletVersion);
    const summary = [
      bad.length ? bad.map((c) => (c.type === "Ready" ? "NotReady" : c.type)).join(", ") : "Ready",
      version ? `kubelet ${version}` : "",
    ].filter(Boolean);
    return { summary: summary.join(" · "), conditions, containers: [] };
  }
  const replicas = replicaCounts(object.kind, spec, status);
  const parts: string[] = [];
  if (replicas) {
    parts.push(`${replicas.ready ?? 0}/${replicas.desired ?? 0} ready`);
    if (replicas.available !== undefined) parts.push(`${replicas.available} available`);
    if (replicas.updated !== undefined) parts.push(`${replicas.updated} up to date`);
  }
  const restarts = pods
    .flatMap((p) => containerStatusesOf(p))
    .reduce((n, c) => n + restartCountOf(c.status), 0);
  if (pods.length)
    parts.push(
      `${pods.length} pod${pods.length === 1 ? "" : "s"}${restarts ? `, ${restarts} restarts` : ""}`,
    );
  const reasons = new Set(
    pods.flatMap((p) =>
      containerStatusesOf(p)
        .map((c) => waitingReason(c.status))
        .filter(Boolean),
    ),
  );
  if (reasons.size) parts.push([...reasons].join(", "));
  for (const c of conditions) if (c.status === false && c.reason) parts.push(`${c.type} False: ${c.reason}`);
  const out: ObjectStatus = { summary: parts.join(" · ") || "no status", conditions, containers: [] };
  if (replicas) out.replicas = replicas;
  return out;
}

function replicaCounts(
  kind: string | undefined,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
) {
  const n = (v: unknown) => asInteger(v);
  const out: Record<string, number> = {};
  const put = (key: string, v: number | undefined) => {
    if (v !== undefined) out[key] = v;
  };
  // The API server leaves out counts that are 0 (omitempty), so an absent count is 0; ReplicaSets have no updated count.
  if (kind === "DaemonSet") {
    put("desired", n(status.desiredNumberScheduled));
    put("ready", n(status.numberReady) ?? 0);
    put("available", n(status.numberAvailable) ?? 0);
    put("updated", n(status.updatedNumberScheduled) ?? 0);
  } else if (kind === "Deployment" || kind === "StatefulSet" || kind === "ReplicaSet") {
    put("desired", n(spec.replicas) ?? 1);
    put("ready", n(status.readyReplicas) ?? 0);
    put("available", n(status.availableReplicas) ?? 0);
    put("updated", kind === "ReplicaSet" ? n(status.updatedReplicas) : (n(status.updatedReplicas) ?? 0));
  } else return undefined;
  return out;
}

function podStatus(pod: KubeObject, conditions: Condition[]): ObjectStatus {
  const status = asRecord(pod.status) ?? {};
  const spec = asRecord(pod.spec) ?? {};
  const containers = containerStatusesOf(pod).map((c): ContainerStory => {
    const s = c.status;
    const state = asRecord(s.state) ?? {};
    const story: ContainerStory = {
      name: c.name,
      role: c.role,
      state: "unknown",
      restarts: restartCountOf(s),
    };
    const image = asString(s.image);
    if (image) story.image = image;
    if (typeof s.ready === "boolean") story.ready = s.ready;
    const waiting = asRecord(state.waiting);
    const terminated = asRecord(state.terminated);
    if (waiting) {
      story.state = `waiting: ${asString(waiting.reason) ?? "(no reason)"}`;
      const message = asString(waiting.message);
      if (message) story.stateMessage = clip(message);
    } else if (terminated) {
      const code = asInteger(terminated.exitCode);
      story.state = `terminated: ${asString(terminated.reason) ?? "(no reason)"}${code !== undefined ? ` (exit ${code})` : ""}`;
      const message = asString(terminated.message);
      if (message) story.stateMessage = clip(message);
    } else if (state.running) story.state = "running";
    const last = lastTerminated(s);
    if (last) story.lastTermination = last;
    return story;
  });
  const regular = containers.filter((c) => c.role === "regular");
  const ready = regular.filter((c) => c.ready).length;
  const restarts = containers.reduce((n, c) => n + c.restarts, 0);
  const phase = asString(status.phase);
  const node = asString(spec.nodeName);
  const reasons = [
    asString(status.reason),
    ...containers.map((c) => (c.state.startsWith("waiting: ") ? c.state.slice(9) : undefined)),
  ].filter((r): r is string => Boolean(r));
  const unscheduled = conditions.find((c) => c.type === "PodScheduled" && c.status === false);
  const parts = [
    phase ?? "no phase",
    node
      ? `on ${node}`
      : unscheduled
        ? `not scheduled${unscheduled.reason ? `: ${unscheduled.reason}` : ""}`
        : "",
    regular.length ? `${ready}/${regular.length} ready` : "",
    restarts ? `${restarts} restart${restarts === 1 ? "" : "s"}` : "",
    ...new Set(reasons),
  ].filter(Boolean);
  const out: ObjectStatus = { summary: parts.join(" · "), conditions, containers };
  if (phase) out.phase = phase;
  if (node) out.node = node;
  return out;
}
