// Failing pods that no finding explains, each with the evidence pitfall has: the candidates for new page entries.
import type { Config } from "../config/model.js";
import { annotationIgnore, configIgnore } from "../engine/ignore.js";
import { lookupOf } from "../engine/lookup.js";
import type { Suppression } from "../engine/run.js";
import { ageMs, ageText, parseDuration } from "../k8s/duration.js";
import { type PodFailure, podFailures } from "../k8s/failing.js";
import { lastLines } from "../k8s/logs.js";
import { withPerRunViews } from "../k8s/per-run.js";
import { controllerChain, topControllerOf } from "../k8s/owners.js";
import { lastTerminated, containerStatusesOf } from "../k8s/status.js";
import { statusSummary } from "../k8s/status-summary.js";
import type { Finding } from "../model/finding.js";
import { type KubeObject, refKey, refOf } from "../model/kube.js";
import { clip } from "../model/redact.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";
import type { Unexplained } from "../model/unexplained.js";
import { allRules } from "../rules/index.js";
import { eventEvidence, eventsOf } from "../rules/live-evidence.js";
import type { Lookup, RuleMeta } from "../rules/types.js";
import { shellQuote } from "../runbook/fill.js";

/** Events and log lines kept per failure: enough to see the pattern, short enough to read. */
const EVENTS_KEPT = 5;
/** The id an ignore annotation names to silence the unexplained list for a pod. */
const UNEXPLAINED = "unexplained";
const LOG_LINES_KEPT = 15;

export interface UnexplainedOptions {
  config: Config;
  /** Ages are measured from here; else the snapshot's time, else now. */
  now?: Date;
  zone?: string;
  /** The snapshot's indexes when the caller has them already (the engine's). */
  lookup?: Lookup;
  /** The pods to look at, when worthExplaining chose them already (service/scan-early); else every pod. */
  pods?: readonly SourcedObject[];
  /** Their failures, where the caller worked them out already with the events read (worthExplaining). */
  failures?: ReadonlyMap<SourcedObject, PodFailure[]>;
}

/** Thrown by the events a pod's failures are asked for, when they are not read yet. */
const EVENTS_NEEDED = Symbol("events needed");

/**
 * Whether unexplainedOf should look at a pod, asked pod by pod (service/scan-early asks while the engine checks
 * each): no ignore leaves it out, and its status shows a failure, or its events do (`eventsRead`), or, with the
 * events not read yet, its status does not tell without them. With the events read, the failures it finds are
 * kept in `failures`, for unexplainedOf.
 */
export function worthExplaining(
  snapshot: Snapshot,
  lookup: Lookup,
  opts: Pick<UnexplainedOptions, "config" | "now"> & {
    eventsRead: boolean;
    failures?: Map<SourcedObject, PodFailure[]>;
  },
): (pod: SourcedObject) => boolean {
  const failing = failingOptions(snapshot, opts.config, opts.now);
  const forAll = opts.config.ignore.filter((e) => !e.pitfalls?.length);
  const needEvents = () => {
    throw EVENTS_NEEDED;
  };
  return (o) => {
    if (ignored(o, forAll)) return false;
    if (opts.eventsRead) {
      const failures = podFailures(o.object, () => eventsOf(lookup, o.object), failing);
      if (failures.length) opts.failures?.set(o, failures);
      return failures.length > 0;
    }
    try {
      return podFailures(o.object, needEvents, failing).length > 0;
    } catch (error) {
      if (error === EVENTS_NEEDED) return true;
      throw error;
    }
  };
}

function failingOptions(snapshot: Snapshot, config: Config, now: Date | undefined) {
  return {
    now: now ?? timeOf(snapshot.takenAt) ?? new Date(),
    pendingAfterMs: parseDuration(config.expect.pendingAfter) ?? 300_000,
  };
}

/**
 * The pods of a snapshot that fail now (see k8s/failing) with no finding of a live detector or a DETECT line on
 * the pod or its controllers that names a cause. A finding that names only the symptom (a rule's `withoutCause`
 * message) does not explain it; its pitfall is listed under `reportedAs`.
 */
