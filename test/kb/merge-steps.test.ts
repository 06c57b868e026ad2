// kb add of an entry whose id is already on the page: the steps the page lacks are no longer dropped silently. They
// are listed as kept out; --merge-steps appends them (a THEN under its IF, a new block after the last one), in one
// locked, atomic write that leaves the rest of the page byte for byte and lints clean.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { insertEntry, parseEntry } from "../../src/kb/add.js";
import { lintPage } from "../../src/kb/lint.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { BIN, spawnCollect } from "../support/cli.js";

const fixtures = new URL("../fixtures/pages/", import.meta.url);
const seedText = readFileSync(new URL("team-page.txt", fixtures), "utf8");
const mdText = readFileSync(new URL("team-page.md", fixtures), "utf8");

// The page's OOMKilled entry, plus one step under its first IF, a new IF block and a new FIX.
const AGAIN = `## OOMKilled

Severity: HIGH
Zone: ALL

IF: pod is OOMKilled
THEN: check the memory limit in the manifest
THEN: compare the limit with the usage before the kill
RUN: kubectl top pod {pod-name} -n ge-{namespace} --containers

IF: the same pod was OOMKilled twice in a day
THEN: page the owner of the workload

FIX: profile first, fix the leak, then set appropriate limits

ADDED_FROM: executor-oom-2026-06, the executor was killed again after a limit raise
`;
const NEW_STEPS = [
  "THEN: compare the limit with the usage before the kill",
  "RUN: kubectl top pod {pod-name} -n ge-{namespace} --containers",
  "IF: the same pod was OOMKilled twice in a day",
  "THEN: page the owner of the workload",
];

const dir = mkdtempSync(join(tmpdir(), "pitfall-merge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oomOf(text: string, file: string) {
  return pitfallsOf(parsePage(text, file)).find((p) => p.id === "oomkilled")!;
}

describe("insertEntry with steps the page lacks", () => {
  it("keeps them out and names them, recording only the ADDED_FROM", () => {
    const { text, result } = insertEntry(parsePage(mdText, "team-page.md"), parseEntry(AGAIN));
    expect(result.action).toBe("recorded");
    expect(result.keptOut?.map((s) => `${s.kind}: ${s.text}`)).toEqual(NEW_STEPS);
    expect(text.replace(/^ADDED_FROM: executor-oom-2026-06.*\n/m, "")).toBe(mdText);
  });

  it("with mergeSteps, puts each step where it belongs and the rest of the page stays byte for byte", () => {
    for (const [file, seed] of [
      ["team-page.md", mdText],
      ["team-page.txt", seedText],
    ] as const) {
      const before = oomOf(seed, file);
      const { text, result } = insertEntry(parsePage(seed, file), parseEntry(AGAIN), { mergeSteps: true });
      expect(result.action).toBe("merged");
      expect(result.merged?.map((s) => `${s.kind}: ${s.text}`)).toEqual(NEW_STEPS);
      const after = oomOf(text, file);
      const kinds = (p: typeof after) => p.steps.map((s) => `${s.kind}${s.group}: ${s.text}`);
      // The new THEN and RUN join the first IF block; the new IF is a block of its own after the last one.
      expect(kinds(after)).toEqual([
        ...kinds(before).slice(0, 3),
        "THEN0: compare the limit with the usage before the kill",
        "RUN0: kubectl top pod {pod-name} -n ge-{namespace} --containers",
        ...kinds(before).slice(3),
        "IF2: the same pod was OOMKilled twice in a day",
        "THEN2: page the owner of the workload",
      ]);
      expect(text.split("\n")[result.line - 1]).toBe(
        `THEN: compare the limit with the usage before the kill`,
      );
      // Only added lines: removing them gives the page back.
      const added = [
        ...NEW_STEPS,
        "ADDED_FROM: executor-oom-2026-06, the executor was killed again after a limit raise",
      ];
      const rest = text.split("\n").filter((l) => !added.includes(l));
      expect(rest.join("\n").replace(/\n\n\n+/g, "\n\n")).toBe(seed.replace(/\n\n\n+/g, "\n\n"));
      expect(after.addedFrom.at(-1)?.incident).toBe("executor-oom-2026-06");
      const errors = lintPage(parsePage(text, file), { now: new Date("2026-04-01") }).filter(
        (d) => d.severity === "error",
      );
      expect(errors).toEqual([]);
      // Merging again changes nothing.
      const again = insertEntry(parsePage(text, file), parseEntry(AGAIN), { mergeSteps: true });
      expect(again.result.action).toBe("unchanged");
      expect(again.text).toBe(text);
    }
  });
});

describe("kb add (the built CLI)", () => {
  it("says which steps it kept out; --merge-steps appends them and the page lints clean", async () => {
    const page = join(dir, "team-page.md");
    writeFileSync(page, mdText);
    const entry = join(dir, "again.md");
    writeFileSync(entry, AGAIN);
    const env = { ...process.env, NO_COLOR: "1" };
    const kept = await spawnCollect("node", [BIN, "kb", "add", "--page", page, "--from", entry], { env });
    expect(kept.code, kept.err).toBe(0);
    expect(kept.out).toContain("oomkilled is already on the page: recorded the new ADDED_FROM");
    expect(kept.out).toContain("kept out 4 steps of the entry that oomkilled does not have (--merge-steps");
    for (const s of NEW_STEPS) expect(kept.out).toContain(`  ${s}\n`);
    expect(oomOf(readFileSync(page, "utf8"), page).steps.map((s) => `${s.kind}: ${s.text}`)).not.toContain(
      NEW_STEPS[0],
    );

    const merged = await spawnCollect(
      "node",
      [BIN, "kb", "add", "--page", page, "--from", entry, "--merge-steps", "-o", "json"],
      { env },
    );
    expect(merged.code, merged.err).toBe(0);
    const json = JSON.parse(merged.out) as { action: string; merged: { kind: string; text: string }[] };
    expect(json.action).toBe("merged");
    expect(json.merged.map((s) => `${s.kind}: ${s.text}`)).toEqual(NEW_STEPS);
    const steps = oomOf(readFileSync(page, "utf8"), page).steps.map((s) => `${s.kind}: ${s.text}`);
    for (const s of NEW_STEPS) expect(steps).toContain(s);
    const lint = await spawnCollect("node", [BIN, "kb", "lint", page], { env });
    expect(lint.code, lint.out + lint.err).toBe(0);
  });
});
