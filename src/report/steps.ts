// Which steps a report shows under a finding, and a pitfall's help text for SARIF and Markdown.
import type { Pitfall, Step } from "../kb/model.js";
import type { StepKind, Finding, RunbookStep } from "../model/finding.js";

/**
 * Steps shown under a finding. A live finding gets its whole filled runbook. A manifest finding is met before
 * deploy, so it gets what a fix needs (a dump's findings are live ones: `all` says so): the FIX and CHECK lines; THEN lines when the page has neither.
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
  const pick = (kinds: StepKind[]) => steps.filter((s) => kinds.includes(s.kind));
  const fixes = pick(["FIX", "CHECK"]);
  return fixes.length ? fixes : pick(["THEN"]);
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
