// What is wrong with one DETECT or GUARD line, as page lint reports it; `kb add`, the page lint and a drafted
// entry check their lines with the same function.
import { compileDetect, compileGuard, detectTrivial, guardTrivial } from "./cel.js";
import { DETECT_SAMPLE } from "./detect-sample.js";

export type CelLineKind = "DETECT" | "GUARD";

export interface CelLineProblem {
  code: string;
  message: string;
  /** 1-based column in the page line (`DETECT: ` counted). */
  column?: number;
}

const EXAMPLES: Record<CelLineKind, string> = {
  DETECT: "a CEL expression over the object, e.g. `DETECT: podSpec.hostNetwork == true`",
  GUARD:
    "a CEL expression over the command, e.g. `GUARD: command.program == 'kubectl' && command.verb == 'cp'`",
};

/** Empty, not compiling, or unable to tell objects (commands) apart: each is an error of the page. */
export function celLineProblems(kind: CelLineKind, expr: string): CelLineProblem[] {
  const code = kind.toLowerCase();
  if (!expr.trim()) return [{ code: `${code}-empty`, message: `${kind} needs ${EXAMPLES[kind]}` }];
  const compiled = kind === "DETECT" ? compileDetect(expr) : compileGuard(expr);
  if (!compiled.ok)
    return [
      {
        code: `${code}-compile`,
        message: `${kind} does not compile: ${compiled.message}`,
        ...(compiled.column ? { column: compiled.column + `${kind}: `.length } : {}),
      },
    ];
  const trivial = kind === "DETECT" ? detectTrivial(expr, DETECT_SAMPLE) : guardTrivial(expr);
  return trivial ? [{ code: trivial.code, message: trivial.message }] : [];
}