export function unexplainedOf(
  snapshot: Snapshot,
  result: { findings: Finding[]; suppressed: Suppression[] },
  opts: UnexplainedOptions,
): Unexplained[] {
  // A pod's container statuses, read more than once for it, are made once (k8s/per-run).
  return withPerRunViews(() => unexplainedIn(snapshot, result, opts));
}

function unexplainedIn(
  snapshot: Snapshot,
  result: { findings: Finding[]; suppressed: Suppression[] },
  opts: UnexplainedOptions,
): Unexplained[] {
  const failing = failingOptions(snapshot, opts.config, opts.now);
  const now = failing.now;
  const lookup = opts.lookup ?? lookupOf(snapshot);
  const metas = new Map(allRules().map((r) => [r.meta.id, r.meta]));
  const byObject = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const key = refKey(f.object);
    const list = byObject.get(key);
    if (list) list.push(f);
    else byObject.set(key, [f]);
  }
  // What an ignore silenced is known to the team: a silenced detector's pod is not listed either.
  const silenced = new Set(
    result.suppressed
      .filter((s) => metas.get(s.rule)?.runs.includes("manifest") === false)
      .map((s) => refKey(s.object)),
  );
  const out: Unexplained[] = [];
  const forAll = opts.config.ignore.filter((e) => !e.pitfalls?.length);
  const pods = opts.pods ?? lookup.byKind("Pod");
  // Indexed: once per run over a cluster's pods (see engine/lookup).
  for (let i = 0; i < pods.length; i++) {
    const o = pods[i]!;
    const pod = o.object;
    if (!opts.pods && ignored(o, forAll)) continue;
    // Read only when the status leaves it open: a healthy pod's events are never made into views.
    const failures = opts.failures?.get(o) ?? podFailures(pod, () => eventsOf(lookup, pod), failing);
    if (!failures.length) continue;
    // Findings about the pod itself or a controller above it (a port clash is reported on the Deployment).
    const keys = [refKey(refOf(pod)), ...controllerChain(pod, lookup.owners()).map((l) => refKey(l.ref))];
    if (keys.some((k) => silenced.has(k))) continue;
    const related = keys.flatMap((k) => byObject.get(k) ?? []);
    for (const failure of failures) {
      const about = related.filter((f) => sameContainer(f, failure));
      const explaining = about.filter((f) => explains(f, metas.get(f.rule)));
      if (explaining.length) continue;
      const reportedAs = [
        ...new Set(about.filter((f) => causeless(f, metas.get(f.rule))).map((f) => f.pitfall)),
      ];
      out.push(entryOf(snapshot, pod, failure, { now, lookup, reportedAs, zone: opts.zone }));
    }
  }
  return out.sort(
    (a, b) =>
      (a.pod.namespace ?? "").localeCompare(b.pod.namespace ?? "") ||
      a.pod.name.localeCompare(b.pod.name) ||
      (a.container ?? "").localeCompare(b.container ?? ""),
  );
}

/** `pitfall.io/ignore: "*"` (or `unexplained`) on the pod or its template, or a config entry for all pitfalls (`forAll`). */
function ignored(o: SourcedObject, forAll: Config["ignore"]): boolean {
  if (annotationIgnore(o, UNEXPLAINED, UNEXPLAINED)) return true;
  return forAll.length > 0 && configIgnore(forAll, o, UNEXPLAINED, UNEXPLAINED) !== undefined;
}

/** A finding about the failing container, or about the whole pod (or its controller). */
function sameContainer(f: Finding, failure: PodFailure): boolean {
  return f.container === undefined || failure.container === undefined || f.container === failure.container;
}

/**
 * Detectors of what happens now (live-only rules) and the page's DETECT lines explain a failure; rules that also
 * lint manifests judge the spec, which says nothing about why a pod fails now.
 */
export function explains(f: Finding, meta: RuleMeta | undefined): boolean {
  if (f.rule === "detect") return true;
  if (!meta?.runs.includes("live") || meta.runs.includes("manifest")) return false;
  return !causeless(f, meta);
}

function causeless(f: Finding, meta: RuleMeta | undefined): boolean {
  return Boolean(meta?.withoutCause?.includes(f.messageId));
}

interface EntryContext {
  now: Date;
  lookup: ReturnType<typeof lookupOf>;
  reportedAs: string[];
  zone: string | undefined;
}

