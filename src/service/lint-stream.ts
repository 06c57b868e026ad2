// `pitfall lint` over manifests read in batches of documents that are linted and let go, so memory follows
// the largest document, not the input. Findings are those of one engine run over the whole snapshot:
// - the objects rules look up (a pod's ServiceAccount) are collected first, by a pass that parses only the
//   documents naming such a kind, so every batch sees all of them wherever they sit in the input;
// - what only the whole snapshot can answer (the capacity sum over Nodes, owner chains between objects)
//   makes this return undefined, and the caller lints the whole snapshot the old way.
import { createHash } from "node:crypto";
import { lookupOf } from "../engine/lookup.js";
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
import type { Lookup, Rule } from "../rules/types.js";
import { type DuplicateEntries, DuplicateIndex } from "../sources/duplicates.js";
import { type BatchOptions, type ManifestSource, readManifestBatches } from "../sources/manifest-stream.js";
import { readFast } from "../sources/manifest-document.js";
import { patchReason } from "../sources/patch-fragments.js";
import { InputChecks } from "./lint-checks.js";

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

/** A lookup that answers for the kinds rules declare (`meta.reads`) and refuses any other question. */
function declaredLookup(objects: SourcedObject[], kinds: Set<string>): Lookup {
  const all = lookupOf({ target: { kind: "manifests", name: "" }, objects, diagnostics: [], incomplete: [] });
  const refuse = (what: string): never => {
    throw new Error(
      `a streamed lint answers lookups of ${[...kinds].join(", ")} only, not ${what}: add it to the rule's meta.reads`,
    );
  };
  const declared = (kind: string) => kinds.has(kind) || refuse(`kind ${kind}`);
  return {
    all: () => refuse("all objects"),
    byKind: (kind) => (declared(kind) ? all.byKind(kind) : []),
    named: (kind, name) => (declared(kind) ? all.named(kind, name) : []),
    byUid: () => refuse("objects by uid"),
    get: (kind, namespace, name) => (declared(kind) ? all.get(kind, namespace, name) : undefined),
    eventsFor: () => refuse("events"),
    podsOnNode: () => refuse("pods by node"),
    previousLog: () => undefined,
    currentLog: () => undefined,
    owners: () => refuse("owner chains"),
    objectsOfKind: (kind) => (declared(kind) ? all.objectsOfKind(kind) : []),
  };
}

/**
 * The looked-up objects a pass read, in order: where each was read and what it holds, as one digest, so the
 * collecting pass's and the linting pass's can be compared without holding either list.
 */
class ContextDigest {
  private readonly hash = createHash("sha1");
  count = 0;

  /** `reused`: the collecting pass's own object, so its content need not be compared. */
  add(o: SourcedObject, reused: boolean): void {
    this.count++;
    this.hash.update(`${o.origin.file}\u0000${o.origin.line}\u0000${o.origin.column}\u0000`);
    this.hash.update(reused ? "=\u0000" : `${JSON.stringify(o.object)}\u0000`);
  }

  digest(): string {
    return `${this.count}:${this.hash.digest("base64")}`;
  }
}

/**
 * A looked-up object as the lookup keeps it for the whole lint: rules read its fields and where it was read
 * (`file:line` in evidence), never a position inside it. A copy, because the parsers' strings are slices of the
 * text they were read from: kept as they are, a hundred thousand ConfigMaps would keep the whole input alive.
 */
function keptContext(o: SourcedObject): SourcedObject {
  const { locate: _locate, ...origin } = o.origin;
  return structuredClone({ object: o.object, origin });
}

function hasOwners(o: SourcedObject): boolean {
  const owners = o.object.metadata?.ownerReferences;
  return Array.isArray(owners) && owners.length > 0;
}

