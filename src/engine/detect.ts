// DETECT lines: each pitfall's CEL expressions, compiled once per run and evaluated on every object.
import { type CompiledDetect, compileDetect, type FieldChain } from "../kb/cel.js";
import { type DetectEnv, DetectSubject } from "../kb/detect-subject.js";
import type { DetectRule, Pitfall } from "../kb/model.js";
import { asRecord, type JsonPath, valueAt } from "../k8s/fields.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Finding } from "../model/finding.js";
import type { Report } from "../rules/types.js";
import type { SourcedObject } from "../model/snapshot.js";

/** A report or DETECT match before suppression: the finding and the object it is about. */
export interface Candidate {
  finding: Finding;
  subject: SourcedObject;
}

export interface DetectHooks {
  /** True when this object is already reported for the pitfall (by a built-in rule). */
  skip(pitfall: string, o: SourcedObject): boolean;
  finding(pitfall: Pitfall, o: SourcedObject, report: Report): Finding;
}

type Program = Extract<CompiledDetect, { ok: true }>;

interface Compiled {
  rule: DetectRule;
  program: Program;
}

/** DETECT lines compiled, by expression: kept across the runs over the batches of one input (a streamed lint). */
export type DetectCache = Map<string, CompiledDetect>;

/**
 * One finding per pitfall and object, from the first DETECT line that is true. An evaluation error (a field
 * the object lacks, a wrong type) means "does not match"; a line that does not compile is a diagnostic.
 */
export function detectFindings(
  pitfalls: readonly Pitfall[],
  subjects: readonly SourcedObject[],
  hooks: DetectHooks,
  env: DetectEnv = {},
  cache: DetectCache = new Map(),
): { candidates: Candidate[]; diagnostics: Diagnostic[] } {
  const candidates: Candidate[] = [];
  const diagnostics: Diagnostic[] = [];
  // Each object's bindings are converted for CEL once, however many expressions read them.
  const wrapped = new Map<SourcedObject, DetectSubject>();
  const subjectOf = (o: SourcedObject) => {
    let s = wrapped.get(o);
    if (!s) {
      s = new DetectSubject(o.object, env);
      wrapped.set(o, s);
    }
    return s;
  };
  for (const pitfall of pitfalls) {
    const compiled: Compiled[] = [];
    for (const rule of pitfall.detect) {
      let program = cache.get(rule.expr);
      if (!program) {
        program = compileDetect(rule.expr);
        cache.set(rule.expr, program);
      }
      if (!program.ok) {
        diagnostics.push({
          file: pitfall.source.file,
          line: rule.line,
          ...(program.column === undefined ? {} : { column: program.column }),
          severity: "error",
          code: "detect-invalid",
          message: `DETECT of ${pitfall.title} does not compile (${program.message}); it is not evaluated`,
        });
        continue;
      }
      compiled.push({ rule, program });
    }
    if (!compiled.length) continue;
    for (const o of subjects) {
      if (hooks.skip(pitfall.id, o)) continue;
      const subject = subjectOf(o);
      const hit = compiled.find((c) => matches(c.program, subject));
      if (!hit) continue;
      const path = fieldPathOf(hit.program, subject);
      const report: Report = {
        messageId: "detect",
        data: { title: pitfall.title, expr: hit.rule.expr },
        evidence: [
          { kind: "field", text: hit.rule.expr, source: `DETECT, ${pitfall.source.file}:${hit.rule.line}` },
        ],
      };
      if (path) report.path = path;
      candidates.push({ finding: hooks.finding(pitfall, o, report), subject: o });
    }
  }
  return { candidates, diagnostics };
}

function matches(program: Program, subject: DetectSubject): boolean {
  try {
    return program.evaluateSubject(subject) === true;
  } catch {
    // The CEL runtime should turn every failure into an error value; a throw is treated the same way.
    return false;
  }
}

/**
 * The field a match is about, as a path in the object: the longest field the expression reads that the object has
 * (among equals the later one: expressions test the kind before the field that matters). A field read through a
 * comprehension (`containers.exists(c, c.image …)`) points into the one element that makes the line true.
 */
