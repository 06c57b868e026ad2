// kb draft as a use case: take an unexplained failure (from `scan -o json`, from a dump or a live cluster read
// read-only, or given whole), search the pages for a pitfall that explains it, and either propose the ADDED_FROM
// line that records the incident there or draft a new entry that passes `kb lint` as it is.
import { basename } from "node:path";
import { lookupOf } from "../engine/lookup.js";
import { EntryError, entryText, parseEntry } from "../kb/add.js";
import { type Draft, draftEntry } from "../kb/draft.js";
import { evidenceOf } from "../kb/draft-evidence.js";
import { type DraftMatch, matchFailure } from "../kb/draft-match.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { printPitfall } from "../kb/print.js";
import { buildSearchIndex } from "../kb/search.js";
import { ageMs, ageText } from "../k8s/duration.js";
import { eventView } from "../k8s/events.js";
import { podFailures } from "../k8s/failing.js";
import { controllerChain, topControllerOf } from "../k8s/owners.js";
import { statusSummary } from "../k8s/status-summary.js";
import type { Finding } from "../model/finding.js";
import { type KubeObject, refKey, refOf } from "../model/kube.js";
import type { RecordProposal } from "../model/draft.js";
import type { Unexplained } from "../model/unexplained.js";
import { allRules } from "../rules/index.js";
import {
  type DraftPick,
  DraftInputError,
  parseScanJson,
  pickFailure,
  samePod,
  siblingPods,
} from "./draft-input.js";
import { type ScanReport, type ScanRequest, scan } from "./scan.js";
import { explains } from "./unexplained.js";

export type DraftSource =
  /** The text `scan -o json` printed. */
  | { kind: "json"; text: string; name: string }
  /** One failure, whole (MCP). */
  | { kind: "failure"; failure: Unexplained }
  /** A dump or a live cluster, read as `scan` reads it. */
  | { kind: "scan"; request: ScanRequest };

export interface DraftRequest {
  kb: KnowledgeBase;
  source: DraftSource;
  pick: DraftPick;
  /** ADDED_FROM's incident id instead of `<context>-<date>`. */
  incident?: string;
}

export interface DraftedEntry {
  draft: Draft;
  /** The entry as `kb add --from` takes it, in both page forms. */
  markdown: string;
  text: string;
  id: string;
}

export type DraftResult = { failure: Unexplained; searched: DraftMatch[] } & (
  | { action: "draft"; drafted: DraftedEntry }
  | { action: "record"; record: RecordProposal }
);

interface Picked {
  failure: Unexplained;
  pods: string[];
  seenAt?: Date;
  target?: string;
  distribution?: string;
  /** A finding of scan that already explains the pod (no unexplained failure then). */
  explainedBy?: Finding;
}

export async function draftPitfall(req: DraftRequest): Promise<DraftResult> {
  const picked = await pickOf(req);
  const u = picked.failure;
  // The target's distribution, else what the page header says the zone runs.
  const distribution =
    picked.distribution ?? req.kb.zoneMap.find((m) => String(m.zone) === u.zone)?.distribution;
  const draft = draftEntry({
    failure: u,
    pods: picked.pods,
    takenIds: new Set(req.kb.byId.keys()),
    ...(picked.seenAt ? { seenAt: picked.seenAt } : {}),
    ...(picked.target ? { target: picked.target } : {}),
    ...(distribution ? { distribution } : {}),
    ...(req.incident ? { incident: req.incident } : {}),
  });
  const byFinding = picked.explainedBy && req.kb.byId.get(picked.explainedBy.pitfall);
  if (byFinding) {
    const why = `scan explains it: ${picked.explainedBy!.message}`;
    return { action: "record", failure: u, searched: [], record: proposal(req.kb, byFinding, draft, why) };
  }
  const searched = matchFailure(u, evidenceOf(u), buildSearchIndex(req.kb.pitfalls), req.kb.byId);
  const best = searched[0]?.explains ? req.kb.byId.get(searched[0].id) : undefined;
  if (best)
    return {
      action: "record",
      failure: u,
      searched,
      record: proposal(req.kb, best, draft, searched[0]!.why),
    };
  const entry = asDraftInput(() => parseEntry(entryText(draft.entry), "<draft>"));
  return {
    action: "draft",
    failure: u,
    searched,
    drafted: {
      draft,
      markdown: `${printPitfall(entry, "markdown")}\n`,
      text: `${printPitfall(entry, "text")}\n`,
      id: entry.id,
    },
  };
}

function proposal(kb: KnowledgeBase, p: Pitfall, draft: Draft, why: string): RecordProposal {
  const stub = asDraftInput(() =>
    entryText({
      title: p.title,
      severity: p.severity,
      zone: p.zones.text || "ALL",
      id: p.id,
      steps: [],
      addedFrom: [draft.addedFrom],
    }),
  );
  return {
    id: p.id,
    title: p.title,
    page: p.source.file,
    builtin: kb.builtinFile !== undefined && p.source.file === kb.builtinFile,
    addedFrom: draft.addedFrom,
    why,
    entry: `${printPitfall(
      asDraftInput(() => parseEntry(stub, "<record>")),
      "markdown",
    )}\n`,
  };
}

