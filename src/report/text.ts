// Human output: findings grouped by file (by object for live findings), most severe first,
// each with its location, the quoted source line, the evidence and the pitfall's steps.
import type { Diagnostic } from "../model/diagnostic.js";
import { SEVERITIES, type Severity, severityRank } from "../model/severity.js";
import type { NoiseGroup } from "../model/noise.js";
import { compareFindings, type Finding } from "../model/finding.js";
import { countsText, locationLabel, objectLabel, plural, repeatsLine } from "./labels.js";
import { shownSteps } from "./steps.js";
import type { Paint, ReportInput, SourceLine } from "./types.js";
import { unexplainedLines } from "./unexplained.js";
import { visibleReport, visibleSourceLine } from "./visible.js";

export interface TextOptions {
  paint?: Paint;
  sourceLine?: SourceLine;
  /** List the suppressed findings with their reasons (else only their count). */
  showSuppressed?: boolean;
}

interface Group {
  key: string;
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Rank of the most severe entry: findings by severity, then errors, then warnings. */
  rank: number;
}

const plain: Paint = (_style, text) => text;
const INDENT = "    ";

export function severityLabel(paint: Paint, s: Severity): string {
  const text = s.padEnd(8);
  if (s === "CRITICAL") return paint("magenta", paint("bold", text));
  if (s === "HIGH") return paint("red", text);
  if (s === "MEDIUM") return paint("yellow", text);
  return paint("dim", text);
}

export function formatText(given: ReportInput, givenOpts: TextOptions = {}): string {
  const input = visibleReport(given);
  const sourceLine = visibleSourceLine(givenOpts.sourceLine);
  const opts: TextOptions = { ...givenOpts, ...(sourceLine ? { sourceLine } : {}) };
  const paint = opts.paint ?? plain;
  const out: string[] = [];
  const latent = input.findings.filter((f) => f.kind === "latent");
  const now: ReportInput = { ...input, findings: input.findings.filter((f) => f.kind !== "latent") };
  for (const g of groupsOf(now)) {
    out.push(paint("bold", g.key));
    for (const d of g.diagnostics) out.push(diagnosticLine(paint, d));
    for (const f of g.findings) out.push(...findingLines(f, input, paint, opts.sourceLine));
    out.push("");
  }
  if (latent.length) {
    out.push(
      paint("bold", "latent risks"),
      paint(
        "dim",
        "  not happening now: what the live workloads' specs will run into (the page's manifest checks)",
      ),
      "",
    );
    for (const g of groupsOf({ ...input, findings: latent, diagnostics: [] }, true)) {
      out.push(paint("bold", g.key));
      for (const f of g.findings) out.push(...findingLines(f, input, paint, opts.sourceLine));
      out.push("");
    }
  }
  if (input.grouped?.length) {
    out.push(paint("bold", "system namespaces"));
    for (const g of input.grouped) out.push(`  ${noiseLine(g)}`);
    out.push(
      paint("dim", "  (latent risks of what the distribution runs, counted; --include-system lists them)"),
      "",
    );
  }
  out.push(...unexplainedLines(input.unexplained ?? [], paint));
  if (opts.showSuppressed && input.suppressed.length) {
    out.push(paint("bold", "suppressed findings"));
    for (const s of input.suppressed) {
      const where = locationLabel(s) ?? objectLabel(s.object);
      const severity = input.pitfall(s.pitfall)?.severity ?? "";
      out.push(`  ${paint("dim", severity.padEnd(8))} ${s.pitfall}  ${where}  ${objectLabel(s.object)}`);
      out.push(`${INDENT}${paint("dim", `${s.by ? `by ${s.by}: ` : ""}${s.reason}`)}`);
    }
    out.push("");
  }
  if (input.incomplete?.length) {
    out.push(paint("bold", "not checked"));
    for (const i of input.incomplete) out.push(`  ${i.resource}: ${i.reason}`);
    out.push("");
  }
  out.push(summaryLine(input, paint));
  return `${out.join("\n")}\n`;
}

/** Findings by file (manifests) or by object (live); `byObject` groups dump findings by object too. */
/** `kube-system: 14 latent risks (6 CRITICAL, 8 HIGH): k3s-clusterip-broken-from-inside-pods, resource-starvation`. */
function noiseLine(g: NoiseGroup): string {
  const counts = SEVERITIES.filter((s) => g.severities[s]).map((s) => `${g.severities[s]} ${s}`);
  const where = `${g.context ? `${g.context}: ` : ""}${g.namespace}`;
  return `${where}: ${plural(g.findings, "latent risk")} (${counts.join(", ")}): ${g.pitfalls.join(", ")}`;
}

