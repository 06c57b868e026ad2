// Page lint: every mistake with its line and what to write instead.
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Diagnostic } from "../model/diagnostic.js";
import { STEP_KINDS } from "../model/finding.js";
import { celLineProblems } from "./cel-lines.js";
import { type Page, type Pitfall, type Step, pitfallsOf } from "./model.js";
import { closest } from "./near.js";

export interface PageLintOptions {
  /** Today, for LAST_VERIFIED; tests pin it. */
  now?: Date;
  /** LAST_VERIFIED older than this many days is a warning. */
  maxAgeDays?: number;
  /** Wiki root: when given, READ_ALSO paths must exist under it. */
  wikiRoot?: string;
}

const KNOWN_KEYS = [...STEP_KINDS, "ADDED_FROM", "DETECT", "GUARD", "ID", "Severity", "Zone", "Zones"];
/** Brace contents that look like a meant placeholder (words, spaces, dashes) but are not in form. */
const NEAR_PLACEHOLDER = /^[\w\s-]*$/;
const GOOD_PLACEHOLDER = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

export function lintPage(page: Page, opts: PageLintOptions = {}): Diagnostic[] {
  const file = page.file;
  // A file that is one entry and nothing else (what `kb add --from` takes) needs no page title.
  const out: Diagnostic[] = isEntry(page)
    ? page.diagnostics.filter((d) => !(d.code === "missing-title" && d.line === 1))
    : [...page.diagnostics];
  const err = (line: number, code: string, message: string, column?: number) =>
    out.push({ file, line, severity: "error", code, message, ...(column ? { column } : {}) });
  const warn = (line: number, code: string, message: string) =>
    out.push({ file, line, severity: "warning", code, message });

  const seen = new Map<string, Pitfall>();
  for (const p of pitfallsOf(page)) {
    const first = seen.get(p.id);
    if (first)
      err(
        p.source.line,
        "duplicate-id",
        `pitfall id "${p.id}" is already used at line ${first.source.line}: merge the two, or give this one its own \`ID:\` line`,
      );
    else seen.set(p.id, p);
    if (!p.title) err(p.source.line, "missing-title", "pitfall has no title");
    if (p.addedFrom.length === 0)
      err(
        p.source.line,
        "missing-added-from",
        "pitfall has no ADDED_FROM line: add `ADDED_FROM: <incident-id>, <what happened>` so readers can trace it",
      );
    for (const a of p.addedFrom)
      if (!a.incident)
        err(
          a.line,
          "empty-added-from",
          "ADDED_FROM needs an incident id: `ADDED_FROM: <incident-id>, <what happened>`",
        );
    lintSteps(p.steps, err, warn);
    for (const f of p.meta) {
      if (KNOWN_KEYS.includes(f.key)) continue;
      const near = closest(f.key, KNOWN_KEYS);
      if (near) warn(f.line, "unknown-key", `unknown line key ${f.key}: did you mean ${near}?`);
    }
    for (const d of p.detect)
      for (const problem of celLineProblems("DETECT", d.expr))
        err(d.line, problem.code, problem.message, problem.column);
    for (const g of p.guard)
      for (const problem of celLineProblems("GUARD", g.expr))
        err(g.line, problem.code, problem.message, problem.column);
    if (page.zoneMap.length && !p.zones.all)
      for (const z of p.zones.zones)
        if (!page.zoneMap.some((m) => m.zone === z)) {
          const line = p.meta.find((f) => /^Zones?$/.test(f.key))?.line ?? p.source.line;
          warn(
            line,
            "unknown-zone",
            `zone ${z} is not in the page header's zone map (${page.zoneMap.map((m) => m.zone).join(", ")})`,
          );
        }
  }
  for (const s of page.sections) if (s.kind === "plain") lintSteps(s.section.steps, err, warn);

  const all = [
    ...pitfallsOf(page).flatMap((p) => p.steps),
    ...page.sections.flatMap((s) => (s.kind === "plain" ? s.section.steps : [])),
  ];
  for (const s of all) lintPlaceholders(s, err);
  if (opts.wikiRoot) {
    for (const s of all)
      if (s.kind === "READ_ALSO" && !readAlsoExists(s.text, opts.wikiRoot))
        err(
          s.line,
          "read-also-missing",
          `READ_ALSO points nowhere: ${s.text} does not exist under ${opts.wikiRoot}`,
        );
  }
  lintLastVerified(page, opts, err, warn);
  return out.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
}

