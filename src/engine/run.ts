// Run the registered rules and the page's DETECT lines over a snapshot for one zone; suppress what was ignored.
import type { Config } from "../config/model.js";
import type { DetectEnv } from "../kb/detect-subject.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Distribution, Snapshot, SourcedObject, Target } from "../model/snapshot.js";
import type { Pitfall, ZoneSpec } from "../kb/model.js";
import { type Severity, severityRank } from "../model/severity.js";
import { normalizeZone, zonesFor } from "../kb/zones.js";
import { clip } from "../model/redact.js";
import { asList, asRecord, asString, metaString, pathText, valueAt } from "../k8s/fields.js";
import { type KubeObject, type ObjectRef, refKey } from "../model/kube.js";
import { fillSteps, PLACEHOLDER } from "../runbook/fill.js";
import { fitLogSteps } from "../runbook/log-steps.js";
import { stepsNamingObject } from "../runbook/object-names.js";
import { isSidecar } from "../k8s/containers.js";
import { podSpecOf } from "../k8s/podspec.js";
import { withPerRunViews } from "../k8s/per-run.js";
import {
  compareFindings,
  type Evidence,
  type Finding,
  formatMessage,
  type RunbookStep,
} from "../model/finding.js";
import { allRules } from "../rules/index.js";
import {
  type Lookup,
  type Report,
  type Rule,
  type RuleContext,
  type RuleMeta,
  type RuleMode,
  RuleOptionsError,
} from "../rules/types.js";
import { type Candidate, type DetectCache, detectFindings } from "./detect.js";
import { annotationIgnore, configIgnore, IGNORE_ANNOTATION, unknownIgnoreIds } from "./ignore.js";
import { closeNames } from "../model/close-names.js";
import { lookupOf } from "./lookup.js";
import { objectValues } from "./values.js";
import { resolveZone } from "./zone.js";

export interface RunOptions {
  mode: RuleMode;
  kb: KnowledgeBase;
  config: Config;
  /** The rules to run; all registered rules when absent. */
  rules?: Rule[];
  /** Target zone (`1`); else the snapshot's. Without one, zone-specific pitfalls are skipped. */
  zone?: string;
  distribution?: Distribution;
  /** Ages are measured from here; else the snapshot's time, else now. */
  now?: Date;
  /** Evaluate the page's DETECT lines too (default true). */
  detect?: boolean;
  /** Which objects are checked (the rest are context rules may look up); default all but `--nodes` ones. */
  subject?: (o: SourcedObject) => boolean;
  /** What rules look other objects up in; else the snapshot's objects. */
  lookup?: Lookup;
  /** DETECT lines already compiled, for runs over the batches of one input; else compiled for this run. */
  detectCache?: DetectCache;
}

export interface Suppression {
  pitfall: string;
  rule: string;
  object: ObjectRef;
  file?: string;
  line?: number;
  by: "annotation" | "config";
  reason: string;
}

export interface Skipped {
  pitfall: string;
  reason: string;
}

export interface RunResult {
  findings: Finding[];
  suppressed: Suppression[];
  /** The engine's own problems: unknown pitfalls, DETECT lines that do not compile, rules that failed. */
  diagnostics: Diagnostic[];
  /** Pitfalls (or rules of them) not run for this target, and why. */
  skipped: Skipped[];
}

const DEFAULT_SEVERITY: Severity = "MEDIUM";

export function runEngine(snapshot: Snapshot, opts: RunOptions): RunResult {
  // The rules on one object share the views they derive from it (k8s/per-run).
  return withPerRunViews(() => {
    const run = startRun(snapshot, opts);
    run.check(snapshot.objects, 0, snapshot.objects.length, "all");
    return run.finish();
  });
}

/**
 * Which rules a step of a run checks with: all of them, those that read nothing a live read gives last
 * (`early`: no events, no logs; RuleMeta.needs), or only those that do (`late`, on objects `early` checked).
 */
export type RunStep = "all" | "early" | "late";

/**
 * A run in steps, so a scan can check objects while the last lists are still being read (service/scan-early):
 * `check` the objects, in snapshot order, each once with `all` or `early` (and then `late`), then `finish`. The
 * result is the one runEngine gives for the same objects and lookup.
 */
export interface EngineRun {
  /** Checks `objects[from, to)`; the caller wraps each call in withPerRunViews (k8s/per-run). */
  check(objects: readonly SourcedObject[], from: number, to: number, step: RunStep): void;
  /** The whole-snapshot checks (`checkAll`) of the `early` rules, once their objects are in; finish keeps them. */
  checkWholeEarly(): void;
  /** The whole-snapshot checks, the DETECT lines, the ignores: the run's result. */
  finish(): RunResult;
}

