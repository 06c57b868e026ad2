// DETECT lines: each pitfall's CEL expressions, compiled once per run and evaluated on every object.
import type { CelInput } from "@bufbuild/cel";
import { type CompiledDetect, compileDetect, toCelValue } from "../kb/cel.js";
import type { DetectRule, Pitfall } from "../kb/model.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { valueAt } from "../k8s/fields.js";
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

interface Compiled {
  rule: DetectRule;
  program: Extract<CompiledDetect, { ok: true }>;
  /** Field chains the expression reads (`object.spec.hostNetwork` → [spec, hostNetwork]), longest first. */
  fields: string[][];
}

/** DETECT lines compiled, by expression: kept across the runs over the batches of one input (a streamed lint). */
export type DetectCache = Map<string, { program: CompiledDetect; fields: string[][] }>;

/**
 * One finding per pitfall and object, from the first DETECT line that is true. An evaluation error (a field
 * the object lacks, a wrong type) means "does not match"; a line that does not compile is a diagnostic.
 */
export function detectFindings(
  pitfalls: readonly Pitfall[],
  subjects: readonly SourcedObject[],
  hooks: DetectHooks,
  cache: DetectCache = new Map(),
): { candidates: Candidate[]; diagnostics: Diagnostic[] } {
  const candidates: Candidate[] = [];
  const diagnostics: Diagnostic[] = [];
  // Each object is converted for CEL once, however many expressions read it.
  const inputs = new Map<SourcedObject, CelInput>();
  const inputOf = (o: SourcedObject) => {
    const known = inputs.get(o);
    if (known !== undefined) return known;
    const input = toCelValue(o.object);
    inputs.set(o, input);
    return input;
  };
  for (const pitfall of pitfalls) {
    const compiled: Compiled[] = [];
    for (const rule of pitfall.detect) {
      let known = cache.get(rule.expr);
      if (!known) {
        known = { program: compileDetect(rule.expr), fields: fieldChains(rule.expr) };
        cache.set(rule.expr, known);
      }
      const { program, fields } = known;
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
      compiled.push({ rule, program, fields });
    }
    if (!compiled.length) continue;
    for (const o of subjects) {
      if (hooks.skip(pitfall.id, o)) continue;
      const hit = compiled.find((c) => matches(c, inputOf(o)));
      if (!hit) continue;
      const path = hit.fields.find((f) => valueAt(o.object, f) !== undefined);
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

function matches(c: Compiled, input: CelInput): boolean {
  try {
    return c.program.evaluateInput(input) === true;
  } catch {
    // The CEL runtime should turn every failure into an error value; a throw is treated the same way.
    return false;
  }
}

/**
 * The `object.a.b.c` chains of an expression, longest first and, among equals, the later one first (expressions
 * test the kind before the field that matters): the first that exists in the object is the line to show.
 */
function fieldChains(expr: string): string[][] {
  const chains = [...expr.matchAll(/\bobject((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) =>
    m[1]!.slice(1).split("."),
  );
  return chains.reverse().sort((a, b) => b.length - a.length);
}
