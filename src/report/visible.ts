// What text renderers are given, made visible: every string that came from a cluster, a log, a file or a page
// shows its control characters as escapes and stays on its line. The renderers add their own colours after this.
import type { Pitfall } from "../kb/model.js";
import { visible, visibleDeep } from "../model/sanitize.js";
import type { ReportInput, SourceLine } from "./types.js";

/** A lookup whose pitfalls come out visible, each made so once. */
function visiblePitfalls(lookup: (id: string) => Pitfall | undefined): (id: string) => Pitfall | undefined {
  const seen = new Map<string, Pitfall | undefined>();
  return (id) => {
    if (!seen.has(id)) {
      const p = lookup(id);
      seen.set(id, p && visibleDeep(p));
    }
    return seen.get(id);
  };
}

export function visibleReport(input: ReportInput): ReportInput {
  return {
    ...input,
    findings: visibleDeep(input.findings),
    diagnostics: visibleDeep(input.diagnostics),
    suppressed: visibleDeep(input.suppressed),
    ...(input.incomplete ? { incomplete: visibleDeep(input.incomplete) } : {}),
    ...(input.unexplained ? { unexplained: visibleDeep(input.unexplained) } : {}),
    ...(input.grouped ? { grouped: visibleDeep(input.grouped) } : {}),
    pitfall: visiblePitfalls((id) => input.pitfall(id)),
  };
}

/** A quoted source line on one line, its control characters shown. */
export function visibleSourceLine(sourceLine: SourceLine | undefined): SourceLine | undefined {
  if (!sourceLine) return undefined;
  return (file, line) => {
    const text = sourceLine(file, line);
    return text === undefined ? undefined : visible(text);
  };
}