function groupsOf(input: ReportInput, byObject = false): Group[] {
  const groups = new Map<string, Group>();
  const group = (key: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { key, findings: [], diagnostics: [], rank: 99 };
      groups.set(key, g);
    }
    return g;
  };
  for (const f of input.findings) {
    const g = group(byObject ? groupKeyOfObject(f) : (f.file ?? groupKeyOfObject(f)));
    g.findings.push(f);
    g.rank = Math.min(g.rank, severityRank(f.severity));
  }
  for (const d of input.diagnostics) {
    const g = group(d.file);
    g.diagnostics.push(d);
    g.rank = Math.min(g.rank, d.severity === "error" ? 10 : 11);
  }
  const list = [...groups.values()];
  for (const g of list) {
    g.findings.sort(compareFindings);
    g.diagnostics.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  }
  return list.sort((a, b) => a.rank - b.rank || a.key.localeCompare(b.key));
}

function groupKeyOfObject(f: Finding): string {
  return `${f.context ? `${f.context}: ` : ""}${objectLabel(f.object)}`;
}

function diagnosticLine(paint: Paint, d: Diagnostic): string {
  // Line 0 means the problem has no line (e.g. a rule, not a file).
  const where = d.line > 0 ? `${d.file}:${d.line}${d.column === undefined ? "" : `:${d.column}`}` : d.file;
  const label = d.severity === "error" ? paint("red", "error   ") : paint("yellow", "warning ");
  return `  ${label} ${where}  ${d.message}`;
}

function findingLines(f: Finding, input: ReportInput, paint: Paint, sourceLine?: SourceLine): string[] {
  const pitfall = input.pitfall(f.pitfall);
  const title = pitfall?.title ?? f.pitfall;
  const lines = [
    `  ${severityLabel(paint, f.severity)} ${paint("bold", title)} ${paint("dim", `(${f.pitfall})`)}`,
  ];
  const where = [
    locationLabel(f),
    objectLabel(f.object),
    f.container ? `container ${f.container}` : undefined,
  ].filter(Boolean);
  lines.push(`${INDENT}${paint("cyan", where.join(" · "))}`);
  lines.push(`${INDENT}${f.message}`);
  const quoted = f.file && f.line !== undefined ? sourceLine?.(f.file, f.line) : undefined;
  if (quoted !== undefined) lines.push(`${INDENT}${paint("dim", `${f.line} |`)} ${quoted.trimEnd()}`);
  for (const e of f.evidence ?? []) {
    // `hostNetwork: true` as evidence says nothing the quoted line has not already shown.
    if (quoted !== undefined && repeatsLine(e.text, quoted)) continue;
    const from = e.source ? ` (${e.source})` : "";
    lines.push(`${INDENT}${paint("dim", `${e.kind}${from}:`)} ${e.text}`);
  }
  for (const s of shownSteps(f, pitfall, input.live ?? f.file === undefined)) {
    const kind = paint(s.kind === "RUN" ? "cyan" : "green", `${s.kind}:`);
    const unfilled = s.unfilled?.length ? paint("dim", `  (fill in: ${s.unfilled.join(", ")})`) : "";
    lines.push(`${INDENT}${kind} ${s.text}${unfilled}`);
  }
  return lines;
}

/** One line: counts by severity, suppressed, input errors and warnings. */
function summaryLine(input: ReportInput, paint: Paint = plain): string {
  const errors = input.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = input.diagnostics.length - errors;
  const now = input.findings.filter((f) => f.kind !== "latent");
  const latent = input.findings.filter((f) => f.kind === "latent");
  const n = now.length;
  const files = new Set(now.map((f) => f.file).filter(Boolean)).size;
  const head = n
    ? paint(
        "bold",
        `${plural(n, "finding")} (${countsText(now)})${files ? ` in ${plural(files, "file")}` : ""}`,
      )
    : paint("green", "no findings");
  const parts = [head];
  if (latent.length) parts.push(`${plural(latent.length, "latent risk")} (${countsText(latent)})`);
  const counted = (input.grouped ?? []).reduce((sum, g) => sum + g.findings, 0);
  if (counted) parts.push(`${counted} more in system namespaces, counted`);
  if (input.suppressed.length) parts.push(`${input.suppressed.length} suppressed`);
  if (errors) parts.push(paint("red", plural(errors, "input error")));
  if (warnings) parts.push(plural(warnings, "warning"));
  if (input.unexplained?.length)
    parts.push(paint("red", plural(input.unexplained.length, "unexplained failure")));
  if (input.incomplete?.length) parts.push(paint("yellow", `${input.incomplete.length} not checked`));
  return parts.join(", ");
}
