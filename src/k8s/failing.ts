// Is a pod failing now, and how: a container crash-looping or waiting on an error, an init container that
// fails, probes that fail, a pod Pending (or stuck creating its containers) past a threshold, a pod that failed.
import type { ContainerRole } from "./containers.js";
import { ageMs } from "./duration.js";
import { type EventView, eventContainer } from "./events.js";
import { asRecord, asString, metaString, pathText } from "./fields.js";
import {
  type ContainerStatusAt,
  conditionsOf,
  containerStatusesOf,
  currentTerminated,
  lastTerminated,
  podPhase,
  restartCountOf,
  waitingReason,
} from "./status.js";
import type { KubeObject } from "../model/kube.js";

/** One way a pod fails now. */
export interface PodFailure {
  /**
   * What fails, as Kubernetes names it: a waiting reason (`CrashLoopBackOff`, `RunContainerError`,
   * `CreateContainerConfigError`, `ImagePullBackOff`…), `Unhealthy` (probes), a termination reason (`Error`,
   * `OOMKilled`), `Unschedulable`, or the warning event that holds a pod back (`FailedMount`).
   */
  reason: string;
  /** Absent for what is about the whole pod (Pending, unschedulable). */
  container?: string;
  role?: ContainerRole;
  restarts: number;
  /** When it began, as far as the status and events tell (RFC 3339). */
  since?: string;
  /** The status or event message that says it. */
  message?: string;
  /** Where it was read: `status.containerStatuses[0].state.waiting`, `event FailedMount`. */
  source: string;
}

export interface FailingOptions {
  now: Date;
  /** A pod Pending (or still creating its containers) for longer than this is failing. */
  pendingAfterMs: number;
}

/** Waiting reasons on the way to running, not errors (until they last past the Pending threshold). */
const STARTING = new Set(["ContainerCreating", "PodInitializing"]);
/** Probe failures older than this say nothing about now. */
const RECENT_MS = 3_600_000;

/**
 * The ways a pod fails now, one per container at most, then the pod's own. Healthy and finished pods: none.
 * `events` may be a function: it is called only when the status leaves the answer open (a healthy pod's events are
 * never read, and most of a cluster's pods are healthy).
 */
export function podFailures(
  pod: KubeObject,
  events: readonly EventView[] | (() => readonly EventView[]),
  opts: FailingOptions,
): PodFailure[] {
  const phase = podPhase(pod);
  if (phase === "Succeeded") return [];
  // An evicted pod is the node's story (the node-pressure rule tells it), not a failure of its own.
  if (phase === "Failed" && asString(asRecord(pod.status)?.reason) === "Evicted") return [];
  let read: readonly EventView[] | undefined = typeof events === "function" ? undefined : events;
  const podEvents = () => (read ??= (events as () => readonly EventView[])());
  const out: PodFailure[] = [];
  for (const at of containerStatusesOf(pod)) {
    if (!at.name || at.role === "ephemeral") continue;
    const failure = containerFailure(pod, phase, at, podEvents, opts.now);
    if (failure) out.push(failure);
  }
  if (phase === "Pending" || phase === undefined) {
    const stuck = pendingFailure(pod, podEvents(), opts);
    if (stuck && !out.length) out.push(stuck);
  } else if (phase === "Failed" && !out.length) {
    const status = asRecord(pod.status);
    out.push(
      withOptional(
        { reason: asString(status?.reason) ?? "Failed", restarts: 0, source: "status.phase" },
        podStart(pod),
        asString(status?.message),
      ),
    );
  }
  return out;
}

/**
 * How one container fails now, if it does; nothing is made for one that does not (most of a cluster's): no
 * closure, no event read, until a failure is found.
 */
function containerFailure(
  pod: KubeObject,
  phase: string | undefined,
  at: ContainerStatusAt,
  podEvents: () => readonly EventView[],
  now: Date,
): PodFailure | undefined {
  const reason = waitingReason(at.status);
  if (reason && !STARTING.has(reason)) {
    const waitingPath = pathText([...at.path, "state", "waiting"]);
    const message = asString(asRecord(asRecord(at.status.state)?.waiting)?.message);
    return withOptional({ ...baseOf(at), reason, source: waitingPath }, sinceOf(pod, at, podEvents), message);
  }
  const ended = phase === "Failed" ? currentTerminated(at.status) : undefined;
  if (ended && ended.exitCode !== undefined && ended.exitCode !== 0) {
    const text = ended.message ?? `exit code ${ended.exitCode}`;
    return withOptional(
      {
        ...baseOf(at),
        reason: ended.reason ?? "Error",
        source: pathText([...at.path, "state", "terminated"]),
      },
      ended.finishedAt ?? sinceOf(pod, at, podEvents),
      text,
    );
  }
  const probe = probeFailure(at, podEvents, now);
  if (probe)
    return withOptional(
      { ...baseOf(at), reason: "Unhealthy", source: "event Unhealthy" },
      probe.first,
      probe.message,
    );
  return undefined;
}