export function startRun(snapshot: Snapshot, opts: RunOptions): EngineRun {
  const zone = opts.zone ?? snapshot.target.zone;
  const target: Target = { ...snapshot.target };
  if (zone !== undefined) target.zone = normalizeZone(zone);
  const distribution =
    opts.distribution ??
    snapshot.target.distribution ??
    (target.zone === undefined
      ? undefined
      : resolveZone({ zone: target.zone, config: opts.config, zoneMap: opts.kb.zoneMap }).distribution);
  if (distribution) target.distribution = distribution;

  const base: Omit<RuleContext, "options"> = {
    target,
    config: opts.config,
    lookup: opts.lookup ?? lookupOf(snapshot),
    now: opts.now ?? timeOf(snapshot.takenAt) ?? new Date(),
    mode: opts.mode,
  };
  const diagnostics: Diagnostic[] = [];
  const skipped = new Map<string, Skipped>();
  const skip = (pitfall: string, reason: string) =>
    skipped.set(`${pitfall}\u0000${reason}`, { pitfall, reason });

  const keysOf = placeholderKeys();
  const unknownPitfalls = new Set<string>();
  /** Pitfalls a rule ran for on this target. */
  const ran = new Set<string>();
  // What each rule reports and the problems it meets, kept per rule so that results come out in rule order.
  const slots: { candidates: Candidate[]; diagnostics: Diagnostic[] }[] = [];
  const running: Running[] = [];
  for (const rule of opts.rules ?? allRules()) {
    const meta = rule.meta;
    if (!meta.runs.includes(opts.mode)) continue;
    const pitfall = opts.kb.byId.get(meta.pitfall);
    const why =
      (pitfall && zoneMismatch(pitfall.zones, target, opts.kb)) ?? distributionMismatch(meta, target);
    if (why) {
      skip(meta.pitfall, why);
      continue;
    }
    const slot = { candidates: [] as Candidate[], diagnostics: [] as Diagnostic[] };
    slots.push(slot);
    let ctx: RuleContext;
    try {
      ctx = { ...base, options: rule.options?.(opts.config) };
    } catch (error) {
      if (!(error instanceof RuleOptionsError)) throw error;
      slot.diagnostics.push(optionsFailed(meta.id, error, opts.config.file));
      continue;
    }
    ran.add(meta.pitfall);
    if (!pitfall && !unknownPitfalls.has(meta.pitfall)) {
      unknownPitfalls.add(meta.pitfall);
      slot.diagnostics.push({
        file: "<rules>",
        line: 0,
        severity: "warning",
        code: "unknown-pitfall",
        message: `rule ${meta.id} serves pitfall ${meta.pitfall}, which no loaded page defines; its findings carry no runbook`,
      });
    }
    const toCandidate = (report: Report, checked: SourcedObject): Candidate => {
      const subject = report.object ?? checked;
      return { finding: findingOf(meta, pitfall, report, subject, target, keysOf), subject };
    };
    running.push({ rule, ctx, toCandidate, ...slot });
  }

  // Object by object, which are checked, every rule that checks its kind, and their ignore annotations: each
  // object is read once while it is in the cache, instead of once per rule or step over a cluster's worth.
  const subjects: SourcedObject[] = [];
  const misspelt: Diagnostic[] = [];
  const ignoreIds = misspeltIgnores(opts, misspelt);
  const first = (o: SourcedObject) => {
    subjects.push(o);
    ignoreIds(o);
  };
  const checking = running.filter((r) => r.rule.check);
  const late = (r: Running) => (r.rule.meta.needs?.length ?? 0) > 0;
  const checkers: Record<RunStep, (kind: unknown) => readonly Running[]> = {
    all: checkersByKind(checking),
    early: checkersByKind(checking.filter((r) => !late(r))),
    late: checkersByKind(checking.filter(late)),
  };
  return {
    check(objects, from, to, step) {
      checkEach(objects, from, to, opts.subject, checkers[step], step === "late" ? undefined : first);
    },
    checkWholeEarly() {
      for (const r of running) if (r.rule.checkAll && !late(r)) r.whole = checkWhole(r);
    },
    finish: () =>
      finishRun({
        opts,
        target,
        keysOf,
        ran,
        running,
        slots,
        subjects,
        misspelt,
        diagnostics,
        skip,
        skipped,
      }),
  };
}