/** One pitfall section, no page title, header fields or prose before it: an entry, not a page. */
function isEntry(page: Page): boolean {
  return (
    !page.title &&
    !page.meta.length &&
    !page.intro.length &&
    page.sections.length === 1 &&
    page.sections[0]!.kind === "pitfall"
  );
}

type Report = (line: number, code: string, message: string, column?: number) => void;

function lintSteps(steps: Step[], err: Report, warn: Report): void {
  steps.forEach((s, i) => {
    const prev = steps[i - 1];
    const below = prev && prev.line === s.line - 1 ? prev : undefined;
    if (!s.text.trim())
      err(
        s.line,
        "empty-step",
        `${s.kind} has no text: write \`${s.kind}: <what to do>\` or remove the line`,
      );
    if (s.kind === "THEN" && s.group < 0 && !(below && (below.kind === "FIX" || below.kind === "CHECK")))
      err(
        s.line,
        "then-without-if",
        "THEN has no IF: start the block with `IF: <condition>` on the line right above",
      );
    if (s.kind === "RUN" && s.group < 0 && !below)
      err(
        s.line,
        "run-without-step",
        "RUN has no step it carries out: put it right below the IF/THEN or FIX it belongs to",
      );
    if (s.kind === "IF") {
      const next = steps[i + 1];
      if (!next || next.group !== s.group || next.kind === "IF")
        warn(s.line, "if-without-then", "IF has no THEN or RUN below it: say what to do when it holds");
    }
  });
}

function lintPlaceholders(s: Step, err: Report): void {
  const prefix = `${s.kind}: `.length;
  for (const m of s.text.matchAll(/\$?\{([^{}]*)\}/g)) {
    if (m[0].startsWith("$")) continue;
    const inner = m[1]!;
    if (GOOD_PLACEHOLDER.test(inner) || !NEAR_PLACEHOLDER.test(inner)) continue;
    const fixed = inner
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-");
    err(
      s.line,
      "bad-placeholder",
      `malformed placeholder {${inner}}: write lower-case words joined by '-', e.g. {${fixed || "pod-name"}}`,
      prefix + m.index! + 1,
    );
  }
  // An opening brace that never closes, e.g. `{pod-name -n x`.
  for (let i = s.text.indexOf("{"); i >= 0; i = s.text.indexOf("{", i + 1)) {
    if (s.text[i - 1] === "$") continue;
    const close = s.text.indexOf("}", i);
    const reopen = s.text.indexOf("{", i + 1);
    const word = /^[a-z][\w-]*/i.exec(s.text.slice(i + 1))?.[0];
    if (word && (close < 0 || (reopen >= 0 && reopen < close)))
      err(s.line, "bad-placeholder", `placeholder {${word} is not closed: write {${word}}`, prefix + i + 1);
  }
}

function readAlsoExists(target: string, root: string): boolean {
  const path = target.trim().split(/\s+/)[0]!;
  if (/^[a-z]+:\/\//i.test(path)) return true;
  const candidates = [join(root, path)];
  // Pages often write `wiki/docs/...` while the root given is the `wiki` folder itself.
  if (path.startsWith(`${basename(root)}/`)) candidates.push(join(dirname(root), path));
  return candidates.some((c) => existsSync(c));
}

function lintLastVerified(page: Page, opts: PageLintOptions, err: Report, warn: Report): void {
  const f = page.meta.find((m) => m.key === "LAST_VERIFIED");
  if (!f) return;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(f.value.trim());
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(m?.[3])) {
    err(
      f.line,
      "bad-date",
      `LAST_VERIFIED ${JSON.stringify(f.value)} is not a date: write YYYY-MM-DD, e.g. LAST_VERIFIED: 2026-03-26`,
    );
    return;
  }
  const now = opts.now ?? new Date();
  const days = Math.floor((now.getTime() - date.getTime()) / 86_400_000);
  const max = opts.maxAgeDays ?? 180;
  if (days > max)
    warn(
      f.line,
      "stale-page",
      `LAST_VERIFIED is ${days} days old (more than ${max}): check the page against the clusters and update the date`,
    );
}