function baseOf(at: ContainerStatusAt): Pick<PodFailure, "container" | "role" | "restarts"> {
  return { container: at.name, role: at.role, restarts: restartCountOf(at.status) };
}

function containerEvents(at: ContainerStatusAt, podEvents: () => readonly EventView[]): EventView[] {
  return podEvents().filter((e) => eventContainer(e) === at.name);
}

/** When the container's failure began: its first warning event, else the pod's start. */
function sinceOf(
  pod: KubeObject,
  at: ContainerStatusAt,
  podEvents: () => readonly EventView[],
): string | undefined {
  return firstWarning(containerEvents(at, podEvents)) ?? podStart(pod);
}

/** A pod not scheduled, or scheduled but not running its containers, for longer than the threshold. */
function pendingFailure(
  pod: KubeObject,
  events: readonly EventView[],
  opts: FailingOptions,
): PodFailure | undefined {
  const scheduled = conditionsOf(pod).find((c) => c.type === "PodScheduled");
  const created = metaString(pod, "creationTimestamp");
  const warning = [...events].reverse().find((e) => e.type === "Warning" && !eventContainer(e));
  if (scheduled?.status === false) {
    const since = scheduled.lastTransitionTime ?? created;
    if ((ageMs(since, opts.now) ?? 0) < opts.pendingAfterMs) return undefined;
    const scheduling = [...events].reverse().find((e) => e.reason === "FailedScheduling");
    return withOptional(
      { reason: scheduled.reason ?? "Unschedulable", restarts: 0, source: "status.conditions[PodScheduled]" },
      since,
      scheduling?.message || scheduled.message,
    );
  }
  const since = scheduled?.lastTransitionTime ?? created;
  if ((ageMs(since, opts.now) ?? 0) < opts.pendingAfterMs) return undefined;
  // A container that runs (a long init container) is work in progress, not a pod held back.
  if (containerStatusesOf(pod).some((c) => asRecord(asRecord(c.status.state)?.running))) return undefined;
  // Scheduled, yet its containers have not started: what holds it back is in the pod's warning events.
  if (warning)
    return withOptional(
      {
        reason: warning.reason ?? "Pending",
        restarts: 0,
        source: `event ${warning.reason ?? "(no reason)"}`,
      },
      warning.first ?? since,
      warning.message,
    );
  return withOptional({ reason: "Pending", restarts: 0, source: "status.phase" }, since, undefined);
}

/**
 * Probes failing now: Unhealthy events for the container seen in the last hour, while it is not ready or has
 * been restarted in that hour (a failing liveness probe restarts it; a failing readiness probe keeps it unready).
 */
function probeFailure(
  at: ContainerStatusAt,
  podEvents: () => readonly EventView[],
  now: Date,
): { first?: string; message: string } | undefined {
  const status = at.status;
  // The status first: a ready container not restarted in the hour needs no look at its events.
  const restartedAge = ageMs(lastTerminated(status)?.finishedAt, now);
  const restartedRecently = restartedAge !== undefined && restartedAge <= RECENT_MS;
  if (status.ready !== false && !restartedRecently) return undefined;
  const unhealthy = containerEvents(at, podEvents).filter((e) => e.reason === "Unhealthy");
  const last = unhealthy[unhealthy.length - 1];
  const lastAge = ageMs(last?.last, now);
  if (!last || lastAge === undefined || lastAge > RECENT_MS) return undefined;
  const first = unhealthy.reduce<string | undefined>(
    (min, e) => (e.first && (!min || Date.parse(e.first) < Date.parse(min)) ? e.first : min),
    undefined,
  );
  return first ? { first, message: last.message } : { message: last.message };
}

function firstWarning(events: readonly EventView[]): string | undefined {
  let first: string | undefined;
  for (const e of events) {
    if (e.type !== "Warning" || !e.first || Number.isNaN(Date.parse(e.first))) continue;
    if (!first || Date.parse(e.first) < Date.parse(first)) first = e.first;
  }
  return first;
}

function podStart(pod: KubeObject): string | undefined {
  return asString(asRecord(pod.status)?.startTime) ?? metaString(pod, "creationTimestamp");
}

function withOptional(f: PodFailure, since: string | undefined, message: string | undefined): PodFailure {
  if (since) f.since = since;
  if (message) f.message = message;
  return f;
}