/** What startRun keeps between its steps for finishRun. */
interface RunState {
  opts: RunOptions;
  target: Target;
  keysOf: (pitfall: Pitfall) => ReadonlySet<string>;
  ran: Set<string>;
  running: Running[];
  slots: { candidates: Candidate[]; diagnostics: Diagnostic[] }[];
  subjects: SourcedObject[];
  misspelt: Diagnostic[];
  diagnostics: Diagnostic[];
  skip: (pitfall: string, reason: string) => void;
  skipped: Map<string, Skipped>;
}

function finishRun(state: RunState): RunResult {
  const { opts, target, keysOf, ran, running, slots, subjects, misspelt, diagnostics, skip, skipped } = state;
  for (const r of running) {
    if (!r.rule.checkAll) continue;
    const whole = r.whole ?? checkWhole(r);
    for (const c of whole.candidates) r.candidates.push(c);
    for (const d of whole.diagnostics) r.diagnostics.push(d);
  }
  const candidates: Candidate[] = [];
  for (const slot of slots) {
    for (const c of slot.candidates) candidates.push(c);
    for (const d of slot.diagnostics) diagnostics.push(d);
  }

  // DETECT lines are about Kubernetes objects; a streams snapshot holds none.
  if (opts.detect ?? opts.mode !== "streams") {
    const applicable: Pitfall[] = [];
    for (const p of opts.kb.pitfalls) {
      if (!p.detect.length) continue;
      const why = zoneMismatch(p.zones, target, opts.kb);
      if (why) skip(p.id, why);
      // The built-in page's DETECT lines stand in for detectors; where one of ours ran, it is the precise check.
      else if (opts.kb.builtinFile !== undefined && p.source.file === opts.kb.builtinFile && ran.has(p.id))
        continue;
      else applicable.push(p);
    }
    if (applicable.length) {
      // A built-in rule's report is more precise than a DETECT match on the same object for the same pitfall.
      const reported = new Set(candidates.map((c) => `${c.finding.pitfall}\u0000${objectKey(c.subject)}`));
      // An object's key is a few strings joined: made only for pitfalls a rule reported.
      const reportedPitfalls = new Set(candidates.map((c) => c.finding.pitfall));
      const detected = detectFindings(
        applicable,
        subjects,
        {
          skip: (pitfall, o) =>
            reportedPitfalls.has(pitfall) && reported.has(`${pitfall}\u0000${objectKey(o)}`),
          finding: (pitfall, o, report) => findingOf(DETECT_META, pitfall, report, o, target, keysOf),
        },
        detectEnvOf(target),
        opts.detectCache,
      );
      candidates.push(...topmostOnly(detected.candidates));
      diagnostics.push(...detected.diagnostics);
    }
  }

  for (const d of misspelt) diagnostics.push(d);

  const findings: Finding[] = [];
  const suppressed: Suppression[] = [];
  for (const { finding, subject } of candidates) {
    const verdict =
      annotationIgnore(subject, finding.pitfall, finding.rule) ??
      configIgnore(opts.config.ignore, subject, finding.pitfall, finding.rule, opts.config.file);
    if (!verdict) {
      findings.push(finding);
      continue;
    }
    const s: Suppression = {
      pitfall: finding.pitfall,
      rule: finding.rule,
      object: finding.object,
      ...verdict,
    };
    if (finding.file !== undefined) s.file = finding.file;
    if (finding.line !== undefined) s.line = finding.line;
    suppressed.push(s);
  }
  findings.sort(compareFindings);
  suppressed.sort(compareSuppressions);
  return { findings, suppressed, diagnostics, skipped: [...skipped.values()] };
}

interface Running {
  rule: Rule;
  ctx: RuleContext;
  toCandidate: (report: Report, checked: SourcedObject) => Candidate;
  candidates: Candidate[];
  diagnostics: Diagnostic[];
  /** What its `checkAll` gave, when a step ran it before finish (checkWholeEarly). */
  whole?: { candidates: Candidate[]; diagnostics: Diagnostic[] };
}

/** A rule's whole-snapshot check: its reports as candidates, or the failure that stopped it. */
function checkWhole(r: Running): { candidates: Candidate[]; diagnostics: Diagnostic[] } {
  const out = { candidates: [] as Candidate[], diagnostics: [] as Diagnostic[] };
  try {
    for (const report of r.rule.checkAll!(r.ctx)) out.candidates.push(r.toCandidate(report, report.object));
  } catch (error) {
    out.diagnostics.push(ruleFailed(r.rule.meta.id, error));
  }
  return out;
}

