// Add an entry to a page: validated first, spliced in so the rest stays byte for byte, written atomically under a lock.
import { constants, type Stats } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { lintPage } from "./lint.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { type Page, type Pitfall, pitfallsOf } from "./model.js";
import type { StepKind } from "../model/finding.js";
import { parsePage, structuralLine } from "./parse.js";
import { formatProvenance, printPitfall } from "./print.js";
import lockfile from "proper-lockfile";
import { replaceFile } from "./replace-file.js";
import {
  mergedSteps,
  missingSteps,
  type StepInsertion,
  type StepText,
  stepInsertions,
} from "./merge-steps.js";

export class EntryError extends Error {
  override name = "EntryError";
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** The page cannot be written (read-only, someone else's): refused before anything is written. */
export class PageWriteError extends EntryError {
  override name = "PageWriteError";
}

export interface AddResult {
  /**
   * `added` a new pitfall; `recorded` its ADDED_FROM on an existing one; `merged` its missing steps (and its new
   * ADDED_FROM) into an existing one; `unchanged` when nothing was new.
   */
  action: "added" | "recorded" | "merged" | "unchanged";
  id: string;
  title: string;
  /** Line of the new entry, of the first merged step, or of the new ADDED_FROM line. */
  line: number;
  /** Steps of the entry the existing pitfall lacks, left out (without `mergeSteps`). */
  keptOut?: StepText[];
  /** Steps of the entry appended to the existing pitfall (with `mergeSteps`). */
  merged?: StepText[];
}

export interface InsertOptions {
  /** For an id already on the page: append the entry's steps it lacks instead of leaving them out. */
  mergeSteps?: boolean;
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
  guard?: string[];
}

// Line breaks and control characters (tab aside): in a one-line field they would write extra page lines.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;
const LINE_BREAK = /[\n\r\u000b\u000c\u0085\u2028\u2029]/;

function controlIn(value: string, allowNewline = false): string | undefined {
  const re = allowNewline ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/ : CONTROL;
  const m = re.exec(value);
  if (!m) return undefined;
  const code = `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return `${LINE_BREAK.test(m[0]) ? "a line break" : "a control character"} (${code}) at character ${m.index + 1}`;
}

/** Every field of a flags entry checked: one-line fields stay on one line; prose cannot hold page structure. */
function fieldProblems(e: EntryFields): string[] {
  const out: string[] = [];
  const oneLine = (field: string, value: string | undefined) => {
    const bad = value === undefined ? undefined : controlIn(value);
    if (bad) out.push(`${field}: ${bad}; a one-line field must stay on one line, without control characters`);
  };
  const numbered = (name: string, list: unknown[], i: number) =>
    list.length > 1 ? `${name} ${i + 1}` : name;
  oneLine("title", e.title);
  oneLine("severity", e.severity);
  oneLine("zone", e.zone);
  oneLine("id", e.id);
  for (const [i, s] of e.steps.entries()) oneLine(`step ${i + 1} (${s.kind})`, s.text);
  for (const [i, a] of e.addedFrom.entries()) oneLine(numbered("added-from", e.addedFrom, i), a);
  for (const [i, d] of (e.detect ?? []).entries()) oneLine(numbered("detect", e.detect!, i), d);
  for (const [i, g] of (e.guard ?? []).entries()) oneLine(numbered("guard", e.guard!, i), g);
  for (const [i, t] of (e.text ?? []).entries()) {
    const field = numbered("text", e.text!, i);
    const bad = controlIn(t.replace(/\r\n/g, "\n"), true);
    if (bad) {
      out.push(`${field}: ${bad}; write plain text`);
      continue;
    }
    for (const [j, line] of t.split(/\r?\n/).entries()) {
      const reads = line.trim() ? structuralLine(line) : "a blank line, which ends the paragraph";
      if (reads)
        out.push(
          `${field}: line ${j + 1} would be read as ${reads} (${JSON.stringify(line)}); give one paragraph per text, and steps and fields as their own flags`,
        );
    }
  }
  return out;
}

/** Write flags as an entry in the page format (rendered-text form; the page's own form is used on insert). */
export function entryText(e: EntryFields): string {
  const problems = fieldProblems(e);
  if (problems.length) throw new EntryError(`${problems.join("; ")}; nothing was written`);
  const lines = [e.title, "", `Severity: ${e.severity}`, `Zone: ${e.zone}`];
  if (e.id) lines.push(`ID: ${e.id}`);
  for (const t of e.text ?? []) lines.push("", ...t.split(/\r?\n/));
  // IF opens a paragraph; other steps follow the one before them.
  e.steps.forEach((s, i) => {
    if (
      i === 0 ||
      s.kind === "IF" ||
      (s.kind !== "THEN" && s.kind !== "RUN" && e.steps[i - 1]!.kind !== s.kind)
    )
      lines.push("");
    lines.push(`${s.kind}: ${s.text}`);
  });
  if (e.addedFrom.length) lines.push("", ...e.addedFrom.map((a) => `ADDED_FROM: ${a}`));
  if (e.detect?.length) lines.push("", ...e.detect.map((d) => `DETECT: ${d}`));
  if (e.guard?.length) lines.push(...(e.detect?.length ? [] : [""]), ...e.guard.map((g) => `GUARD: ${g}`));
  return `${lines.join("\n")}\n`;
}

/** Parse and validate an entry; throws EntryError with its diagnostics when it is not a valid pitfall. */
export function parseEntry(text: string, name = "<entry>"): Pitfall {
  const control = controlLines(text, name);
  if (control.length)
    throw new EntryError(`${name}: the entry holds control characters; nothing was written`, control);
  const page = parsePage(text, name);
  const pitfalls = pitfallsOf(page);
  if (pitfalls.length !== 1)
    throw new EntryError(
      `${name}: an entry is one pitfall: a title line, a blank line, then \`Severity: HIGH\`, \`Zone: ALL\`, steps and \`ADDED_FROM: <incident>, <note>\` (found ${pitfalls.length} pitfalls)`,
    );
  const errors = lintPage(page).filter((d) => d.severity === "error" && d.code !== "missing-title");
  if (errors.length) throw new EntryError(`${name}: the entry is not valid`, errors);
  const entry = pitfalls[0]!;
  // Printed as the page will hold it, the entry must read back the same: no field or step gained or lost.
  const again = pitfallsOf(parsePage(printPitfall(entry, page.form), name));
  const drift = shapeDrift([entry], again);
  if (drift)
    throw new EntryError(`${name}: the entry would not read back as written (${drift}); nothing was written`);
  return entry;
}

/** Control characters other than tab and line ends, each as a diagnostic on its line. */
function controlLines(text: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const bad = controlIn(line);
    if (bad)
      out.push({
        file,
        line: i + 1,
        severity: "error",
        code: "control-character",
        message: `${bad}: remove it; a page holds plain text only`,
      });
  });
  return out;
}

