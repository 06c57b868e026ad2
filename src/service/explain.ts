// One object's whole story from a snapshot: status, owners, pods, events, log excerpt and the findings about it
// (or its owners, or its pods), each with its filled runbook. Used by `pitfall explain`, the server and MCP.
import type { Config } from "../config/model.js";
import { lookupOf } from "../engine/lookup.js";
import type { KnowledgeBase } from "../kb/load.js";
import { type EventView, eventView } from "../k8s/events.js";
import { lastLines } from "../k8s/logs.js";
import { controllerChain, indexObjects } from "../k8s/owners.js";
import { containerStatusesOf, restartsOf } from "../k8s/status.js";
import { statusSummary } from "../k8s/status-summary.js";
import type { Finding } from "../model/finding.js";
import { type KubeObject, type ObjectRef, refKey, refOf } from "../model/kube.js";
import { clip } from "../model/redact.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";
import type { EventStory, Explanation, LogExcerpt } from "../report/explain-text.js";
import { objectLabel as label } from "../report/labels.js";
import { closeNames } from "../model/close-names.js";
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
    status: statusSummary(object, podObjects),
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
  const { lines, omitted } = lastLines(text, LOG_TAIL, MAX_LINE);
  return lines.length ? [{ pod, container, previous, lines, omitted }] : [];
}

/** Kind, namespace and name: what a person or agent needs to name the object again. */
function plainRef(r: ObjectRef): ObjectRef {
  return { kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name };
}