/**
 * Runs the rules' checks object by object on the objects checked, after `each` (a function of its own: a small loop
 * the JIT optimizes early). Node objects given for capacity (`--nodes`) are read by rules but are not checked.
 */
function checkEach(
  objects: readonly SourcedObject[],
  from: number,
  to: number,
  subject: ((o: SourcedObject) => boolean) | undefined,
  checking: (kind: unknown) => readonly Running[],
  each: ((o: SourcedObject) => void) | undefined,
): void {
  for (let i = from; i < to; i++) {
    const o = objects[i]!;
    if (o.origin.role === "nodes" || (subject !== undefined && !subject(o))) continue;
    each?.(o);
    const rules = checking(o.object.kind);
    for (let j = 0; j < rules.length; j++) {
      const r = rules[j]!;
      try {
        const reports = r.rule.check!(r.ctx, o);
        for (let k = 0; k < reports.length; k++) r.candidates.push(r.toCandidate(reports[k]!, o));
      } catch (error) {
        r.diagnostics.push(ruleFailed(r.rule.meta.id, error, o));
      }
    }
  }
}

/** The rules that check an object of a kind, in rule order; rules that name no kinds check every object. */
function checkersByKind(rules: readonly Running[]): (kind: unknown) => readonly Running[] {
  const any = rules.filter((r) => !r.rule.meta.kinds);
  const byKind = new Map<string, Running[]>();
  return (kind) => {
    if (typeof kind !== "string") return any;
    let list = byKind.get(kind);
    if (!list) {
      list = rules.filter((r) => !r.rule.meta.kinds || r.rule.meta.kinds.includes(kind));
      byKind.set(kind, list);
    }
    return list;
  };
}

/** The `{placeholders}` a pitfall's steps name, found once per pitfall and run: only those are worked out. */
function placeholderKeys(): (pitfall: Pitfall) => ReadonlySet<string> {
  const known = new Map<Pitfall, Set<string>>();
  return (pitfall) => {
    let keys = known.get(pitfall);
    if (!keys) {
      keys = new Set();
      for (const step of pitfall.steps) for (const m of step.text.matchAll(PLACEHOLDER)) keys.add(m[1]!);
      known.set(pitfall, keys);
    }
    return keys;
  };
}