export function fieldPathOf(program: Program, subject: DetectSubject): JsonPath | undefined {
  const elements = program.ranges.map((range) => culpritOf(program, subject, range));
  const candidates: { path: JsonPath; offset: number }[] = [];
  for (const [i, range] of program.ranges.entries()) {
    const at = elements[i];
    if (at === null) continue;
    const path = at ? at.path : pathOf(range, subject, elements);
    if (path) candidates.push({ path, offset: range.offset });
  }
  for (const chain of program.chains) {
    const path = pathOf(chain, subject, elements);
    if (path) candidates.push({ path, offset: chain.offset });
  }
  const present = candidates.filter((c) => valueAt(subject.object, c.path) !== undefined);
  present.sort((a, b) => b.path.length - a.path.length || b.offset - a.offset);
  return present[0]?.path;
}

/** Where one element of a list lives in the object, and the status beside it for containers. */
interface Element {
  path: JsonPath;
  statusPath?: JsonPath;
}

/**
 * The element of a comprehension's list that makes the line true on its own: `undefined` when none does alone,
 * `null` when the list is not why the line holds (it holds with the list empty, as `!list.exists(…)` does).
 */
function culpritOf(program: Program, subject: DetectSubject, range: FieldChain): Element | undefined | null {
  if ("range" in range.root) return undefined; // nested comprehensions: the outer element is precise enough
  const variable = range.root.variable;
  if (variable === "containers" && range.path.length === 0) {
    const entries = subject.containers();
    if (program.evaluateSubject(subject.withContainers([])) === true) return null;
    const i = entries.findIndex((e) => program.evaluateSubject(subject.withContainers([e])) === true);
    const entry = entries[i];
    if (!entry) return undefined;
    return { path: entry.path, ...(entry.statusPath ? { statusPath: entry.statusPath } : {}) };
  }
  const listPath = subject.objectPath(variable, range.path);
  const list = listPath ? valueAt(subject.object, listPath) : undefined;
  if (!listPath || !Array.isArray(list)) return undefined;
  const narrowed = (items: unknown[]) => subject.withObject(replaceAt(subject.object, listPath, items));
  if (program.evaluateSubject(narrowed([])) === true) return null;
  const i = list.findIndex((item) => program.evaluateSubject(narrowed([item])) === true);
  return i < 0 ? undefined : { path: [...listPath, i] };
}

/** A chain's path in the object, through the culprit element when it reads an iteration variable. */
function pathOf(
  chain: FieldChain,
  subject: DetectSubject,
  elements: (Element | undefined | null)[],
): JsonPath | undefined {
  if ("variable" in chain.root) {
    const v = chain.root.variable;
    if (v === "containers") {
      const [index, ...rest] = chain.path;
      const entry = typeof index === "number" ? subject.containers()[index] : undefined;
      return entry
        ? elementPath(
            { path: entry.path, ...(entry.statusPath ? { statusPath: entry.statusPath } : {}) },
            rest,
          )
        : undefined;
    }
    return subject.objectPath(v, chain.path);
  }
  const element = elements[chain.root.range];
  return element ? elementPath(element, chain.path) : undefined;
}

/** `c.status.state` reads the container's status; any other field its spec. */
function elementPath(element: Element, rest: (string | number)[]): JsonPath {
  if (rest[0] === "status" && element.statusPath) return [...element.statusPath, ...rest.slice(1)];
  return [...element.path, ...rest];
}

/** A copy of `obj` with the list at `path` replaced; only the objects along the path are copied. */
function replaceAt(obj: unknown, path: JsonPath, items: unknown[]): unknown {
  if (!path.length) return items;
  const [head, ...rest] = path;
  if (Array.isArray(obj) && typeof head === "number") {
    const copy = [...obj];
    copy[head] = replaceAt(obj[head], rest, items);
    return copy;
  }
  const rec = asRecord(obj);
  if (!rec || typeof head !== "string") return obj;
  return { ...rec, [head]: replaceAt(rec[head], rest, items) };
}
