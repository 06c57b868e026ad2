// Short labels shared by the reporters: objects, locations, severity counts.
import { SEVERITIES, type Severity } from "../model/severity.js";
import type { ObjectRef } from "../model/kube.js";
import type { Finding } from "../model/finding.js";

/** `Deployment team-a/web`, `Node worker-1`, `StreamConsumer triggers.x/group`. */
export function objectLabel(o: ObjectRef): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

/** `file:line:col`, `file:line`, or undefined for live findings. */
export function locationLabel(f: Pick<Finding, "file" | "line" | "column">): string | undefined {
  if (!f.file) return undefined;
  if (f.line === undefined) return f.file;
  return f.column === undefined ? `${f.file}:${f.line}` : `${f.file}:${f.line}:${f.column}`;
}

function severityCounts(findings: Finding[]): Map<Severity, number> {
  const counts = new Map<Severity, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  return counts;
}

/** `1 CRITICAL, 2 MEDIUM`, most severe first. */
export function countsText(findings: Finding[]): string {
  const counts = severityCounts(findings);
  return SEVERITIES.filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(", ");
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Whether evidence such as `hostNetwork: true` only repeats the quoted source line (quotes and `- ` aside). */
export function repeatsLine(evidence: string, line: string): boolean {
  const norm = (t: string) =>
    t
      .replace(/["']/g, "")
      .replace(/^\s*-\s+/, "")
      .trim();
  return norm(evidence) === norm(line);
}
