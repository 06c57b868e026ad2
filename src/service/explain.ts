// One object's whole story from a snapshot: status, owners, pods, events, log excerpt and the findings about it
// (or its owners, or its pods), each with its filled runbook. Used by `pitfall explain`, the server and MCP.
import type { Config } from "../config/model.js";
import { lookupOf } from "../engine/lookup.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { asInteger, asRecord, asString } from "../k8s/fields.js";
import { controllerChain, indexObjects } from "../k8s/owners.js";
import {
  type Condition,
  conditionsOf,
  containerStatusesOf,
  lastTerminated,
  restartCountOf,
  restartsOf,
  type Termination,
  waitingReason,
} from "../k8s/status.js";
import { type KubeObject, type ObjectRef, refKey, refOf } from "../model/kube.js";
import { visibleDeep } from "../model/sanitize.js";
import type { Paint } from "../report/types.js";
import type { Finding } from "../model/finding.js";
import { ageMs, ageText, clip, type EventView, eventView, logLines } from "../rules/live-evidence.js";
import { findingBlock } from "./finding-text.js";
import { kindOf } from "./object-ref.js";
import { analyse } from "./scan.js";

export interface ExplainRef {
  kind: string;
  /** Absent: the object's only namespace in the snapshot (cluster-scoped kinds need none). */
  namespace?: string;
  name: string;
}

export interface ExplainRequest {
  snapshot: Snapshot;
  kb: KnowledgeBase;
  config: Config;
  ref: ExplainRef;
  zone?: string;
  now?: Date;
  /** Findings already computed for this snapshot (a scan); else the engine runs here. */
  findings?: Finding[];
}

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

export interface EventStory {
  /** The object the event is about, e.g. `Pod ge-agents/web-1`. */
  object: string;
  type?: string;
  reason?: string;
  message: string;
  count: number;
  first?: string;
  last?: string;
}

export interface LogExcerpt {
  pod: string;
  container: string;
  /** The instance before the current one (`kubectl logs --previous`). */
  previous: boolean;
  lines: string[];
  /** Lines before the excerpt that are left out. */
  omitted: number;
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

export interface Explanation {
  object: ObjectRef;
  context?: string;
  zone?: string;
  /** When the snapshot was taken; ages are measured from it. */
  takenAt?: string;
  status: ObjectStatus;
  /** Controllers above the object, nearest first: ReplicaSet, then Deployment. */
  owners: ObjectRef[];
  /** For workloads: the pods they control (through ReplicaSets or Jobs). */
  pods: ObjectRef[];
  /** Newest last. */
  events: EventStory[];
  logs: LogExcerpt[];
  findings: Finding[];
}

/** The object is not in the snapshot; `candidates` are close names to offer. */
export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  constructor(
    message: string,
    readonly candidates: string[],
  ) {
    super(message);
  }
}

const MAX_EVENTS = 20;
const LOG_TAIL = 20;
const MAX_LOG_PODS = 3;
const MAX_LINE = 400;

export function explainObject(req: ExplainRequest): Explanation {
  const { snapshot } = req;
  const now = req.now ?? (snapshot.takenAt ? new Date(snapshot.takenAt) : new Date());
  const found = findObject(snapshot, req.ref);
  const object = found.object;
  const lookup = lookupOf(snapshot);
  const index = indexObjects(snapshot.objects.map((o) => o.object));
  const owners = controllerChain(object, index).map((l) => plainRef(l.ref));
  const podObjects = podsOf(object, snapshot, index);
  // What the findings may be about: the object, its controllers, its pods and the ReplicaSets between.
  const related = new Set<string>([refKey(refOf(object)), ...owners.map(refKey)]);
  for (const pod of podObjects) {
    related.add(refKey(refOf(pod)));
    for (const link of controllerChain(pod, index)) related.add(refKey(link.ref));
  }
  const analysed = req.findings
    ? undefined
    : analyse(snapshot, { kb: req.kb, config: req.config, zone: req.zone, now });
  const all = req.findings ?? analysed!.result.findings;
  const findings = all.filter((f) => related.has(refKey(f.object)));

  const eventSubjects = [object, ...replicaSetsBetween(podObjects, object, index), ...podObjects];
  const events = eventSubjects
    .flatMap((o) => lookup.eventsFor(o).map((e) => ({ view: eventView(e), about: label(refOf(o)) })))
    .sort((a, b) => timeOf(a.view) - timeOf(b.view))
    .slice(-MAX_EVENTS)
    .map(({ view, about }) => eventStory(view, about));

  const e: Explanation = {
    object: plainRef(refOf(object)),
    status: statusOf(object, podObjects),
    owners,
    pods: podObjects.map((p) => plainRef(refOf(p))),
    events,
    logs: logsOf(object.kind === "Pod" ? [object] : podObjects, lookup),
    findings,
  };
  const context = snapshot.target.context;
  if (context) e.context = context;
  const zone = analysed ? analysed.summary.zone : req.zone;
  if (zone) e.zone = zone;
  if (snapshot.takenAt) e.takenAt = snapshot.takenAt;
  return e;
}

