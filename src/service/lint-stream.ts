// `pitfall lint` over manifests read in batches of documents that are linted and let go, so memory follows
// the largest document, not the input. Findings are those of one engine run over the whole snapshot:
// - the objects rules look up (a pod's ServiceAccount) are collected first, by a pass that parses only the
//   documents naming such a kind, so every batch sees all of them wherever they sit in the input; they are kept
//   as text (service/lint-context), and the linting pass takes them from there instead of parsing them again;
// - what only the whole snapshot can answer (the capacity sum over Nodes, owner chains between objects)
//   makes this return undefined, and the caller lints the whole snapshot the old way.
import {
  compareSuppressions,
  type RunOptions,
  type RunResult,
  runEngine,
  type Suppression,
} from "../engine/run.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { compareFindings, type Finding } from "../model/finding.js";
import type { SourcedObject, Target } from "../model/snapshot.js";
import { allRules } from "../rules/index.js";
import type { Rule } from "../rules/types.js";
import { type DuplicateEntries, DuplicateIndex } from "../sources/duplicates.js";
import { type BatchOptions, type ManifestSource, readManifestBatches } from "../sources/manifest-stream.js";
import { patchReason } from "../sources/patch-fragments.js";
import { InputChecks } from "./lint-checks.js";
import { ContextDigest, ContextStore } from "./lint-context.js";

export interface StreamedLint {
  /** Objects linted. */
  objects: number;
  /** Input problems in input order, then what InputChecks found (patches, refused values, objects met twice). */
  diagnostics: Diagnostic[];
  result: RunResult;
}