export function compareSuppressions(a: Suppression, b: Suppression): number {
  return (
    (a.file ?? "").localeCompare(b.file ?? "") ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}

/**
 * Ignore annotations naming no pitfall or rule silence nothing, quietly: an error in a manifest (it is the
 * user's to fix before deploy), a warning on live objects. Called per object checked; its diagnostics go to `out`.
 */
function misspeltIgnores(opts: RunOptions, out: Diagnostic[]): (o: SourcedObject) => void {
  let known: Set<string> | undefined;
  return (o) => {
    if (!o.object.metadata?.annotations && !o.object.spec) return;
    known ??= new Set([...opts.kb.byId.keys(), ...allRules().map((r) => r.meta.id), DETECT_META.id]);
    for (const u of unknownIgnoreIds(o, known)) {
      const near = closeNames(u.id, [...known], 1)[0];
      const at = safeLocate(o, u.path);
      const d: Diagnostic = {
        file: o.origin.file ?? o.origin.context ?? "<input>",
        line: at?.line ?? o.origin.line ?? 0,
        severity: opts.mode === "manifest" ? "error" : "warning",
        code: "unknown-ignore-id",
        message: `${refKey(objectRefOf(o.object))}: ${IGNORE_ANNOTATION} on ${u.where} names ${JSON.stringify(u.id)}, which is no pitfall or rule id${near ? ` (did you mean ${near}?)` : ""}, so it silences nothing; \`pitfall kb list\` shows the ids`,
      };
      const column = at?.column ?? o.origin.column;
      if (column !== undefined) d.column = column;
      out.push(d);
    }
  };
}

/** What a DETECT line's `zone` and `distribution` read for this target. */
function detectEnvOf(target: Target): DetectEnv {
  return {
    ...(target.zone !== undefined ? { zone: target.zone } : {}),
    ...(target.distribution ? { distribution: target.distribution } : {}),
  };
}

/** The pseudo-rule every DETECT match is reported under. */
export const DETECT_META: RuleMeta = {
  id: "detect",
  pitfall: "",
  runs: ["manifest", "live"],
  description: "A DETECT line of the page (CEL over the object) is true.",
  looksAt: "whatever the DETECT expression reads",
  messages: { detect: "matches DETECT of {{title}}: {{expr}}" },
};

function findingOf(
  meta: RuleMeta,
  pitfall: Pitfall | undefined,
  report: Report,
  subject: SourcedObject,
  target: Target,
  keysOf: (pitfall: Pitfall) => ReadonlySet<string>,
): Finding {
  const origin = subject.origin;
  const at = report.path ? safeLocate(subject, report.path) : undefined;
  let severity = pitfall?.severity ?? report.severity ?? DEFAULT_SEVERITY;
  if (report.severity && severityRank(report.severity) < severityRank(severity)) severity = report.severity;
  if (report.atMost && severityRank(report.atMost) > severityRank(severity)) severity = report.atMost;
  const f: Finding = {
    pitfall: pitfall?.id ?? meta.pitfall,
    rule: meta.id,
    severity,
    object: objectRefOf(subject.object),
    messageId: report.messageId,
    data: report.data,
    message: formatMessage(meta.messages[report.messageId] ?? report.messageId, report.data),
    runbook: pitfall ? runbookOf(pitfall, meta, report, subject.object, keysOf(pitfall)) : [],
  };
  if (report.container !== undefined) f.container = report.container;
  if (origin.file !== undefined) f.file = origin.file;
  const line = at?.line ?? origin.line;
  const column = at ? at.column : origin.column;
  if (line !== undefined) f.line = line;
  if (column !== undefined) f.column = column;
  const evidence = report.evidence ?? fieldEvidence(subject, report.path);
  if (evidence) f.evidence = evidence;
  const context = origin.context ?? target.context;
  if (context !== undefined) f.context = context;
  if (target.zone !== undefined) f.zone = target.zone;
  return f;
}

/** The page's steps filled for the object, `kubectl logs` fitted to the container the report names. */
/** `wanted`: the placeholders of the pitfall's steps (naming the object adds `{name}`, which is always known). */
function runbookOf(
  pitfall: Pitfall,
  meta: RuleMeta,
  report: Report,
  object: KubeObject,
  wanted: ReadonlySet<string>,
): RunbookStep[] {
  const own = objectValues(object, report.container, wanted);
  const named = stepsNamingObject(pitfall.steps, own.kind, own.name);
  const values = { ...own, ...named.values, ...report.values };
  const steps = fillSteps(named.steps, values, meta.wholeValues ? [...meta.wholeValues] : []);
  return fitLogSteps(steps, {
    ...(report.container !== undefined ? { container: report.container } : {}),
    needsContainer: needsContainerFlag(object, report.container),
    ...(report.neverRan ? { neverRan: true } : {}),
    ...(values["pod-name"] ? { pod: values["pod-name"] } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
  });
}

/**
 * Whether `kubectl logs` must be told the container: the object's pods run more than one (ephemeral ones left
 * out), or the container is an init container. Counted in the spec, without listing its containers.
 */
function needsContainerFlag(object: KubeObject, container: string | undefined): boolean {
  const spec = podSpecOf(object)?.spec;
  if (!spec) return false;
  let count = 0;
  let init = false;
  let found = false;
  for (const key of ["initContainers", "containers"] as const) {
    for (const c of asList(spec[key])) {
      const rec = asRecord(c);
      if (!rec) continue;
      count++;
      // The first container of that name decides its role; a sidecar (restartPolicy: Always) is no init container.
      if (!found && container !== undefined && (asString(rec.name) ?? "") === container) {
        found = true;
        init = key === "initContainers" && !isSidecar(rec);
      }
    }
  }
  return count > 1 || init;
}

function safeLocate(o: SourcedObject, path: readonly (string | number)[]) {
  try {
    return o.origin.locate?.(path);
  } catch {
    return undefined;
  }
}

/** `hostNetwork: true` at `spec.template.spec.hostNetwork`, when the path ends at a plain value. */
function fieldEvidence(
  o: SourcedObject,
  path: readonly (string | number)[] | undefined,
): Evidence[] | undefined {
  if (!path?.length) return undefined;
  const value = valueAt(o.object, path);
  if (value === undefined || (typeof value === "object" && value !== null)) return undefined;
  const last = path[path.length - 1]!;
  // Redacted before the cut, so a cut never leaves half a secret (an env value with a password in its URL).
  const text = clip(`${typeof last === "number" ? `[${last}]` : last}: ${JSON.stringify(value)}`, 200);
  return [{ kind: "field", text, source: pathText(path) }];
}

function objectKey(o: SourcedObject): string {
  return `${o.origin.file ?? o.origin.context ?? ""}\u0000${o.origin.line ?? ""}\u0000${refKey(objectRefOf(o.object))}`;
}

/** `zone 1, k3s` for `1 (k3s)`. */
function zonesText(spec: ZoneSpec): string {
  return `zone ${spec.zones.join("+")}${spec.note ? `, ${spec.note}` : ""}`;
}

/** Why a zone-specific pitfall does not apply to the target, or undefined when it does. */
function zoneMismatch(spec: ZoneSpec, target: Target, kb: KnowledgeBase): string | undefined {
  if (spec.all) return undefined;
  if (target.zone !== undefined) {
    if (target.zone === "ALL" || spec.zones.includes(Number(target.zone))) return undefined;
    return `zone-specific (${zonesText(spec)}); the target is zone ${target.zone}`;
  }
  if (target.distribution) {
    const zones = zonesFor(target.distribution, kb.zoneMap);
    if (spec.zones.some((z) => zones.includes(z)) || spec.note?.toLowerCase() === target.distribution)
      return undefined;
    return `zone-specific (${zonesText(spec)}); the target runs ${target.distribution}`;
  }
  return `zone-specific (${zonesText(spec)}): give --zone`;
}

function distributionMismatch(meta: RuleMeta, target: Target): string | undefined {
  const wanted = meta.distribution;
  if (!wanted || target.distribution === wanted) return undefined;
  if (!target.distribution)
    return `rule ${meta.id} checks ${wanted} targets only and the target's distribution is unknown: give --zone or --distribution`;
  return `rule ${meta.id} checks ${wanted} targets only; the target runs ${target.distribution}`;
}

/** A setting the rule reads is unusable: the rule does not run, and the run says which setting and where. */
function optionsFailed(rule: string, error: RuleOptionsError, configFile: string | undefined): Diagnostic {
  return {
    file: configFile ?? "<config>",
    line: 0,
    severity: "error",
    code: "rule-options",
    message: `rule ${rule} did not run: ${error.message}`,
  };
}

function ruleFailed(rule: string, error: unknown, o?: SourcedObject): Diagnostic {
  const what = o ? ` on ${refKey(objectRefOf(o.object))}` : "";
  return {
    file: o?.origin.file ?? o?.origin.context ?? "<rules>",
    line: o?.origin.line ?? 0,
    severity: "error",
    code: "rule-failed",
    message: `rule ${rule} failed${what}: ${error instanceof Error ? error.message : String(error)}; it reported nothing there`,
  };
}

function timeOf(iso: string | undefined): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Like `refOf`, but every field a string whatever the object holds (fuzzed or hand-written input). */
export function objectRefOf(o: KubeObject): ObjectRef {
  const kind = asRecord(o)?.kind;
  const ref: ObjectRef = { kind: typeof kind === "string" ? kind : "", name: metaString(o, "name") ?? "" };
  const namespace = metaString(o, "namespace");
  if (namespace) ref.namespace = namespace;
  const apiVersion = asString(asRecord(o)?.apiVersion);
  if (apiVersion) ref.apiVersion = apiVersion;
  // A Redis Streams consumer is named within its stream and group.
  if (ref.kind === "StreamConsumer") {
    const stream = asString(asRecord(o)?.stream);
    const group = asString(asRecord(o)?.group);
    if (stream !== undefined) ref.stream = stream;
    if (group !== undefined) ref.group = group;
  }
  return ref;
}

/**
 * A DETECT line about a pod template matches the Deployment, its ReplicaSets and their pods alike; keep
 * the match on the object highest up the owner chain, where the template is written.
 */
function topmostOnly(candidates: Candidate[]): Candidate[] {
  const matched = new Map<string, Set<string>>();
  for (const c of candidates) {
    const uid = c.subject.object.metadata?.uid;
    if (!uid) continue;
    const set = matched.get(c.finding.pitfall);
    if (set) set.add(uid);
    else matched.set(c.finding.pitfall, new Set([uid]));
  }
  return candidates.filter((c) => {
    const owners = c.subject.object.metadata?.ownerReferences;
    const set = matched.get(c.finding.pitfall);
    return !(
      Array.isArray(owners) &&
      set &&
      owners.some((o) => o && typeof o.uid === "string" && set.has(o.uid))
    );
  });
}