function findObject(snapshot: Snapshot, ref: ExplainRef): SourcedObject {
  const kind = kindOf(ref.kind)?.kind ?? ref.kind;
  const namespaced = kindOf(ref.kind)?.namespaced ?? true;
  const sameKind = snapshot.objects.filter((o) => o.object.kind === kind);
  const named = sameKind.filter((o) => o.object.metadata?.name === ref.name);
  const where = namespaced && ref.namespace ? ` in namespace ${ref.namespace}` : "";
  if (!namespaced || ref.namespace === undefined) {
    if (named.length === 1) return named[0]!;
    if (named.length > 1) {
      const spaces = named.map((o) => o.object.metadata?.namespace ?? "").sort();
      throw new ObjectNotFoundError(
        `${kind} ${ref.name} is in several namespaces (${spaces.join(", ")}): say which with -n`,
        spaces,
      );
    }
  } else {
    const hit = named.find((o) => o.object.metadata?.namespace === ref.namespace);
    if (hit) return hit;
  }
  const inScope =
    namespaced && ref.namespace
      ? sameKind.filter((o) => o.object.metadata?.namespace === ref.namespace)
      : sameKind;
  const candidates = closeNames(
    ref.name,
    inScope.map((o) => String(o.object.metadata?.name ?? "")),
  );
  const elsewhere = named.map((o) => o.object.metadata?.namespace).filter((n): n is string => Boolean(n));
  const hints: string[] = [];
  if (elsewhere.length) hints.push(`there is one in namespace ${elsewhere.join(", ")}`);
  if (candidates.length) hints.push(`close: ${candidates.join(", ")}`);
  else if (!inScope.length) hints.push(`the snapshot has no ${kind} objects${where}`);
  throw new ObjectNotFoundError(
    `no ${kind} ${ref.name}${where}${hints.length ? `; ${hints.join("; ")}` : ""}`,
    candidates,
  );
}

