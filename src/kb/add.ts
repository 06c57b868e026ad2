// Add an entry to a page: validated first, spliced in so the rest stays byte for byte, written atomically under a lock.
import { readFile } from "node:fs/promises";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { lintPage } from "./lint.js";
import type { Diagnostic, Page, Pitfall, StepKind } from "./model.js";
import { pitfallsOf } from "./model.js";
import { parsePage } from "./parse.js";
import { formatProvenance, printPitfall } from "./print.js";

export class EntryError extends Error {
  override name = "EntryError";
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

export interface AddResult {
  /** `added` a new pitfall; `recorded` its ADDED_FROM on an existing one; `unchanged` when already there. */
  action: "added" | "recorded" | "unchanged";
  id: string;
  title: string;
  /** Line of the new entry, or of the new ADDED_FROM line. */
  line: number;
}

/** An entry given as flags; steps in the order they were given. */
export interface EntryFields {
  title: string;
  severity: string;
  zone: string;
  id?: string;
  text?: string[];
  steps: { kind: StepKind; text: string }[];
  addedFrom: string[];
  detect?: string[];
}

/** Write flags as an entry in the page format (rendered-text form; the page's own form is used on insert). */
export function entryText(e: EntryFields): string {
  const lines = [e.title, "", `Severity: ${e.severity}`, `Zone: ${e.zone}`];
  if (e.id) lines.push(`ID: ${e.id}`);
  for (const t of e.text ?? []) lines.push("", ...t.split("\n"));
  // IF opens a paragraph; other steps follow the one before them.
  e.steps.forEach((s, i) => {
    if (i === 0 || s.kind === "IF" || (s.kind !== "THEN" && s.kind !== "RUN" && e.steps[i - 1]!.kind !== s.kind)) lines.push("");
    lines.push(`${s.kind}: ${s.text}`);
  });
  if (e.addedFrom.length) lines.push("", ...e.addedFrom.map((a) => `ADDED_FROM: ${a}`));
  if (e.detect?.length) lines.push("", ...e.detect.map((d) => `DETECT: ${d}`));
  return `${lines.join("\n")}\n`;
}

/** Parse and validate an entry; throws EntryError with its diagnostics when it is not a valid pitfall. */
export function parseEntry(text: string, name = "<entry>"): Pitfall {
  const page = parsePage(text, name);
  const pitfalls = pitfallsOf(page);
  if (pitfalls.length !== 1)
    throw new EntryError(
      `${name}: an entry is one pitfall: a title line, a blank line, then \`Severity: HIGH\`, \`Zone: ALL\`, steps and \`ADDED_FROM: <incident>, <note>\` (found ${pitfalls.length} pitfalls)`,
    );
  const errors = lintPage(page).filter((d) => d.severity === "error" && d.code !== "missing-title");
  if (errors.length) throw new EntryError(`${name}: the entry is not valid`, errors);
  return pitfalls[0]!;
}

/** The new page text with the entry in it, or undefined when nothing changes. */
export function insertEntry(page: Page, entry: Pitfall): { text: string; result: AddResult } {
  const lines = page.text.split("\n");
  const endsWithNewline = page.text.endsWith("\n");
  if (endsWithNewline) lines.pop();
  const existing = pitfallsOf(page).find((p) => p.id === entry.id);
  if (existing) {
    const fresh = entry.addedFrom.filter((a) => !existing.addedFrom.some((b) => b.incident === a.incident && b.note === a.note));
    const base = { id: existing.id, title: existing.title };
    if (!fresh.length) return { text: page.text, result: { action: "unchanged", ...base, line: existing.source.line } };
    const section = page.sections.find((s) => s.kind === "pitfall" && s.pitfall === existing)!;
    const after = existing.addedFrom.at(-1)?.line ?? lastNonBlank(lines, section.start, section.end);
    const line = after + 1;
    lines.splice(after, 0, ...fresh.map(formatProvenance));
    return { text: joinLines(lines, endsWithNewline), result: { action: "recorded", ...base, line } };
  }
  const printed = printPitfall(entry, page.form).split("\n");
  const gap = page.form === "markdown" ? [""] : ["", ""];
  const trailing = trailingPlainSection(page);
  let line: number;
  if (trailing) {
    // Before a trailing section such as Cross-References; the blank lines above it now sit above the entry.
    line = trailing.start;
    lines.splice(trailing.start - 1, 0, ...printed, ...gap);
  } else {
    const last = lastNonBlank(lines, 1, lines.length);
    lines.length = last;
    line = last + gap.length + 1;
    lines.push(...gap, ...printed);
  }
  return { text: joinLines(lines, endsWithNewline), result: { action: "added", id: entry.id, title: entry.title, line } };
}

function trailingPlainSection(page: Page) {
  let lastPitfall = -1;
  page.sections.forEach((s, i) => {
    if (s.kind === "pitfall") lastPitfall = i;
  });
  const next = page.sections[lastPitfall + 1];
  if (lastPitfall >= 0) return next;
  // No pitfalls yet: keep a references section last.
  const last = page.sections.at(-1);
  return last && /reference|see also|related/i.test(last.kind === "plain" ? last.section.title : "") ? last : undefined;
}

function lastNonBlank(lines: string[], from: number, to: number): number {
  for (let i = Math.min(to, lines.length); i >= from; i--) if (lines[i - 1]!.trim() !== "") return i;
  return from;
}

function joinLines(lines: string[], endsWithNewline: boolean): string {
  return lines.join("\n") + (endsWithNewline ? "\n" : "");
}

export interface AddOptions {
  /** How long to wait for other writers, in ms (default 30 s). */
  lockWait?: number;
}

/** Add an entry to a page file, atomically (temp file, fsync, rename) and under a lock. */
export async function addEntry(pageFile: string, entry: Pitfall, opts: AddOptions = {}): Promise<AddResult> {
  const wait = opts.lockWait ?? 30_000;
  const release = await lockfile.lock(pageFile, {
    stale: 10_000,
    update: 2_000,
    retries: { retries: Math.ceil(wait / 25), factor: 1, minTimeout: 5, maxTimeout: 25, randomize: true },
  });
  try {
    const text = await readFile(pageFile, "utf8");
    const page = parsePage(text, pageFile);
    const before = new Set(lintPage(page).filter((d) => d.severity === "error").map((d) => d.code));
    const { text: next, result } = insertEntry(page, entry);
    if (result.action === "unchanged") return result;
    // The written page must still read: every old pitfall, the new one, no new kind of error.
    const check = parsePage(next, pageFile);
    const after = lintPage(check).filter((d) => d.severity === "error" && !before.has(d.code));
    const want = pitfallsOf(page).length + (result.action === "added" ? 1 : 0);
    if (pitfallsOf(check).length !== want || after.length)
      throw new EntryError(`adding the entry would damage ${pageFile}; nothing was written`, after);
    await writeFileAtomic(pageFile, next, { fsync: true });
    return result;
  } finally {
    await release();
  }
}
