// The knowledge loop on the bundled example dump, with the built CLI as users run it: scan lists a failure no
// pitfall explains; kb draft turns it into an entry that kb lint passes as it is; kb add puts it on the team's page;
// the next scan explains the failure by the new id. A failure an existing pitfall explains yields the ADDED_FROM
// line to record on that pitfall instead of a near-duplicate entry.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import type { Finding } from "../../src/model/finding.js";
import type { Unexplained } from "../../src/model/unexplained.js";
import { runBin } from "../support/cli.js";

const DUMP = "examples/dump";
const TEAM_PAGE = "test/fixtures/pages/team-page.md";
const dir = mkdtempSync(join(tmpdir(), "pitfall-draft-loop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ScanJson {
  findings: Finding[];
  unexplained: Unexplained[];
}

async function scanJson(...kb: string[]): Promise<{ json: ScanJson; text: string }> {
  const r = await runBin(["scan", "--from", DUMP, ...kb.flatMap((k) => ["--kb", k]), "-o", "json"]);
  expect(r.code, r.err).toBe(1);
  return { json: JSON.parse(r.out) as ScanJson, text: r.out };
}

function pitfallIds(file: string): string[] {
  return pitfallsOf(parsePage(readFileSync(file, "utf8"), file)).map((p) => p.id);
}

describe("kb draft on the example dump's unexplained failure", () => {
  it("draft → kb lint clean → kb add → scan explains it by the new id", async () => {
    const before = await scanJson();
    expect(before.json.unexplained.map((u) => `${u.pod.name} ${u.reason}`)).toEqual([
      "ge-thumbnailer-7d4b9c6f8e-k2v9p CrashLoopBackOff",
    ]);
    const failure = before.json.unexplained[0]!;
    const scanFile = join(dir, "scan.json");
    writeFileSync(scanFile, before.text);

    // From the scan's JSON (a file) and from the dump itself: the same entry.
    const draftFile = join(dir, "draft.md");
    const fromJson = await runBin(["kb", "draft", scanFile, "--index", "1", "--out", draftFile]);
    expect(fromJson.code, fromJson.err).toBe(0);
    expect(fromJson.err).toContain("no pitfall explains it");
    const draft = readFileSync(draftFile, "utf8");
    const fromDump = await runBin(["kb", "draft", "--from", DUMP]);
    expect(fromDump.code, fromDump.err).toBe(0);
    expect(fromDump.out).toBe(draft);
    const fromStdin = await runBin(["kb", "draft", "-", "--pod", `ge-agents/${failure.pod.name}`], {
      stdin: before.text,
    });
    expect(fromStdin.out).toBe(draft);

    // The page's format, with what was seen and nothing else.
    const entry = pitfallsOf(parsePage(draft, "draft.md"));
    expect(entry).toHaveLength(1);
    const p = entry[0]!;
    expect(p.title).toBe("CrashLoopBackOff in ge-thumbnailer: exec format error");
    expect(p.severity).toBe("MEDIUM"); // one pod, 23 restarts, for 1h24m
    expect(p.zones.text).toBe("1 (k3s)");
    expect(p.steps.map((s) => `${s.kind}: ${s.text}`)).toEqual([
      'IF: a pod of Deployment ge-thumbnailer shows CrashLoopBackOff in container thumbnailer and its previous log says "exec format error"',
      "THEN: read what its status, events and logs say before changing anything",
      "RUN: kubectl describe pod {pod-name} -n {namespace}",
      "RUN: kubectl logs {pod-name} -n {namespace} -c {container} --previous",
      "RUN: kubectl get events -n {namespace} --field-selector involvedObject.name={pod-name}",
    ]);
    expect(p.addedFrom.map((a) => `${a.incident}, ${a.note}`)).toEqual([
      "k3s-office-2026-11-25, Deployment ge-thumbnailer in CrashLoopBackOff (for 1h24m, 23 restarts): exec format error",
    ]);
    expect(p.detect).toHaveLength(1);
    // Every quoted fact is what the scan said about the failure, word for word.
    const quoted = [...draft.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    const seen = JSON.stringify(failure);
    for (const q of quoted) expect(seen).toContain(q);

    const lint = await runBin(["kb", "lint", draftFile]);
    expect(lint.code, lint.out + lint.err).toBe(0);
    expect(lint.err).toContain("0 errors, 0 warnings");

    const page = join(dir, "team-page.md");
    copyFileSync(TEAM_PAGE, page);
    const add = await runBin(["kb", "add", "--page", page, "--from", draftFile]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain(`added ${p.id}`);
    expect(pitfallIds(page)).toContain(p.id);

    const after = await scanJson(page);
    expect(after.json.unexplained).toEqual([]);
    const explained = after.json.findings.find(
      (f) => f.object.name === failure.pod.name && f.pitfall === p.id,
    );
    expect(explained?.rule).toBe("detect");
    expect(explained?.runbook?.filter((s) => s.kind === "RUN").map((s) => s.text)).toEqual([
      "kubectl describe pod ge-thumbnailer-7d4b9c6f8e-k2v9p -n ge-agents",
      "kubectl logs ge-thumbnailer-7d4b9c6f8e-k2v9p -n ge-agents -c thumbnailer --previous",
      "kubectl get events -n ge-agents --field-selector involvedObject.name=ge-thumbnailer-7d4b9c6f8e-k2v9p",
    ]);
    // The DETECT names no other pod of the dump.
    expect(after.json.findings.filter((f) => f.pitfall === p.id).map((f) => f.object.name)).toEqual([
      failure.pod.name,
    ]);

    // The same failure drafted again (from the old scan) now belongs to the new entry: no near-duplicate.
    const again = await runBin(["kb", "draft", scanFile, "--kb", page]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`explained by ${p.id}`);
    const record = pitfallsOf(parsePage(again.out, "record.md"));
    expect(record.map((r) => r.id)).toEqual([p.id]);
    expect(record[0]!.steps).toEqual([]);
  });

  it("a failure an existing pitfall explains: the ADDED_FROM line to record there, not a new entry", async () => {
    const page = join(dir, "arch-page.md");
    copyFileSync(TEAM_PAGE, page);
    writeFileSync(
      page,
      `${readFileSync(page, "utf8")}
## Images Built for Another CPU

Severity: HIGH
Zone: ALL

An image built on an arm64 laptop does not start on the amd64 nodes: the container exits at once and its
log says exec format error.

IF: a container's log says exec format error
THEN: build the image for linux/amd64 with docker buildx build --platform linux/amd64

ADDED_FROM: laptop-build-2026-03, the indexer image was built on a Mac
`,
    );
    const ids = pitfallIds(page);
    const r = await runBin(["kb", "draft", "--from", DUMP, "--kb", page, "-o", "json"]);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out) as {
      action: string;
      searched: { id: string; explains: boolean }[];
      record: { id: string; addedFrom: string; builtin: boolean; entry: string };
    };
    expect(json.action).toBe("record");
    expect(json.record.id).toBe("images-built-for-another-cpu");
    expect(json.record.builtin).toBe(false);
    // The generic CrashLoopBackOff entry reported it without a cause: it does not explain it.
    expect(json.searched.find((m) => m.id === "crashloopbackoff")?.explains).toBe(false);
    expect(json.record.addedFrom).toBe(
      "k3s-office-2026-11-25, Deployment ge-thumbnailer in CrashLoopBackOff (for 1h24m, 23 restarts): exec format error",
    );

    const text = await runBin(["kb", "draft", "--from", DUMP, "--kb", page]);
    expect(text.err).toContain("explained by images-built-for-another-cpu");
    expect(text.out).toBe(json.record.entry);
    const proposal = join(dir, "record.md");
    writeFileSync(proposal, text.out);
    const add = await runBin(["kb", "add", "--page", page, "--from", proposal]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain(
      "images-built-for-another-cpu is already on the page: recorded the new ADDED_FROM",
    );
    expect(pitfallIds(page)).toEqual(ids);
    const arch = pitfallsOf(parsePage(readFileSync(page, "utf8"), page)).find(
      (p) => p.id === "images-built-for-another-cpu",
    )!;
    expect(arch.addedFrom.map((a) => a.incident)).toEqual(["laptop-build-2026-03", "k3s-office-2026-11-25"]);
  });

  it("a pod that scan explains: the ADDED_FROM line for the pitfall of its finding", async () => {
    const r = await runBin([
      "kb",
      "draft",
      "--from",
      DUMP,
      "--pod",
      "ge-agents/dolly-orchestrator-5d8c7b9f6d-q7xkz",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain("explained by crashloopbackoff (CrashLoopBackOff): scan explains it:");
    // On the built-in page: the line alone, for the team's copy of the entry.
    expect(r.out).toBe(
      "ADDED_FROM: k3s-office-2026-11-25, Deployment dolly-orchestrator in CrashLoopBackOff (for 30d, 8509 restarts): Redis refused the connection at redis:6379, but Redis listens on 6381\n",
    );
  });

  it("says what to give when the pick is missing, unclear or not a failure (exit 2)", async () => {
    const healthy = await runBin(["kb", "draft", "--from", DUMP, "--pod", "ge-agents/redis-0"]);
    expect(healthy.code).toBe(2);
    expect(healthy.err).toMatch(/pod ge-agents\/redis-0 is not failing now \(Running .*\): nothing to draft/);
    const none = await runBin(["kb", "draft"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("say which failure");
    const notJson = await runBin(["kb", "draft", "-"], { stdin: "hello" });
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain("<stdin> is not JSON");
    const index = await runBin(["kb", "draft", "--from", DUMP, "--index", "4"]);
    expect(index.code).toBe(2);
    expect(index.err).toContain("lists 1 unexplained failures; give 1 to 1");
    expect(index.err).toContain(
      "1  ge-agents/ge-thumbnailer-7d4b9c6f8e-k2v9p -c thumbnailer  CrashLoopBackOff",
    );
    const exists = join(dir, "exists.md");
    writeFileSync(exists, "mine\n");
    const out = await runBin(["kb", "draft", "--from", DUMP, "--out", exists]);
    expect(out.code).toBe(2);
    expect(readFileSync(exists, "utf8")).toBe("mine\n");
  });
});