/** Names that contain the asked one (or the other way round) first, then those few edits away. */
export function closeNames(asked: string, names: string[], limit = 5): string[] {
  const a = asked.toLowerCase();
  const scored = [...new Set(names)]
    .map((name) => {
      const n = name.toLowerCase();
      const contains = n.includes(a) || a.includes(n);
      return { name, contains, distance: editDistance(a, n) };
    })
    .filter((s) => s.contains || s.distance <= Math.max(2, Math.floor(a.length / 3)))
    .sort(
      (x, y) =>
        Number(y.contains) - Number(x.contains) || x.distance - y.distance || x.name.localeCompare(y.name),
    );
  return scored.slice(0, limit).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Pods whose controller chain reaches the object (a Deployment's pods through its ReplicaSets). */
function podsOf(
  object: KubeObject,
  snapshot: Snapshot,
  index: ReturnType<typeof indexObjects>,
): KubeObject[] {
  if (object.kind === "Pod" || object.kind === "Node" || object.kind === "Namespace") return [];
  const ns = object.metadata?.namespace;
  return snapshot.objects
    .map((o) => o.object)
    .filter(
      (o) =>
        o.kind === "Pod" &&
        o.metadata?.namespace === ns &&
        controllerChain(o, index).some((l) => l.object === object),
    );
}

function replicaSetsBetween(
  pods: KubeObject[],
  object: KubeObject,
  index: ReturnType<typeof indexObjects>,
): KubeObject[] {
  const out = new Set<KubeObject>();
  for (const pod of pods)
    for (const link of controllerChain(pod, index)) {
      if (link.object === object) break;
      if (link.object) out.add(link.object);
    }
  return [...out];
}

function statusOf(object: KubeObject, pods: KubeObject[]): ObjectStatus {
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

function eventStory(view: EventView, about: string): EventStory {
  const story: EventStory = { object: about, message: clip(view.message), count: view.count ?? 1 };
  if (view.type) story.type = view.type;
  if (view.reason) story.reason = view.reason;
  if (view.first) story.first = view.first;
  if (view.last) story.last = view.last;
  return story;
}

function timeOf(view: EventView): number {
  const t = Date.parse(view.last ?? view.first ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** Previous-instance logs (tail) of the pods' containers; a pod without any gets its current log tail. */
function logsOf(pods: KubeObject[], lookup: ReturnType<typeof lookupOf>): LogExcerpt[] {
  const ranked = [...pods].sort((a, b) => restartsOf(b) - restartsOf(a)).slice(0, MAX_LOG_PODS);
  const out: LogExcerpt[] = [];
  for (const pod of ranked) {
    const ns = pod.metadata?.namespace ?? "";
    const name = pod.metadata?.name ?? "";
    const containers = containerStatusesOf(pod).map((c) => c.name);
    const previous = containers.flatMap((c) => excerpt(name, c, true, lookup.previousLog(ns, name, c)));
    out.push(
      ...(previous.length
        ? previous
        : containers.flatMap((c) => excerpt(name, c, false, lookup.currentLog(ns, name, c)))),
    );
  }
  return out;
}

function excerpt(pod: string, container: string, previous: boolean, text: string | undefined): LogExcerpt[] {
  const lines = logLines(text);
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  if (!lines.length) return [];
  // Indentation is kept (tracebacks read by it); only very long lines are cut.
  const tail = lines
    .slice(-LOG_TAIL)
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l.trimEnd()));
  return [{ pod, container, previous, lines: tail, omitted: lines.length - tail.length }];
}

/** Kind, namespace and name: what a person or agent needs to name the object again. */
function plainRef(r: ObjectRef): ObjectRef {
  return { kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name };
}

function label(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}

/** `5m ago`, for event and termination times; empty when the time is unknown. */
export function agoText(timestamp: string | undefined, now: Date): string {
  const ms = ageMs(timestamp, now);
  return ms === undefined ? "" : `${ageText(ms)} ago`;
}

/** The story as text: header, status, owners, containers, conditions, events, log excerpt, findings. */
export function formatExplanation(
  given: Explanation,
  paint: Paint,
  pitfall: (id: string) => Pitfall | undefined = () => undefined,
): string {
  // What came from the cluster (messages, log lines) is shown, never interpreted, and stays on its line.
  const e = visibleDeep(given);
  const now = e.takenAt ? new Date(e.takenAt) : new Date();
  const where = [e.context ? `context ${e.context}` : "", e.zone ? `zone ${e.zone}` : ""]
    .filter(Boolean)
    .join(", ");
  const out = [
    `${paint("bold", label(e.object))}${where ? paint("dim", `  (${where})`) : ""}`,
    `  ${e.status.summary}`,
  ];
  const section = (title: string) => out.push("", paint("bold", title));
  if (e.owners.length) {
    section("Owners");
    out.push(`  ${[label(e.object), ...e.owners.map(label)].join(" → ")}`);
  }
  if (e.pods.length) {
    section(`Pods (${e.pods.length})`);
    for (const p of e.pods) out.push(`  ${p.name}`);
  }
  if (e.status.containers.length) {
    section("Containers");
    for (const c of e.status.containers) {
      const role = c.role === "regular" ? "" : ` (${c.role})`;
      const ready = c.ready === undefined ? "" : c.ready ? " · ready" : " · not ready";
      out.push(`  ${paint("bold", c.name)}${role}  ${c.state}${ready} · restarts ${c.restarts}`);
      if (c.stateMessage) out.push(`    ${paint("dim", c.stateMessage)}`);
      const t = c.lastTermination;
      if (t) {
        const facts = [
          t.reason ?? "terminated",
          t.exitCode !== undefined ? `exit code ${t.exitCode}` : "",
          t.finishedAt ? `finished ${agoText(t.finishedAt, now)}` : "",
        ].filter(Boolean);
        out.push(
          `    last run: ${facts.join(", ")}${t.message ? paint("dim", ` — ${clip(t.message)}`) : ""}`,
        );
      }
    }
  }
  const conditions = e.status.conditions;
  if (conditions.length) {
    section("Conditions");
    for (const c of conditions) {
      const status = c.status === undefined ? "Unknown" : c.status ? "True" : "False";
      const why = [c.reason, c.message].filter(Boolean).join(": ");
      out.push(`  ${c.type} ${status}${why ? paint("dim", `  ${why}`) : ""}`);
    }
  }
  section(`Events${e.events.length ? " (newest last)" : ""}`);
  if (!e.events.length)
    out.push(paint("dim", "  none in the snapshot (events expire after an hour by default)"));
  for (const ev of e.events) {
    const count = ev.count > 1 ? ` x${ev.count}` : "";
    const when = agoText(ev.last ?? ev.first, now);
    const about = ev.object === label(e.object) ? "" : paint("dim", ` [${ev.object}]`);
    out.push(
      `  ${ev.type ?? ""} ${ev.reason ?? ""}${count}${when ? paint("dim", ` (${when})`) : ""}${about}: ${ev.message}`.replace(
        /^ {3}/,
        "  ",
      ),
    );
  }
  for (const log of e.logs) {
    const what = log.previous ? "Previous log" : "Current log";
    section(
      `${what} of ${log.pod}/${log.container}${log.omitted ? ` (last ${log.lines.length} lines)` : ""}`,
    );
    for (const line of log.lines) out.push(`  ${paint("dim", "|")} ${line}`);
  }
  section(`Findings (${e.findings.length})`);
  if (!e.findings.length) out.push(paint("dim", "  no pitfall matches this object"));
  for (const f of e.findings) out.push(...findingBlock(f, pitfall(f.pitfall), { paint, indent: "  " }), "");
  return `${out.join("\n").trimEnd()}\n`;
}
