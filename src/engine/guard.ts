// GUARD lines: each pitfall's CEL expressions over a command, compiled once, evaluated on every simple command of a
// line. A line that needs what only the cluster or Redis knows says so instead of guessing.
import type { CelInput } from "@bufbuild/cel";
import type { CompiledGuard } from "../kb/cel.js";
import { toCelValue } from "../kb/cel-value.js";
import type { GuardRule, Pitfall } from "../kb/model.js";
import type { Diagnostic } from "../model/diagnostic.js";

export interface GuardLine {
  pitfall: Pitfall;
  rule: GuardRule;
  program: Extract<CompiledGuard, { ok: true }>;
}

/** The facts a GUARD line may read besides `command`, each looked up only when a line needs it. */
export const FACT_BINDINGS = ["zone", "distribution", "target", "stream"] as const;
export type FactBinding = (typeof FACT_BINDINGS)[number];

/** A fact as looked up: its value, or why it could not be had. */
export type Fact = { value: unknown } | { unavailable: string };

export type GuardOutcome =
  | { kind: "match" }
  | { kind: "no-match" }
  /** The line's answer depends on facts not looked up yet. */
  | { kind: "needs"; facts: FactBinding[] }
  /** The line's answer depends on facts that could not be had. */
  | { kind: "unchecked"; reasons: string[] };

/** One GUARD line compiled (CEL is loaded on the first call); a line that does not compile is a diagnostic. */
export async function compileGuardLine(pitfall: Pitfall, rule: GuardRule): Promise<GuardLine | Diagnostic> {
  const { compileGuard } = await import("../kb/cel.js");
  const program = compileGuard(rule.expr);
  if (program.ok) return { pitfall, rule, program };
  return {
    file: pitfall.source.file,
    line: rule.line,
    ...(program.column === undefined ? {} : { column: program.column + "GUARD: ".length }),
    severity: "error",
    code: "guard-invalid",
    message: `GUARD of ${pitfall.title} does not compile (${program.message}); it is not evaluated`,
  };
}

/**
 * One line on one command with the facts known so far. CEL's `&&` and `||` are commutative over errors, so a
 * line whose command part is false is false whatever the facts; only a line that could hold asks for them.
 */
export function evaluateGuard(
  line: GuardLine,
  command: CelInput,
  facts: ReadonlyMap<FactBinding, Fact>,
): GuardOutcome {
  const bindings: Record<string, CelInput> = { command };
  for (const [name, fact] of facts) if ("value" in fact) bindings[name] = toCelValue(fact.value);
  let result: boolean | Error;
  try {
    result = line.program.evaluate(bindings);
  } catch {
    return { kind: "no-match" };
  }
  if (result === true) return { kind: "match" };
  if (result === false) return { kind: "no-match" };
  const read = FACT_BINDINGS.filter((f) => line.program.reads.has(f));
  const missing = read.filter((f) => !facts.has(f));
  if (missing.length) return { kind: "needs", facts: missing };
  const reasons = read.flatMap((f) => {
    const fact = facts.get(f);
    return fact && "unavailable" in fact ? [fact.unavailable] : [];
  });
  // Every fact was had and the line still fails (an index past the end, a wrong type): no match.
  return reasons.length ? { kind: "unchecked", reasons } : { kind: "no-match" };
}