async function pickOf(req: DraftRequest): Promise<Picked> {
  const { source, pick } = req;
  if (source.kind === "failure") return { failure: source.failure, pods: [source.failure.pod.name] };
  if (source.kind === "json") {
    const json = parseScanJson(source.text, source.name);
    const failure = pickFailure(json.unexplained, pick, source.name);
    const target = json.targets.find((t) => t.context === failure.context) ?? json.targets[0];
    return {
      failure,
      pods: siblingPods(json.unexplained, failure),
      ...(target?.name ? { target: basename(target.name) } : {}),
      ...(target?.distribution ? { distribution: target.distribution } : {}),
    };
  }
  const report = await scan(source.request);
  return pickFromScan(report, pick, source.request);
}

/** The failure in what scan read; a pod that scan explains gives its finding instead. */
function pickFromScan(report: ScanReport, pick: DraftPick, req: ScanRequest): Picked {
  const target = report.targets[0];
  const where = target ? `${target.kind} ${target.context ?? target.name}` : "the target";
  const snapshot = report.snapshots[0];
  if (!snapshot?.objects.length)
    throw new DraftInputError(
      `nothing was read from ${where}${report.incomplete.length ? ` (${report.incomplete.map((i) => `${i.resource}: ${i.reason}`).join("; ")})` : ""}`,
    );
  const seenAt = snapshot.takenAt ? new Date(snapshot.takenAt) : (req.now ?? new Date());
  const base = {
    seenAt: Number.isNaN(seenAt.getTime()) ? new Date() : seenAt,
    ...(target && !target.context ? { target: basename(target.name) } : {}),
    ...(target?.distribution ? { distribution: target.distribution } : {}),
  };
  const mine = pick.pod ? report.unexplained.filter((u) => samePod(u, pick.pod!)) : [];
  if (pick.pod && !mine.length) {
    const pod = snapshot.objects.find(
      (o) =>
        o.object.kind === "Pod" &&
        o.object.metadata?.name === pick.pod!.name &&
        (pick.pod!.namespace === undefined || o.object.metadata?.namespace === pick.pod!.namespace),
    )?.object;
    if (!pod) throw new DraftInputError(`${where} has no pod ${podText(pick.pod)}`);
    const lookup = lookupOf(snapshot);
    const keys = new Set([
      refKey(refOf(pod)),
      ...controllerChain(pod, lookup.owners()).map((l) => refKey(l.ref)),
    ]);
    const metas = new Map(allRules().map((r) => [r.meta.id, r.meta]));
    const finding = report.findings.find(
      (f) =>
        keys.has(refKey(f.object)) &&
        (!pick.container || !f.container || f.container === pick.container) &&
        explains(f, metas.get(f.rule)),
    );
    if (!finding)
      throw new DraftInputError(
        `pod ${podText(pick.pod)} is not failing now (${statusSummary(pod, []).summary}): nothing to draft`,
      );
    const failure = failureOfFinding(finding, pod, lookup, base.seenAt, target?.zone);
    return { ...base, failure, pods: [failure.pod.name], explainedBy: finding };
  }
  const failure = pickFailure(report.unexplained, pick, where);
  return { ...base, failure, pods: siblingPods(report.unexplained, failure) };
}

/** A pod that a finding explains, in the shape of an unexplained failure (what fails, from its status), for ADDED_FROM. */
function failureOfFinding(
  f: Finding,
  pod: KubeObject,
  lookup: ReturnType<typeof lookupOf>,
  now: Date,
  zone: string | undefined,
): Unexplained {
  const ref = refOf(pod);
  const events = lookup.eventsFor(pod).map(eventView);
  const failures = podFailures(pod, events, { now, pendingAfterMs: 0 });
  const failure = failures.find((x) => !f.container || x.container === f.container) ?? failures[0];
  const owner = topControllerOf(pod, lookup.owners());
  const age = ageMs(failure?.since, now);
  return {
    pod: { kind: "Pod", ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name },
    ...(owner
      ? {
          owner: {
            kind: owner.kind,
            ...(owner.namespace ? { namespace: owner.namespace } : {}),
            name: owner.name,
          },
        }
      : {}),
    reason: failure?.reason ?? f.pitfall,
    ...(f.container ? { container: f.container } : {}),
    restarts: failure?.restarts ?? 0,
    ...(failure?.since ? { since: failure.since } : {}),
    ...(age !== undefined ? { for: ageText(age) } : {}),
    message: f.message,
    source: `finding ${f.rule}`,
    status: statusSummary(pod, []).summary,
    reportedAs: [],
    events: [],
    commands: [],
    ...(f.context ? { context: f.context } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** An entry the failure's text cannot make valid is a problem of that input, said with the entry's own reasons. */
function asDraftInput<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof EntryError)) throw e;
    const why = e.diagnostics.map((d) => `line ${d.line}: ${d.message}`).join("; ");
    throw new DraftInputError(
      `the failure's text does not make a valid entry: ${e.message}${why ? ` (${why})` : ""}`,
    );
  }
}

function podText(p: { namespace?: string; name: string }): string {
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}
