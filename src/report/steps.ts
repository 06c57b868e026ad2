// Which steps a report shows under a finding, and a pitfall's help text for SARIF and Markdown.
import type { Pitfall, Step } from "../kb/model.js";
import type { Finding, RunbookStep } from "../model/finding.js";

/**
 * Steps shown under a finding. A live finding gets its whole filled runbook. A manifest finding is met before
 * deploy, so it gets what a fix needs (a dump's findings are live ones: `all` says so): the FIX and CHECK lines;
 * when the page has neither, its THEN lines, each with the whole IF group it belongs to, since a THEN read
 * without its IF can say the opposite of the finding ("lower refreshInterval" under "refreshes too often").
 */
export function shownSteps(
  finding: Finding,
  pitfall: Pitfall | undefined,
  all = finding.file === undefined,
): RunbookStep[] {
  const steps: RunbookStep[] = finding.runbook?.length
    ? finding.runbook
    : (pitfall?.steps.map((s) => ({ kind: s.kind, text: s.text })) ?? []);
  if (all) return steps;
  const fixes = steps.filter((s) => s.kind === "FIX" || s.kind === "CHECK");
  if (fixes.length) return fixes;
  const groups = groupsOf(steps, pitfall);
  const wanted = new Set(steps.flatMap((s, i) => (s.kind === "THEN" ? [groups[i] ?? -1] : [])));
  return steps.filter((s, i) => {
    const group = groups[i] ?? -1;
    return group === -1 ? s.kind === "THEN" : wanted.has(group);
  });
}

/**
 * The IF group of each step (-1 alone): the page's own grouping when the runbook is the page's steps filled
 * one for one, else an IF and the THEN/RUN lines after it.
 */
function groupsOf(steps: RunbookStep[], pitfall: Pitfall | undefined): number[] {
  const page = pitfall?.steps;
  if (page && page.length === steps.length && page.every((p, i) => p.kind === steps[i]?.kind))
    return page.map((p) => p.group);
  let group = -1;
  let next = 0;
  return steps.map((s) => {
    if (s.kind === "IF") group = next++;
    else if (s.kind !== "THEN" && s.kind !== "RUN") group = -1;
    return group;
  });
}

/** The pitfall's prose paragraphs, joined as written. */
export function proseOf(p: Pitfall): string[] {
  return p.blocks.filter((b) => b.type === "prose").map((b) => b.text.replace(/\s*\n\s*/g, " "));
}

function stepLine(s: Pick<Step, "kind" | "text">): string {
  return `${s.kind}: ${s.text}`;
}

/** Plain-text help: prose, then every step in page order. */
export function helpText(p: Pitfall): string {
  const parts = [p.title, "", ...proseOf(p).flatMap((t) => [t, ""]), ...p.steps.map(stepLine)];
  return parts.join("\n").trimEnd();
}

/** Markdown help (GitHub code scanning shows it beside the alert): prose, steps, code snippets. */
export function helpMarkdown(p: Pitfall): string {
  const out: string[] = [`**${escapeMarkdown(p.title)}** (${p.severity}, zone ${p.zones.text || "ALL"})`, ""];
  for (const b of p.blocks) {
    if (b.type === "prose") out.push(escapeMarkdown(b.text.replace(/\s*\n\s*/g, " ")), "");
    else if (b.type === "code") out.push(`\`\`\`${b.lang ?? ""}`, b.text, "```", "");
    else
      out.push(
        ...(b.intro ? [escapeMarkdown(b.intro)] : []),
        ...b.items.map((i) => `- ${escapeMarkdown(i)}`),
        "",
      );
  }
  if (p.steps.length) out.push(...p.steps.map((s) => `- ${stepMarkdown(s)}`), "");
  return out.join("\n").trimEnd();
}

/** `**RUN:** \`cmd\`` for commands, `**FIX:** text` for the rest. */
export function stepMarkdown(s: Pick<Step, "kind" | "text">): string {
  return s.kind === "RUN" ? `**RUN:** ${inlineCode(s.text)}` : `**${s.kind}:** ${escapeMarkdown(s.text)}`;
}

/** Backtick span that survives backticks inside the text. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Keeps page text from turning into HTML or tables in a comment. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[<>&|]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "|": "\\|" })[c]!);
}
