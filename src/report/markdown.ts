// A pull-request comment: a summary table, then one collapsible block per finding with its steps.
import { compareFindings, type Finding } from "../model/finding.js";
import { countsText, locationLabel, objectLabel, plural, repeatsLine } from "./labels.js";
import { escapeMarkdown, inlineCode, shownSteps, stepMarkdown } from "./steps.js";
import type { ReportInput, SourceLine } from "./types.js";
import { visibleReport, visibleSourceLine } from "./visible.js";

export interface MarkdownOptions {
  sourceLine?: SourceLine;
  /** GitHub refuses comments over 65,536 characters; details stop before this. */
  maxLength?: number;
  showSuppressed?: boolean;
}

const DEFAULT_MAX = 60_000;

export function formatMarkdown(given: ReportInput, givenOpts: MarkdownOptions = {}): string {
  const input = visibleReport(given);
  const sourceLine = visibleSourceLine(givenOpts.sourceLine);
  const opts: MarkdownOptions = { ...givenOpts, ...(sourceLine ? { sourceLine } : {}) };
  const max = opts.maxLength ?? DEFAULT_MAX;
  const findings = [...input.findings].sort(compareFindings);
  const errors = input.diagnostics.filter((d) => d.severity === "error");
  const out: string[] = [`### pitfall: ${headline(input)}`, ""];

  if (findings.length) {
    out.push("| Severity | Pitfall | Object | Where |", "| --- | --- | --- | --- |");
    // The table gets at most half the room; the details take what is left.
    let room = max / 2;
    let rows = 0;
    for (const f of findings) {
      const row = tableRow(f, input);
      room -= row.length + 1;
      if (room < 0) break;
      out.push(row);
      rows++;
    }
    if (rows < findings.length) out.push(`| | _${plural(findings.length - rows, "more finding")}_ | | |`);
    out.push("");
  }
  if (errors.length) {
    out.push("**Input errors**", "");
    for (const d of errors) out.push(`- ${inlineCode(`${d.file}:${d.line}`)} ${escapeMarkdown(d.message)}`);
    out.push("");
  }

  let shown = 0;
  let length = out.join("\n").length;
  for (const f of findings) {
    const block = details(f, input, opts.sourceLine);
    length += block.length + 2;
    if (length > max) break;
    out.push(block, "");
    shown++;
  }
  if (shown < findings.length)
    out.push(
      `_${plural(findings.length - shown, "more finding")} not detailed here (comment size limit); run \`pitfall lint\` locally._`,
      "",
    );

  if (opts.showSuppressed && input.suppressed.length) {
    out.push("<details>", `<summary>${plural(input.suppressed.length, "suppressed finding")}</summary>`, "");
    for (const s of input.suppressed) {
      const where = locationLabel(s);
      out.push(
        `- ${s.pitfall} · ${escapeMarkdown(objectLabel(s.object))}${where ? ` · ${inlineCode(where)}` : ""}: ${escapeMarkdown(s.reason)}`,
      );
    }
    out.push("", "</details>", "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function tableRow(f: Finding, input: ReportInput): string {
  const title = input.pitfall(f.pitfall)?.title ?? f.pitfall;
  const where = locationLabel(f);
  const container = f.container ? ` (${escapeMarkdown(f.container)})` : "";
  return `| ${f.severity} | ${escapeMarkdown(title)} | ${escapeMarkdown(objectLabel(f.object))}${container} | ${where ? inlineCode(where) : ""} |`;
}

function headline(input: ReportInput): string {
  const n = input.findings.length;
  const parts = [n ? `${plural(n, "finding")} (${countsText(input.findings)})` : "no findings"];
  if (input.suppressed.length) parts.push(`${input.suppressed.length} suppressed`);
  const errors = input.diagnostics.filter((d) => d.severity === "error").length;
  if (errors) parts.push(plural(errors, "input error"));
  return parts.join(", ");
}

function details(f: Finding, input: ReportInput, sourceLine?: SourceLine): string {
  const pitfall = input.pitfall(f.pitfall);
  const title = pitfall?.title ?? f.pitfall;
  const where = locationLabel(f);
  const summary = `<b>${f.severity}</b> ${escapeHtml(title)} · ${escapeHtml(objectLabel(f.object))}${where ? ` · <code>${escapeHtml(where)}</code>` : ""}`;
  const body: string[] = ["<details>", `<summary>${summary}</summary>`, "", escapeMarkdown(f.message), ""];
  const quoted = f.file && f.line !== undefined ? sourceLine?.(f.file, f.line) : undefined;
  if (quoted !== undefined) body.push("```yaml", `${quoted.trimEnd()}`, "```", "");
  const evidence = (f.evidence ?? []).filter((e) => quoted === undefined || !repeatsLine(e.text, quoted));
  for (const e of evidence) body.push(`- _${escapeMarkdown(e.kind)}_: ${escapeMarkdown(e.text)}`);
  if (evidence.length) body.push("");
  const steps = shownSteps(f, pitfall, input.live ?? f.file === undefined);
  const unfilled = (s: { unfilled?: string[] }) =>
    s.unfilled?.length ? ` _(fill in: ${escapeMarkdown(s.unfilled.join(", "))})_` : "";
  if (steps.length) body.push(...steps.map((s) => `- ${stepMarkdown(s)}${unfilled(s)}`), "");
  body.push(
    `Pitfall: ${inlineCode(f.pitfall)}${f.container ? ` · container ${inlineCode(f.container)}` : ""}`,
    "",
    "</details>",
  );
  return body.join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