/** The lines that make a pitfall what it is: title, id, fields, steps, provenance, DETECT, GUARD. */
function shapeOf(p: Pitfall): string[] {
  return [
    `title ${p.title}`,
    `id ${p.id}`,
    ...p.meta.map((f) => `${f.key}: ${f.value}`),
    ...p.steps.map((s) => `${s.kind}: ${s.text}`),
    ...p.addedFrom.map(formatProvenance),
    ...p.detect.map((d) => `DETECT: ${d.expr}`),
    ...p.guard.map((g) => `GUARD: ${g.expr}`),
  ];
}

/** What differs between two lists of pitfalls, said in a few words; undefined when they read the same. */
function shapeDrift(want: Pitfall[], got: Pitfall[]): string | undefined {
  if (want.length !== got.length) return `${got.length} pitfalls instead of ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = shapeOf(want[i]!);
    const b = shapeOf(got[i]!);
    if (a.join("\n") === b.join("\n")) continue;
    const gained = b.filter((l) => !a.includes(l));
    const lost = a.filter((l) => !b.includes(l));
    const some = (lines: string[]) =>
      lines
        .slice(0, 3)
        .map((l) => JSON.stringify(l))
        .join(", ") + (lines.length > 3 ? ` and ${lines.length - 3} more` : "");
    const parts = [
      gained.length ? `it would gain ${some(gained)}` : "",
      lost.length ? `lose ${some(lost)}` : "",
    ].filter(Boolean);
    return `${want[i]!.title}: ${parts.join(" and ") || "its lines would change order"}`;
  }
  return undefined;
}

/** The new page text with the entry in it (the same text when nothing changes). */
export function insertEntry(
  page: Page,
  entry: Pitfall,
  opts: InsertOptions = {},
): { text: string; result: AddResult; steps?: StepText[] } {
  const lines = page.text.split("\n");
  const endsWithNewline = page.text.endsWith("\n");
  if (endsWithNewline) lines.pop();
  const existing = pitfallsOf(page).find((p) => p.id === entry.id);
  if (existing) return intoExisting(page, lines, endsWithNewline, existing, entry, opts);
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
  return {
    text: joinLines(lines, endsWithNewline),
    result: { action: "added", id: entry.id, title: entry.title, line },
  };
}

/** An entry whose id is on the page: its new ADDED_FROM lines, and its missing steps when asked to merge them. */
function intoExisting(
  page: Page,
  lines: string[],
  endsWithNewline: boolean,
  existing: Pitfall,
  entry: Pitfall,
  opts: InsertOptions,
): { text: string; result: AddResult; steps?: StepText[] } {
  const fresh = entry.addedFrom.filter(
    (a) => !existing.addedFrom.some((b) => b.incident === a.incident && b.note === a.note),
  );
  const base = { id: existing.id, title: existing.title };
  const missing = missingSteps(existing, entry);
  const section = page.sections.find((s) => s.kind === "pitfall" && s.pitfall === existing)!;
  const end = lastNonBlank(lines, section.start, section.end);
  const merging = opts.mergeSteps === true && missing.length > 0;
  // Without ADDED_FROM lines, new steps go below the fields and prose, before anything else is written.
  const insertions: StepInsertion[] = merging
    ? stepInsertions(
        existing,
        entry,
        existing.addedFrom[0] ? lastNonBlank(lines, section.start, existing.addedFrom[0].line - 1) : end,
      )
    : [];
  const kept = merging || !missing.length ? {} : { keptOut: missing };
  if (!fresh.length && !insertions.length)
    return { text: page.text, result: { action: "unchanged", ...base, line: existing.source.line, ...kept } };
  const after = existing.addedFrom.at(-1)?.line ?? end;
  // Bottom first, so the line numbers above stay true; at the same line the steps go above the ADDED_FROM lines.
  const edits: { after: number; lines: string[] }[] = [
    ...(fresh.length ? [{ after, lines: fresh.map(formatProvenance) }] : []),
    ...insertions,
  ].sort((a, b) => b.after - a.after);
  for (const e of edits) lines.splice(e.after, 0, ...e.lines);
  const text = joinLines(lines, endsWithNewline);
  if (!merging) {
    const line = after + 1;
    return { text, result: { action: "recorded", ...base, line, ...kept } };
  }
  const steps = mergedSteps(existing, insertions);
  const firstAfter = insertions[0]!.after;
  const shift = fresh.length && after < firstAfter ? fresh.length : 0;
  const line = firstAfter + shift + (insertions[0]!.lines[0] === "" ? 2 : 1);
  return { text, result: { action: "merged", ...base, line, merged: missing }, steps };
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
  return last && /reference|see also|related/i.test(last.kind === "plain" ? last.section.title : "")
    ? last
    : undefined;
}

function lastNonBlank(lines: string[], from: number, to: number): number {
  for (let i = Math.min(to, lines.length); i >= from; i--) if (lines[i - 1]!.trim() !== "") return i;
  return from;
}

function joinLines(lines: string[], endsWithNewline: boolean): string {
  return lines.join("\n") + (endsWithNewline ? "\n" : "");
}

export interface AddOptions extends InsertOptions {
  /** How long to wait for other writers, in ms (default 30 s). */
  lockWait?: number;
  /** Called once the new page is written to its temp file, before it replaces the page (a test hook). */
  beforeRename?: (tempFile: string) => Promise<void>;
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
    const st = await writableStat(pageFile);
    const text = await readFile(pageFile, "utf8");
    const page = parsePage(text, pageFile);
    const before = new Set(
      lintPage(page)
        .filter((d) => d.severity === "error")
        .map((d) => d.code),
    );
    const { text: next, result, steps } = insertEntry(page, entry, opts);
    if (result.action === "unchanged") return result;
    // The written page must read as before plus the entry: same form, every old pitfall as it was, no new kind of error.
    const check = parsePage(next, pageFile);
    const drift =
      check.form !== page.form
        ? `the whole page would read as ${check.form} instead of ${page.form}`
        : shapeDrift(expected(page, entry, result, steps), pitfallsOf(check));
    if (drift)
      throw new EntryError(
        `adding the entry would change what ${pageFile} says (${drift}); nothing was written`,
      );
    const after = lintPage(check).filter((d) => d.severity === "error" && !before.has(d.code));
    if (after.length)
      throw new EntryError(`adding the entry would damage ${pageFile}; nothing was written`, after);
    // The replacement keeps the page's mode and owner.
    await replaceFile(pageFile, next, {
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      ...(opts.beforeRename ? { beforeRename: opts.beforeRename } : {}),
    });
    return result;
  } finally {
    await release();
  }
}

/** The pitfalls the page should hold once the entry is in: the old ones, with the new one or its new lines. */
function expected(page: Page, entry: Pitfall, result: AddResult, steps: StepText[] | undefined): Pitfall[] {
  const old = pitfallsOf(page);
  if (result.action === "added") return [...old, entry];
  return old.map((p) =>
    p.id !== result.id
      ? p
      : {
          ...p,
          ...(steps ? { steps: steps.map((st) => ({ ...st, line: 0, group: -1 })) } : {}),
          addedFrom: [
            ...p.addedFrom,
            ...entry.addedFrom.filter(
              (a) => !p.addedFrom.some((b) => b.incident === a.incident && b.note === a.note),
            ),
          ],
        },
  );
}

/** The page's stat when this process may replace it; a read-only page, or one it cannot or may not own, is refused. */
async function writableStat(pageFile: string): Promise<Stats> {
  const st = await stat(pageFile);
  const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
  const uid = process.getuid?.();
  // Root may write anything, so the mode bits, not access(2), say whether the page is meant to be written.
  if ((st.mode & 0o222) === 0 || (uid !== undefined && uid === st.uid && (st.mode & 0o200) === 0))
    throw new PageWriteError(
      `${pageFile} is read-only (mode ${mode}); nothing was written. Make it writable (chmod u+w) if it should take entries`,
    );
  if (uid === undefined || uid === 0) return st;
  const writable = await access(pageFile, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable)
    throw new PageWriteError(
      `${pageFile} is not writable by this user (mode ${mode}, owner uid ${st.uid}); nothing was written`,
    );
  if (st.uid !== uid)
    throw new PageWriteError(
      `${pageFile} belongs to uid ${st.uid}; replacing it would make it this user's (uid ${uid}); nothing was written. Run kb add as its owner`,
    );
  const groups = [process.getgid?.(), ...(process.getgroups?.() ?? [])];
  if (!groups.includes(st.gid))
    throw new PageWriteError(
      `${pageFile} has group gid ${st.gid}, which this user is not in; replacing it would change its group; nothing was written. Run kb add as its owner, or chgrp it to one of your groups`,
    );
  return st;
}