function escaped(kind: string): string {
  return kind.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function hasOwners(o: SourcedObject): boolean {
  const owners = o.object.metadata?.ownerReferences;
  return Array.isArray(owners) && owners.length > 0;
}

/** Two findings' message data alike: the same slots with the same values (strings and numbers). */
function sameData(a: Finding["data"], b: Finding["data"]): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Findings kept for the whole lint, sharing what they hold alike (runbooks, evidence, message text and data):
 * most findings of a pitfall say the same, and a large input has a hundred thousand of them to hold until the
 * report is written. What is kept is copied once: the parsers' strings are slices of the input's text, which
 * they would keep alive. Findings are not changed once made, so sharing is safe.
 */
function keptFindings(): (f: Finding) => Finding {
  const seen = new Map<string, unknown>();
  const shared = <T>(value: T): T => {
    const key = typeof value === "string" ? value : JSON.stringify(value);
    const known = seen.get(key);
    if (known !== undefined) return known as T;
    const copy = structuredClone(value);
    // The copy, not the string asked with, is the key: that one may be a slice of the input.
    seen.set(typeof copy === "string" ? copy : key, copy);
    return copy;
  };
  // Data is looked up by its message, which names what it holds: no key of its own to keep per finding.
  const byMessage = new Map<string, { message: string; data: Finding["data"] }>();
  return (f) => {
    if (f.runbook?.length) f.runbook = shared(f.runbook);
    if (f.evidence?.length) f.evidence = shared(f.evidence);
    const known = byMessage.get(f.message);
    if (known && sameData(known.data, f.data)) {
      f.message = known.message;
      f.data = known.data;
    } else {
      const kept = structuredClone({ message: f.message, data: f.data });
      if (!known) byMessage.set(kept.message, kept);
      f.message = kept.message;
      f.data = kept.data;
    }
    f.object = structuredClone(f.object);
    if (f.container !== undefined) f.container = shared(f.container);
    return f;
  };
}

/** `rule X …` diagnostics stay grouped by rule, in rule order, as one engine run gives them. */
function engineDiagnosticOrder(ruleIds: string[]): (d: Diagnostic) => number {
  const rank = new Map(ruleIds.map((id, i) => [id, i]));
  return (d) => {
    const rule = /^rule (\S+) /.exec(d.message)?.[1];
    return rule === undefined ? ruleIds.length : (rank.get(rule) ?? ruleIds.length);
  };
}

/** What the collecting pass found: the rules, the kinds they look up, and the looked-up objects. */
export interface StreamPlan {
  rules: Rule[];
  kinds: Set<string>;
  /** Kinds a rule sums over (`checkAll`): one of them means the whole snapshot is needed. */
  wholeKinds: Set<string>;
  /** The looked-up objects, as text. */
  context: ContextStore;
}

/** What linting one run of sources (all, or a contiguous group of them in a worker) gives. */
export interface GroupResult {
  objects: number;
  /** Input problems, in input order. */
  input: Diagnostic[];
  /** InputChecks' parts: patches' notes and refused values, in input order; identities for objects met twice. */
  notes: Diagnostic[];
  invalid: Diagnostic[];
  identities: DuplicateEntries;
  findings: Finding[];
  suppressed: Suppression[];
  engine: Diagnostic[];
  /** The looked-up objects this group read (ContextDigest), to compare with what the collecting pass read. */
  digest: string;
}

/**
 * The collecting pass: objects of the looked-up kinds, from the documents naming such a kind. Undefined when one
 * of them is a kind a rule sums over (the whole snapshot is needed).
 */
export function collectContext(
  sources: ManifestSource[],
  run: RunOptions,
  read: BatchOptions = {},
): StreamPlan | undefined {
  const rules = (run.rules ?? allRules()).filter((r) => r.meta.runs.includes(run.mode));
  const kinds = new Set(rules.flatMap((r) => r.meta.reads ?? []));
  const wholeKinds = new Set(rules.flatMap((r) => (r.checkAll ? (r.meta.reads ?? []) : [])));
  const only = {
    text: new RegExp(`\\bkind["']?\\s*:\\s*["']?(?:${[...kinds].map(escaped).join("|")})\\b`),
    words: [...kinds],
  };
  const context = new ContextStore();
  if (kinds.size)
    for (const batch of readManifestBatches(sources, { ...read, only })) {
      for (const o of batch.objects) {
        // Patches are left out before the engine sees the objects (InputChecks): no lookup finds them.
        if (patchReason(o)) continue;
        if (wholeKinds.has(String(o.object.kind))) return undefined;
        if (!kinds.has(String(o.object.kind))) continue;
        context.add(o);
      }
    }
  return { rules, kinds, wholeKinds, context };
}

/** The options each batch's engine run takes: the plan's lookup, DETECT lines compiled once. */
export function batchRunOf(run: RunOptions, plan: StreamPlan): RunOptions {
  return { ...run, lookup: plan.context.lookup(plan.kinds), detectCache: new Map() };
}

/**
 * Lint `sources` batch by batch with the plan's lookup. Undefined when the whole snapshot is needed: an object
 * with owner references (DETECT keeps the topmost owner's match) or of a kind a rule sums over, or more objects
 * of the looked-up kinds than the collecting pass saw (`expected`).
 */
export function lintGroup(
  sources: ManifestSource[],
  batchRun: RunOptions,
  target: Target,
  plan: Pick<StreamPlan, "kinds" | "wholeKinds" | "context">,
  expected: number,
  read: BatchOptions = {},
): GroupResult | undefined {
  const kept = keptFindings();
  const out: GroupResult = {
    objects: 0,
    input: [],
    notes: [],
    invalid: [],
    identities: new DuplicateIndex().entries(),
    findings: [],
    suppressed: [],
    engine: [],
    digest: "",
  };
  const again = new ContextDigest();
  const engine = new Map<string, Diagnostic>();
  const checks = new InputChecks();
  for (const batch of readManifestBatches(sources, plan.context.readerOf(read))) {
    for (const d of batch.diagnostics) out.input.push(d);
    const whole = checks.take(batch.objects);
    for (const o of whole) {
      const kind = String(o.object.kind);
      if (hasOwners(o) || plan.wholeKinds.has(kind)) return undefined;
      if (plan.kinds.has(kind)) {
        again.add(o, plan.context.wasReused(o));
        if (again.count > expected) return undefined;
      }
    }
    out.objects += whole.length;
    const result = runEngine({ target, objects: whole, diagnostics: [], incomplete: [] }, batchRun);
    for (const f of result.findings) out.findings.push(kept(f));
    for (const s of result.suppressed) out.suppressed.push(s);
    for (const d of result.diagnostics) engine.set(JSON.stringify(d), d);
  }
  const parts = checks.parts();
  out.notes = parts.notes;
  out.invalid = parts.invalid;
  out.identities = parts.identities;
  out.engine = [...engine.values()];
  out.digest = again.digest();
  return out;
}

/**
 * One lint's result from its groups, in input order, as one pass over all sources gives it: input problems,
 * then the patches' notes, refused values and objects met twice (over all groups); findings and suppressions in
 * their order; the engine's problems each once, by rule. `batchRun`: what the groups ran with (DETECT compiled).
 */
export function mergeGroups(
  batchRun: RunOptions,
  target: Target,
  plan: StreamPlan,
  groups: GroupResult[],
): StreamedLint {
  // Pitfalls skipped, DETECT lines that do not compile, unknown pitfalls: the same for every batch.
  const base = runEngine({ target, objects: [], diagnostics: [], incomplete: [] }, batchRun);
  const findings = [...base.findings, ...groups.flatMap((g) => g.findings)].sort(compareFindings);
  const suppressed = [...base.suppressed, ...groups.flatMap((g) => g.suppressed)].sort(compareSuppressions);
  const engine = new Map<string, Diagnostic>();
  for (const d of [...base.diagnostics, ...groups.flatMap((g) => g.engine)]) engine.set(JSON.stringify(d), d);
  const order = engineDiagnosticOrder(plan.rules.map((r) => r.meta.id));
  // Ranked once each: the rank reads the message.
  const merged = [...engine.values()]
    .map((d) => ({ d, rank: order(d) }))
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.d);
  // One group's identities are taken as they are: copying a million of them would double what they hold.
  const twice = new DuplicateIndex(groups[0]?.identities);
  for (const g of groups.slice(1)) twice.absorb(g.identities);
  const diagnostics = [
    ...groups.flatMap((g) => g.input),
    ...groups.flatMap((g) => g.notes),
    ...groups.flatMap((g) => g.invalid),
    ...twice.diagnostics(),
  ];
  const objects = groups.reduce((n, g) => n + g.objects, 0);
  return { objects, diagnostics, result: { ...base, findings, suppressed, diagnostics: merged } };
}

/**
 * Lint `sources` batch by batch in this thread. Undefined when the whole snapshot is needed for today's answer
 * (see collectContext and lintGroup), or when the linting pass read other looked-up objects than the collecting
 * pass (a broken document before one can change how yaml reads it, and the collecting pass does not parse what
 * it skips).
 */
export function lintManifestStream(
  sources: ManifestSource[],
  run: RunOptions,
  target: Target,
  read: BatchOptions = {},
): StreamedLint | undefined {
  const plan = collectContext(sources, run, read);
  if (!plan) return undefined;
  const batchRun = batchRunOf(run, plan);
  const group = lintGroup(sources, batchRun, target, plan, plan.context.size, read);
  if (!group || group.digest !== plan.context.digest().digest) return undefined;
  return mergeGroups(batchRun, target, plan, [group]);
}