function entryOf(snapshot: Snapshot, pod: KubeObject, failure: PodFailure, ctx: EntryContext): Unexplained {
  const ref = refOf(pod);
  const namespace = ref.namespace ?? "";
  const entry: Unexplained = {
    pod: { kind: "Pod", ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name },
    reason: failure.reason,
    restarts: failure.restarts,
    source: failure.source,
    status: statusSummary(pod, []).summary,
    reportedAs: ctx.reportedAs,
    events: [],
    commands: [],
  };
  const owner = topControllerOf(pod, ctx.lookup.owners());
  if (owner)
    entry.owner = {
      kind: owner.kind,
      ...(owner.namespace ? { namespace: owner.namespace } : {}),
      name: owner.name,
    };
  if (failure.container !== undefined) entry.container = failure.container;
  if (failure.role && failure.role !== "ephemeral") entry.role = failure.role;
  if (failure.since) {
    entry.since = failure.since;
    const age = ageMs(failure.since, ctx.now);
    if (age !== undefined) entry.for = ageText(age);
  }
  if (failure.message) entry.message = clip(failure.message);
  const events = eventsOf(ctx.lookup, pod)
    .filter(
      (e) =>
        failure.container === undefined || !e.fieldPath || e.fieldPath.includes(`{${failure.container}}`),
    )
    .slice(-EVENTS_KEPT)
    .map((e) => eventEvidence(e, ctx.now));
  entry.events = events;
  const logs = failure.container ? logsOf(pod, failure.container, ctx.lookup) : undefined;
  if (logs) entry.logs = logs;
  entry.commands = commandsOf(ref.name, namespace, failure, snapshot.target.context, logs?.source);
  if (snapshot.target.context) entry.context = snapshot.target.context;
  if (ctx.zone) entry.zone = ctx.zone;
  return ordered(entry);
}

/** The container's previous log, else the termination message its last run left, else its current log. */
function logsOf(
  pod: KubeObject,
  container: string,
  lookup: ReturnType<typeof lookupOf>,
): Unexplained["logs"] | undefined {
  const ns = pod.metadata?.namespace ?? "";
  const name = pod.metadata?.name ?? "";
  const status = containerStatusesOf(pod).find((c) => c.name === container)?.status;
  const sources: [string, string | undefined][] = [
    ["previous log", lookup.previousLog(ns, name, container)],
    ["termination message", lastTerminated(status)?.message],
    ["current log", lookup.currentLog(ns, name, container)],
  ];
  for (const [source, text] of sources) {
    const { lines } = lastLines(text, LOG_LINES_KEPT);
    if (lines.length) return { source, lines: lines.map((l) => clip(l)) };
  }
  return undefined;
}

/** kubectl commands that gather what pitfall could not: events and conditions first, then the logs. */
function commandsOf(
  pod: string,
  namespace: string,
  failure: PodFailure,
  context: string | undefined,
  logSource: string | undefined,
): string[] {
  const where = [...(namespace ? ["-n", namespace] : []), ...(context ? ["--context", context] : [])];
  const line = (...words: string[]) => words.map(shellQuote).join(" ");
  const out = [line("kubectl", "describe", "pod", pod, ...where)];
  const container = failure.container;
  if (container === undefined) {
    out.push(line("kubectl", "get", "events", ...where, "--field-selector", `involvedObject.name=${pod}`));
    return out;
  }
  // A container that never ran (config errors, image pulls) has no log; describe and events are the evidence.
  if (failure.restarts > 0 || logSource === "previous log")
    out.push(line("kubectl", "logs", pod, ...where, "-c", container, "--previous"));
  else if (logSource === "current log" || failure.reason === "Unhealthy")
    out.push(line("kubectl", "logs", pod, ...where, "-c", container));
  return out;
}

const KEY_ORDER: (keyof Unexplained)[] = [
  "pod",
  "owner",
  "reason",
  "container",
  "role",
  "restarts",
  "since",
  "for",
  "message",
  "source",
  "status",
  "reportedAs",
  "events",
  "logs",
  "commands",
  "context",
  "zone",
];

/** The entry with its keys in the documented order, absent ones left out. */
function ordered(e: Unexplained): Unexplained {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (e[key] !== undefined) out[key] = e[key];
  return out as unknown as Unexplained;
}

function timeOf(iso: string | undefined): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
