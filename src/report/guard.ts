// A guard answer as text for a person, JSON for a program, and the one reason string an agent's hook shows.
import type { KnowledgeBase } from "../kb/load.js";
import { visible, visibleLines } from "../model/sanitize.js";
import type { RunbookStep } from "../model/finding.js";
import type { GuardMatch, GuardResult } from "../model/guard.js";
import { jsonFinding } from "./json.js";
import { shownSteps } from "./steps.js";
import type { Paint } from "./types.js";

/** The steps a match shows: what to do instead (FIX, CHECK) and the commands to run, in page order. */
export function insteadSteps(m: Pick<GuardMatch, "runbook">): RunbookStep[] {
  return m.runbook.filter((s) => s.kind === "FIX" || s.kind === "CHECK" || s.kind === "RUN");
}

export function formatGuardText(r: GuardResult, kb: KnowledgeBase, paint: Paint): string {
  const out: string[] = [];
  for (const m of r.matches) {
    out.push(
      `${paint("red", "✗")} ${paint("bold", visible(m.title))} (${m.pitfall}, ${m.severity}): ${visible(m.command)}`,
    );
    for (const w of m.why) out.push(`    why: ${visible(w)}`);
    if (m.zoneNote) out.push(`    note: ${visible(m.zoneNote)}`);
    out.push(paint("dim", `    GUARD: ${visible(m.guard)} (${visible(m.source)})`));
    const steps = insteadSteps(m);
    if (steps.length) out.push("    instead:", ...steps.map((s) => `      ${stepText(s, paint)}`));
  }
  for (const f of r.findings) {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ""}` : ""}` : "";
    const title = kb.byId.get(f.pitfall)?.title ?? f.pitfall;
    out.push(
      `${paint("red", "✗")} ${paint("bold", visible(title))} (${f.pitfall}, ${f.severity}): ${visible(where)} ${visible(f.message)}`,
    );
    for (const s of shownSteps(f, kb.byId.get(f.pitfall), false)) out.push(`      ${stepText(s, paint)}`);
  }
  for (const u of r.unchecked)
    out.push(
      `${paint("yellow", "?")} not checked: ${visible(u.title)} (${u.pitfall}) for ${visible(u.command)}: ${visible(u.reason)}`,
    );
  for (const n of r.notes) out.push(`${paint("yellow", "!")} ${visible(n.command)}: ${visible(n.message)}`);
  for (const e of r.errors)
    out.push(`${paint("yellow", "!")} ${visible(e.file)}:${e.line}: ${visible(e.message)}`);
  out.push(summaryLine(r, paint));
  return `${out.join("\n")}\n`;
}

function stepText(s: RunbookStep, paint: Paint): string {
  return `${paint(s.kind === "RUN" ? "cyan" : "bold", `${s.kind}:`)} ${visible(s.text)}`;
}

function summaryLine(r: GuardResult, paint: Paint): string {
  const read = r.commands.map((c) => [c.program, c.verb].filter(Boolean).join(" ")).join(", ") || "nothing";
  if (r.verdict === "match") {
    const n = r.matches.length + r.findings.length;
    return paint(
      "red",
      `do not run it as it is: ${n} ${n === 1 ? "pitfall matches" : "pitfalls match"} (read: ${visible(read)})`,
    );
  }
  if (r.verdict === "unchecked")
    return paint(
      "yellow",
      `no pitfall matches, but not everything could be checked (read: ${visible(read)})`,
    );
  return paint("green", `fine: no pitfall of the page matches (read: ${visible(read)})`);
}

/** Stable JSON: keys in a fixed order, optional keys left out. */
export function guardJson(r: GuardResult): Record<string, unknown> {
  return {
    verdict: r.verdict,
    ...(r.zone !== undefined ? { zone: r.zone } : {}),
    commands: r.commands.map((c) => ({ text: c.text, program: c.program, verb: c.verb })),
    matches: r.matches.map((m) => ({
      pitfall: m.pitfall,
      title: m.title,
      severity: m.severity,
      command: m.command,
      guard: m.guard,
      source: m.source,
      why: m.why,
      ...(m.zoneNote ? { zoneNote: m.zoneNote } : {}),
      runbook: m.runbook.map((s) => ({ kind: s.kind, text: s.text })),
    })),
    findings: r.findings.map(jsonFinding),
    unchecked: r.unchecked.map((u) => ({
      pitfall: u.pitfall,
      title: u.title,
      command: u.command,
      reason: u.reason,
    })),
    notes: r.notes.map((n) => ({ command: n.command, message: n.message })),
    errors: r.errors.map((e) => ({
      file: e.file,
      line: e.line,
      ...(e.column !== undefined ? { column: e.column } : {}),
      code: e.code,
      message: e.message,
    })),
  };
}

/** One reason an agent reads (deny) or a person confirms (ask): each pitfall, why, and what to do instead. */
export function guardReason(r: GuardResult, kb: KnowledgeBase): string {
  const parts: string[] = [];
  for (const m of r.matches) {
    const lines = [`pitfall: ${m.title} (${m.pitfall}, ${m.severity}) matches \`${m.command}\`.`];
    for (const w of m.why) lines.push(`Why: ${w}.`);
    if (m.zoneNote) lines.push(`Note: ${m.zoneNote}.`);
    const steps = insteadSteps(m);
    if (steps.length) lines.push("Instead:", ...steps.map((s) => `${s.kind}: ${s.text}`));
    parts.push(lines.join("\n"));
  }
  for (const f of r.findings) {
    const title = kb.byId.get(f.pitfall)?.title ?? f.pitfall;
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ""}: ` : "";
    const steps = shownSteps(f, kb.byId.get(f.pitfall), false).map((s) => `${s.kind}: ${s.text}`);
    parts.push(
      [
        `pitfall: ${title} (${f.pitfall}, ${f.severity}) in the applied manifests: ${where}${f.message}`,
        ...steps,
      ].join("\n"),
    );
  }
  for (const u of r.unchecked)
    parts.push(`pitfall could not check ${u.title} (${u.pitfall}) for \`${u.command}\`: ${u.reason}.`);
  return visibleLines(parts.join("\n\n"));
}