/**
 * Findings kept for the whole lint, sharing what they hold alike (runbooks, evidence, message data and text):
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
  return (f) => {
    if (f.runbook?.length) f.runbook = shared(f.runbook);
    if (f.evidence?.length) f.evidence = shared(f.evidence);
    f.data = shared(f.data);
    f.message = shared(f.message);
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
  context: SourcedObject[];
  /**
   * The looked-up objects read the fast way, as their index in `context` by file and line (a fast document's
   * root starts a line of its own): the linting pass takes them instead of reading their documents again.
   */
  reusable: Reusable;
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
  const context: SourcedObject[] = [];
  const reusable: Reusable = new Map();
  if (kinds.size)
    for (const batch of readManifestBatches(sources, { ...read, only })) {
      for (const o of batch.objects) {
        // Patches are left out before the engine sees the objects (InputChecks): no lookup finds them.
        if (patchReason(o)) continue;
        if (wholeKinds.has(String(o.object.kind))) return undefined;
        if (!kinds.has(String(o.object.kind))) continue;
        if (readFast(o)) addReusable(reusable, o, context.length);
        context.push(keptContext(o));
      }
    }
  return { rules, kinds, wholeKinds, context, reusable };
}

/** The options each batch's engine run takes: the plan's lookup, DETECT lines compiled once. */
export function batchRunOf(run: RunOptions, plan: StreamPlan): RunOptions {
  return { ...run, lookup: declaredLookup(plan.context, plan.kinds), detectCache: new Map() };
}

/** The looked-up objects' digest, as a group that reads `objects` of them should find it. */
export function contextDigest(
  objects: readonly SourcedObject[],
  plan: Pick<StreamPlan, "context" | "reusable">,
): string {
  const d = new ContextDigest();
  for (const o of objects) d.add(o, reusableIndex(plan, o.origin) !== undefined);
  return d.digest();
}

/** Looked-up objects read the fast way: their index in the plan's context, by file and line. */
export type Reusable = Map<string, Map<number, number>>;

function addReusable(reusable: Reusable, o: SourcedObject, index: number): void {
  const file = o.origin.file ?? "";
  const line = o.origin.line ?? 0;
  let lines = reusable.get(file);
  if (!lines) reusable.set(file, (lines = new Map()));
  // The first of equal places (a file named twice) is the one taken.
  if (!lines.has(line)) lines.set(line, index);
}

/** The index in the plan's context of the reusable object read at `origin`, if any. */
function reusableIndex(
  plan: Pick<StreamPlan, "context" | "reusable">,
  origin: { file?: string | undefined; line?: number | undefined; column?: number | undefined },
): number | undefined {
  const i = plan.reusable.get(origin.file ?? "")?.get(origin.line ?? 0);
  return i !== undefined && plan.context[i]!.origin.column === origin.column ? i : undefined;
}

/** What the linting pass reads with: the collecting pass's objects instead of their documents. */
export function readerOf(plan: Pick<StreamPlan, "context" | "reusable">, read: BatchOptions): BatchOptions {
  return {
    ...read,
    reuse: (file, line, column) => {
      const i = reusableIndex(plan, { file, line, column });
      return i === undefined ? undefined : plan.context[i]!.object;
    },
  };
}

/** True when the linting pass took `o` from the collecting pass (readerOf), not from its document. */
function wasReused(plan: Pick<StreamPlan, "context" | "reusable">, o: SourcedObject): boolean {
  const i = reusableIndex(plan, o.origin);
  return i !== undefined && plan.context[i]!.object === o.object;
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
  plan: Pick<StreamPlan, "kinds" | "wholeKinds" | "context" | "reusable">,
  expected: number,
  read: BatchOptions = {},
): GroupResult | undefined {
  const kept = keptFindings();
  const out: GroupResult = {
    objects: 0,
    input: [],
    notes: [],
    invalid: [],
    identities: new Map(),
    findings: [],
    suppressed: [],
    engine: [],
    digest: "",
  };
  const again = new ContextDigest();
  const engine = new Map<string, Diagnostic>();
  const checks = new InputChecks();
  for (const batch of readManifestBatches(sources, readerOf(plan, read))) {
    for (const d of batch.diagnostics) out.input.push(d);
    const whole = checks.take(batch.objects);
    for (const o of whole) {
      const kind = String(o.object.kind);
      if (hasOwners(o) || plan.wholeKinds.has(kind)) return undefined;
      if (plan.kinds.has(kind)) {
        again.add(o, wasReused(plan, o));
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
  const twice = new DuplicateIndex();
  for (const g of groups) twice.absorb(g.identities);
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
  const group = lintGroup(sources, batchRun, target, plan, plan.context.length, read);
  if (!group || group.digest !== contextDigest(plan.context, plan)) return undefined;
  return mergeGroups(batchRun, target, plan, [group]);
}
