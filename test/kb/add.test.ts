import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addEntry, EntryError, entryText, insertEntry, parseEntry } from "../../src/kb/add.js";
import { lintPage } from "../../src/kb/lint.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { stepsInOrder } from "../../src/cli/kb-add.js";
import { BIN, runCli } from "../support/cli.js";

const fixtures = new URL("../fixtures/pages/", import.meta.url);
const seedText = readFileSync(new URL("team-page.txt", fixtures), "utf8");
const mdText = readFileSync(new URL("team-page.md", fixtures), "utf8");

const ENTRY = `PVC Stuck Terminating

Severity: MEDIUM
Zone: ALL

A PersistentVolumeClaim stays in Terminating while a pod still mounts it.

IF: a PVC is stuck in Terminating
THEN: find the pods that still use it
RUN: kubectl get pods -n ge-{namespace} -o wide | grep {pvc-name}

ADDED_FROM: storage-2026-04, PVC blocked a redeploy
`;

function tmpPage(text: string, name = "page.txt"): string {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-add-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("insertEntry", () => {
  it("places a new pitfall before Cross-References, in the page's form, leaving the rest byte for byte", () => {
    const page = parsePage(seedText, "team-page.txt");
    const { text, result } = insertEntry(page, parseEntry(ENTRY));
    expect(result).toMatchObject({ action: "added", id: "pvc-stuck-terminating" });
    const entryBlock = `${ENTRY.trimEnd()}\n\n\n`;
    expect(text).toContain(entryBlock);
    expect(text.replace(entryBlock, "")).toBe(seedText);
    const after = parsePage(text, "x.txt");
    const ids = pitfallsOf(after).map((p) => p.id);
    expect(ids.at(-1)).toBe("pvc-stuck-terminating");
    expect(after.sections.at(-1)).toMatchObject({ kind: "plain", section: { title: "Cross-References" } });
    expect(text.split("\n")[result.line - 1]).toBe("PVC Stuck Terminating");
    expect(lintPage(after, { now: new Date("2026-04-01") }).filter((d) => d.severity === "error")).toEqual(
      [],
    );
  });

  it("writes markdown into a markdown page", () => {
    const page = parsePage(mdText, "team-page.md");
    const { text } = insertEntry(page, parseEntry(ENTRY));
    expect(text).toContain("## PVC Stuck Terminating\n\nSeverity: MEDIUM");
    expect(text.indexOf("## PVC Stuck Terminating")).toBeLessThan(text.indexOf("## Cross-References"));
    expect(
      text.replace(
        `${"## PVC Stuck Terminating"}\n\n${ENTRY.split("\n").slice(2).join("\n").trimEnd()}\n\n`,
        "",
      ),
    ).toBe(mdText);
  });

  it("appends at the end when the page has no trailing section", () => {
    const page = parsePage("# T\n\n## A\n\nSeverity: LOW\nZone: ALL\n\nADDED_FROM: a-1, b\n", "t.md");
    const { text } = insertEntry(page, parseEntry(ENTRY));
    expect(
      text.startsWith(
        "# T\n\n## A\n\nSeverity: LOW\nZone: ALL\n\nADDED_FROM: a-1, b\n\n## PVC Stuck Terminating\n",
      ),
    ).toBe(true);
    expect(text.endsWith("ADDED_FROM: storage-2026-04, PVC blocked a redeploy\n")).toBe(true);
  });

  it("records a recurring incident on the existing pitfall instead of duplicating it", () => {
    const page = parsePage(seedText, "team-page.txt");
    const again = parseEntry(
      "OOMKilled\n\nSeverity: HIGH\nZone: ALL\n\nADDED_FROM: executor-oom-2026-05, context loaded twice\n",
    );
    const { text, result } = insertEntry(page, again);
    expect(result.action).toBe("recorded");
    const line = "ADDED_FROM: executor-oom-2026-05, context loaded twice\n";
    expect(text.replace(line, "")).toBe(seedText);
    const oom = pitfallsOf(parsePage(text, "x")).find((p) => p.id === "oomkilled")!;
    expect(oom.addedFrom.map((a) => a.incident)).toEqual(["executor-oom-2026-02", "executor-oom-2026-05"]);
    expect(insertEntry(parsePage(text, "x"), again).result.action).toBe("unchanged");
  });
});

describe("parseEntry", () => {
  it("rejects an invalid entry with the lines of its mistakes", () => {
    let caught: unknown;
    try {
      parseEntry("Bad\n\nSeverity: SOMETIMES\nZone: ALL\n\nTHEN: do it\n");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EntryError);
    const codes = (caught as EntryError).diagnostics.map((d) => `${d.code}@${d.line}`);
    expect(codes).toEqual(
      expect.arrayContaining(["invalid-severity@3", "then-without-if@6", "missing-added-from@1"]),
    );
  });

  it("builds an entry from flags, keeping the order of the steps", () => {
    const argv = [
      "kb",
      "add",
      "--if",
      "a",
      "--then",
      "b",
      "--run=c",
      "--if",
      "d",
      "--then",
      "e",
      "--fix",
      "f",
      "--title",
      "X",
    ];
    const steps = stepsInOrder(argv);
    expect(steps.map((s) => `${s.kind}:${s.text}`)).toEqual([
      "IF:a",
      "THEN:b",
      "RUN:c",
      "IF:d",
      "THEN:e",
      "FIX:f",
    ]);
    const p = parseEntry(
      entryText({ title: "X Y", severity: "LOW", zone: "1", steps, addedFrom: ["i-1, n"] }),
    );
    expect(p.steps.map((s) => `${s.kind}${s.group}`)).toEqual([
      "IF0",
      "THEN0",
      "RUN0",
      "IF1",
      "THEN1",
      "FIX-1",
    ]);
  });
});

describe("addEntry on files", () => {
  it("writes through the CLI from a file and from flags", async () => {
    const page = tmpPage(seedText);
    const entryFile = tmpPage(ENTRY, "entry.txt");
    const r1 = await runCli(["kb", "add", "--page", page, "--from", entryFile, "-o", "json"]);
    expect(r1.code).toBe(0);
    expect(JSON.parse(r1.out)).toMatchObject({ action: "added", id: "pvc-stuck-terminating" });
    const r2 = await runCli([
      "kb",
      "add",
      "--page",
      page,
      "--title",
      "DNS Flaps",
      "--severity",
      "LOW",
      "--zone",
      "2+3",
      "--if",
      "lookups time out",
      "--then",
      "check CoreDNS",
      "--run",
      "kubectl -n kube-system logs -l k8s-app=kube-dns",
      "--added-from",
      "dns-2026-05, timeouts",
    ]);
    expect(r2.code, r2.err).toBe(0);
    const after = parsePage(readFileSync(page, "utf8"), page);
    expect(
      pitfallsOf(after)
        .map((p) => p.id)
        .slice(-2),
    ).toEqual(["pvc-stuck-terminating", "dns-flaps"]);
    const bad = await runCli([
      "kb",
      "add",
      "--page",
      page,
      "--title",
      "Nope",
      "--severity",
      "BAD",
      "--zone",
      "ALL",
      "--added-from",
      "x-1",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("invalid-severity");
    expect(readFileSync(page, "utf8")).toContain("DNS Flaps");
    expect(pitfallsOf(parsePage(readFileSync(page, "utf8"), page))).toHaveLength(13);
  });

  it("refuses a missing page and a missing entry file with exit 2", async () => {
    expect(
      (await runCli(["kb", "add", "--page", "/nonexistent/page.md", "--from", "-"], { stdin: ENTRY })).code,
    ).toBe(2);
    expect(
      (await runCli(["kb", "add", "--page", tmpPage(seedText), "--from", "/nonexistent/entry"])).code,
    ).toBe(2);
  });

  it("50 concurrent writers (separate processes) lose nothing", async () => {
    expect(existsSync(join(BIN, "../../dist/cli/main.js")), "run `npm run build` first").toBe(true);
    const page = tmpPage(seedText);
    const n = 50;
    const codes = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<number>((resolve) => {
            const child = spawn(
              process.execPath,
              [
                BIN,
                "kb",
                "add",
                "--page",
                page,
                "--title",
                `Concurrent Pitfall ${i}`,
                "--severity",
                "LOW",
                "--zone",
                "ALL",
                "--if",
                `writer ${i} hits it`,
                "--then",
                "write it down",
                "--added-from",
                `concurrency-test-${i}, writer ${i}`,
              ],
              { stdio: "ignore" },
            );
            child.on("close", (code) => resolve(code ?? -1));
          }),
      ),
    );
    expect(codes.every((c) => c === 0)).toBe(true);
    const text = readFileSync(page, "utf8");
    const after = parsePage(text, page);
    const ids = pitfallsOf(after).map((p) => p.id);
    expect(ids).toHaveLength(11 + n);
    for (let i = 0; i < n; i++) expect(ids).toContain(`concurrent-pitfall-${i}`);
    expect(lintPage(after, { now: new Date("2026-04-01") }).filter((d) => d.severity === "error")).toEqual(
      [],
    );
    // Nothing else changed: the page before the first new entry and the trailing section are as they were.
    const crossRefs = seedText.slice(seedText.lastIndexOf("Cross-References"));
    const head = seedText.slice(0, seedText.lastIndexOf("Cross-References"));
    expect(text.startsWith(head)).toBe(true);
    expect(text.endsWith(crossRefs)).toBe(true);
    expect(existsSync(`${page}.lock`)).toBe(false);
  }, 120_000);

  it("a writer killed mid-write leaves the old page or the new one, never a torn one", async () => {
    const filler = Array.from(
      { length: 3000 },
      (_, i) =>
        `Filler Pitfall ${i}\n\nSeverity: LOW\nZone: ALL\n\nLine of text ${"x".repeat(200)}\n\nADDED_FROM: filler-${i}, padding`,
    ).join("\n\n\n");
    const base = `${seedText.slice(0, seedText.lastIndexOf("Cross-References"))}${filler}\n\n\n${seedText.slice(seedText.lastIndexOf("Cross-References"))}`;
    const withEntry = insertEntry(parsePage(base, "page.txt"), parseEntry(ENTRY)).text;
    const outcomes = new Set<string>();
    for (const hold of [true, false]) {
      const page = tmpPage(base);
      // Held (a test-only hook): the writer stops once the whole new page is in its temp file, before the rename.
      const child = spawn(process.execPath, [BIN, "kb", "add", "--page", page, "--from", "-"], {
        stdio: ["pipe", "ignore", "pipe"],
        env: { ...process.env, ...(hold ? { PITFALL_TEST_HOLD_WRITE: "1" } : {}) },
      });
      child.stdin.end(ENTRY);
      const closed = new Promise<number | null>((r) => child.on("close", r));
      if (hold) {
        const temp = await new Promise<string>((resolve) => {
          let err = "";
          child.stderr.on("data", (d) => {
            err += String(d);
            const m = /test hold: (\S+) holds the new page/.exec(err);
            if (m) resolve(m[1]!);
          });
        });
        // The kill lands mid-write: the new page is written in full beside the old one, which is still in place.
        expect(readFileSync(temp, "utf8")).toBe(withEntry);
        expect(readFileSync(page, "utf8")).toBe(base);
        child.kill("SIGKILL");
      } else child.stderr.resume();
      const code = await closed;
      const text = readFileSync(page, "utf8");
      expect(text === base || text === withEntry).toBe(true);
      outcomes.add(text === base ? "old" : "new");
      expect(code).toBe(hold ? null : 0);
    }
    // Killed mid-write: the old page; left to finish: the new one.
    expect([...outcomes]).toEqual(["old", "new"]);
  }, 120_000);
});

describe("addEntry API", () => {
  it("writes the page with the entry and keeps file contents otherwise", async () => {
    const page = tmpPage(mdText, "page.md");
    const r = await addEntry(page, parseEntry(ENTRY));
    expect(r.action).toBe("added");
    expect(readFileSync(page, "utf8")).toContain("## PVC Stuck Terminating");
    copyFileSync(page, `${page}.bak`);
    expect((await addEntry(page, parseEntry(ENTRY))).action).toBe("unchanged");
    expect(readFileSync(page, "utf8")).toBe(readFileSync(`${page}.bak`, "utf8"));
  });
});
