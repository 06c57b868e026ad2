// The steps an entry brings to a pitfall already on the page: which ones the page lacks, and where each would go
// so that it joins the block it belongs to (a THEN under its IF) or, when its block is new, follows the last one.
import type { Pitfall, Step } from "./model.js";

/** A step as it is written, without its place on the page. */
export interface StepText {
  kind: Step["kind"];
  text: string;
}

/** Page lines to put after a line of the page (1-based), and the steps they hold, in order. */
export interface StepInsertion {
  after: number;
  lines: string[];
  steps: StepText[];
}

function sameStep(a: StepText, b: StepText): boolean {
  return a.kind === b.kind && a.text.trim().replace(/\s+/g, " ") === b.text.trim().replace(/\s+/g, " ");
}

/** The entry's steps that the existing pitfall does not have, in the entry's order. */
export function missingSteps(existing: Pitfall, entry: Pitfall): StepText[] {
  return entry.steps
    .filter((s) => !existing.steps.some((e) => sameStep(e, s)))
    .map((s) => ({ kind: s.kind, text: s.text }));
}

/** Steps on consecutive lines: one block (`IF`/`THEN`/`RUN`, `FIX` + `RUN`, a lone `CHECK`). */
function blocksOf(steps: readonly Step[]): Step[][] {
  const out: Step[][] = [];
  for (const s of steps) {
    const last = out.at(-1);
    if (last && s.line === last.at(-1)!.line + 1) last.push(s);
    else out.push([s]);
  }
  return out;
}

/**
 * Where the missing steps go. A block of the entry whose first step the pitfall already has gets its missing steps
 * at the end of that block on the page; any other block with missing steps is appended whole, as a new block after
 * the pitfall's last one (else after `fallback`, the line to write after when it has no steps).
 */
export function stepInsertions(existing: Pitfall, entry: Pitfall, fallback: number): StepInsertion[] {
  const have = blocksOf(existing.steps);
  const byAfter = new Map<number, StepInsertion>();
  const add = (after: number, lines: string[], steps: StepText[]) => {
    const known = byAfter.get(after);
    if (known) {
      known.lines.push(...lines);
      known.steps.push(...steps);
    } else byAfter.set(after, { after, lines, steps });
  };
  const appended: StepText[][] = [];
  for (const block of blocksOf(entry.steps)) {
    const missing = block.filter((s) => !existing.steps.some((e) => sameStep(e, s))).map(textOf);
    if (!missing.length) continue;
    const head = block[0]!;
    const home = have.find((b) => b.some((e) => sameStep(e, head)));
    if (home) add(home.at(-1)!.line, missing.map(lineOf), missing);
    else appended.push(block.map(textOf));
  }
  // New blocks follow everything already there (joined steps included), a blank line before each.
  const last = have.at(-1)?.at(-1)?.line ?? fallback;
  for (const block of appended) add(last, ["", ...block.map(lineOf)], block);
  return [...byAfter.values()].sort((a, b) => a.after - b.after);
}

function textOf(s: Step): StepText {
  return { kind: s.kind, text: s.text };
}

function lineOf(s: StepText): string {
  return `${s.kind}: ${s.text}`;
}

/** The pitfall's steps in page order once the insertions are made (what the page must read back). */
export function mergedSteps(existing: Pitfall, insertions: readonly StepInsertion[]): StepText[] {
  const out: StepText[] = [];
  const placed = new Set<StepInsertion>();
  const put = (i: StepInsertion) => {
    out.push(...i.steps);
    placed.add(i);
  };
  for (const i of insertions) if (!existing.steps.some((s) => s.line <= i.after)) put(i);
  for (const s of existing.steps) {
    out.push(textOf(s));
    for (const i of insertions) if (i.after === s.line && !placed.has(i)) put(i);
  }
  for (const i of insertions) if (!placed.has(i)) put(i);
  return out;
}
