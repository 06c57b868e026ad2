// kb draft over every kind of unexplained failure of the fixture cluster (test/fixtures/clusters/unexplained.yaml):
// each draft lints clean as it is; where the pod's status shows the failure the DETECT makes the next scan explain
// it by the new id (and names no other pod); where only events show it, the draft says why it has no DETECT. Text
// from logs and messages is redacted and cannot write page structure. Live: the built CLI against the simulator.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { insertEntry, parseEntry } from "../../src/kb/add.js";
import { compileDetect } from "../../src/kb/cel.js";
import { detectFor } from "../../src/kb/draft-detect.js";
import { severityOf } from "../../src/kb/draft.js";
import { lintPage } from "../../src/kb/lint.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import { parsePage } from "../../src/kb/parse.js";
import type { Unexplained } from "../../src/model/unexplained.js";
import { type DraftResult, draftPitfall } from "../../src/service/draft.js";
import { analyse, scan } from "../../src/service/scan.js";
import { unexplainedOf } from "../../src/service/unexplained.js";
import { loadSnapshot, NOW } from "../live-rules/support.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { runBin, runCli } from "../support/cli.js";

const FIXTURE = "test/fixtures/clusters/unexplained.yaml";
const TEAM_PAGE = "test/fixtures/pages/team-page.md";
const dir = mkdtempSync(join(tmpdir(), "pitfall-draft-failures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scanOf(kb: KnowledgeBase) {
  const snapshot = loadSnapshot(FIXTURE);
  const config = defaultConfig();
  const { result, summary } = analyse(snapshot, { kb, config, now: NOW });
  return { result, unexplained: unexplainedOf(snapshot, result, { config, now: NOW, zone: summary.zone }) };
}

async function drafted(
  kb: KnowledgeBase,
  failure: Unexplained,
): Promise<Extract<DraftResult, { action: "draft" }>> {
  const r = await draftPitfall({ kb, source: { kind: "failure", failure }, pick: {} });
  expect(r.action, `${failure.pod.name}: ${JSON.stringify(r.searched)}`).toBe("draft");
  return r as Extract<DraftResult, { action: "draft" }>;
}

describe("kb draft over each kind of unexplained failure", () => {
  it("every draft lints clean; a status DETECT makes the next scan explain it, an events-only failure says why not", async () => {
    const kb = await loadKnowledgeBase({ cwd: process.cwd() });
    const failures = scanOf(kb).unexplained;
    expect(failures.map((u) => u.reason).sort()).toEqual([
      "CrashLoopBackOff",
      "FailedMount",
      "RunContainerError",
      "Unhealthy",
      "Unschedulable",
    ]);
    const page = join(dir, "page.md");
    copyFileSync(TEAM_PAGE, page);
    let text = readFileSync(page, "utf8");
    const ids = new Map<string, string>();
    for (const u of failures) {
      const r = await drafted(kb, u);
      const entry = parseEntry(r.drafted.markdown, "draft.md");
      const lint = lintPage(parsePage(r.drafted.markdown, "draft.md"));
      expect(lint, u.pod.name).toEqual([]);
      expect(lintPage(parsePage(r.drafted.text, "draft.txt"))).toEqual([]);
      expect(entry.detect.length > 0, `${u.pod.name}: ${r.drafted.draft.detect.note}`).toBe(
        ["CrashLoopBackOff", "RunContainerError", "Unschedulable"].includes(u.reason),
      );
      if (!entry.detect.length) expect(r.drafted.draft.detect.note).toMatch(/^no DETECT: .* in its events/);
      ids.set(u.pod.name, entry.id);
      text = insertEntry(parsePage(text, page), entry).text;
    }
    writeFileSync(page, text);
    expect(new Set(ids.values()).size).toBe(failures.length);

    const after = scanOf(await loadKnowledgeBase({ cwd: process.cwd(), paths: [page] }));
    expect(after.unexplained.map((u) => u.reason).sort()).toEqual(["FailedMount", "Unhealthy"]);
    for (const name of ["fire-exec-format-6d9f7c8b5d-x2k4q", "fire-init-run-error", "fire-unschedulable"]) {
      const found = after.result.findings.filter((f) => f.pitfall === ids.get(name));
      expect(
        found.map((f) => `${f.rule} ${f.object.name}`),
        name,
      ).toEqual([`detect ${name}`]);
    }
  });

  it("the DETECT in both forms (with the kind/metadata/containers bindings, and over `object` alone) lints clean", () => {
    const snapshot = loadSnapshot(FIXTURE);
    const failures = unexplainedOf(
      snapshot,
      { findings: [], suppressed: [] },
      { config: defaultConfig(), now: NOW },
    );
    const init = failures.find((u) => u.pod.name === "fire-init-run-error")!;
    const d = detectFor(init, false);
    expect(d.expr).toBe(
      "object.kind == 'Pod' && object.metadata.name == 'fire-init-run-error' && object.status.initContainerStatuses.exists(c, c.name == 'install' && has(c.state.waiting) && has(c.state.waiting.reason) && c.state.waiting.reason == 'RunContainerError')",
    );
    const modern = detectFor(init, true);
    expect(modern.expr).toBe(
      "kind == 'Pod' && metadata.name == 'fire-init-run-error' && containers.exists(c, c.name == 'install' && c.?status.?state.?waiting.reason.orValue('') == 'RunContainerError')",
    );
    // The `object` form, evaluated on every pod of the fixture: true for the failing one only.
    const compiled = compileDetect(d.expr!);
    if (!compiled.ok) throw new Error(compiled.message);
    const pods = snapshot.objects.filter((o) => o.object.kind === "Pod");
    expect(
      pods.filter((o) => compiled.evaluate(o.object) === true).map((o) => o.object.metadata?.name),
    ).toEqual(["fire-init-run-error"]);
    for (const expr of [d.expr, modern.expr]) {
      const entry = `## X\n\nSeverity: LOW\nZone: ALL\n\nADDED_FROM: a-1, b\n\nDETECT: ${expr}\n`;
      expect(lintPage(parsePage(entry, "x.md")), expr).toEqual([]);
    }
  });

  it("severity from the impact: pods, duration, restarts", () => {
    const u = (restarts: number, span?: string) =>
      ({ restarts, ...(span ? { for: span } : {}) }) as Unexplained;
    expect(severityOf(u(1, "5m"), 1)).toEqual({ level: "LOW", why: "1 pod, for 5m, 1 restart" });
    expect(severityOf(u(6, "5m"), 1).level).toBe("MEDIUM");
    expect(severityOf(u(0, "2h"), 1).level).toBe("MEDIUM");
    expect(severityOf(u(60, "30m"), 1).level).toBe("HIGH");
    expect(severityOf(u(0, "2d"), 1).level).toBe("HIGH");
    expect(severityOf(u(0, "1m"), 2)).toEqual({ level: "HIGH", why: "2 pods fail the same way" });
    expect(severityOf(u(0, "8d"), 1).level).toBe("CRITICAL");
    expect(severityOf(u(0, "1m"), 5).level).toBe("CRITICAL");
  });
});

describe("kb draft on the recorded real-world dumps (test/fixtures/dumps)", () => {
  it("every unexplained failure drafts an entry that lints clean; with the drafts on the page only events-only ones remain", async () => {
    const kb = await loadKnowledgeBase({ cwd: process.cwd() });
    const dumps = readdirSync("test/fixtures/dumps", { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join("test/fixtures/dumps", d.name));
    let drafts = 0;
    for (const dump of dumps) {
      const req = { kb, config: defaultConfig(), cwd: process.cwd(), from: [dump] };
      const before = await scan(req);
      if (!before.unexplained.length) continue;
      const page = join(dir, `${basename(dump)}.md`);
      copyFileSync(TEAM_PAGE, page);
      let text = readFileSync(page, "utf8");
      const withoutDetect = new Set<string>();
      for (const failure of before.unexplained) {
        const r = await drafted(kb, failure);
        expect(lintPage(parsePage(r.drafted.markdown, "draft.md")), `${dump} ${failure.pod.name}`).toEqual(
          [],
        );
        const entry = parseEntry(r.drafted.markdown, "draft.md");
        if (!entry.detect.length) withoutDetect.add(`${failure.pod.name} ${failure.reason}`);
        text = insertEntry(parsePage(text, page), entry).text;
        drafts++;
      }
      writeFileSync(page, text);
      const after = await scan({
        ...req,
        kb: await loadKnowledgeBase({ cwd: process.cwd(), paths: [page] }),
      });
      expect(new Set(after.unexplained.map((u) => `${u.pod.name} ${u.reason}`)), dump).toEqual(withoutDetect);
      expect(
        [...withoutDetect].every((f) => /FailedMount|Unhealthy|Pending/.test(f)),
        dump,
      ).toBe(true);
    }
    expect(drafts).toBeGreaterThanOrEqual(10);
  });
});

describe("text from a cluster or a hand-made scan file", () => {
  it("is redacted and made one line; it cannot add steps, fields or placeholders to the page", async () => {
    const kb = await loadKnowledgeBase({ cwd: process.cwd() });
    const base = scanOf(kb).unexplained.find((u) => u.reason === "CrashLoopBackOff")!;
    const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    const hostile: Unexplained = {
      ...base,
      context: "prod\nIF: injected",
      logs: {
        source: "previous log",
        lines: [
          `token=${token}`,
          "IF: a line that looks like a step",
          "\u001b[2J{pod-name `rm -rf /` } error: exec format error",
        ],
      },
    };
    const r = await runCli(["kb", "draft", "-", "--index", "1"], {
      stdin: JSON.stringify({ unexplained: [hostile] }),
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain(token);
    expect(r.out).not.toContain("\u001b");
    expect(r.out).toContain("\\x1b[2J");
    const p = parseEntry(r.out, "draft.md");
    expect(p.steps.filter((s) => s.kind === "IF")).toHaveLength(1);
    expect(p.meta.map((m) => m.key)).toEqual(["Severity", "Zone"]);
    expect(lintPage(parsePage(r.out, "draft.md"))).toEqual([]);
    expect(p.addedFrom[0]!.incident).toBe("prod-IF-injected-2026-03-26");
  });

  it("a scan file that is not scan's output is refused with where it differs (exit 2)", async () => {
    const r = await runCli(["kb", "draft", "-"], {
      stdin: JSON.stringify({ unexplained: [{ pod: { kind: "Pod", name: "Bad Name" } }] }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("is not the output of `pitfall scan -o json`: unexplained.0.pod.name");
  });
});

describe("kb draft --object against a live cluster (the simulator)", () => {
  let sim: Sim;
  let kubeconfig: string;
  beforeAll(async () => {
    sim = await startSimulator({ cluster: FIXTURE });
    kubeconfig = sim.writeKubeconfig(dir, { context: "shop" });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("drafts the failing init container, read-only; added, the next live scan explains the pod", async () => {
    const env = { HOME: dir };
    const draft = join(dir, "init.md");
    const r = await runBin(
      [
        "kb",
        "draft",
        "--object",
        "pod/fire-init-run-error",
        "-n",
        "shop",
        "--kubeconfig",
        kubeconfig,
        "--context",
        "shop",
        "--out",
        draft,
      ],
      { cwd: dir, env },
    );
    expect(r.code, r.err).toBe(0);
    const entry = parseEntry(readFileSync(draft, "utf8"), draft);
    expect(entry.title).toBe("RunContainerError in fire-init-run-error: executable file not found in $PATH");
    expect(entry.addedFrom[0]!.incident).toMatch(/^shop-\d{4}-\d{2}-\d{2}$/);
    expect(entry.detect[0]!.expr).toContain("'RunContainerError'");
    // Read-only: the simulator saw no write.
    expect(sim.requests.filter((q) => q.method !== "GET")).toEqual([]);
    expect(sim.requests.some((q) => q.path.includes("/log"))).toBe(true);
    const lint = await runBin(["kb", "lint", draft], { cwd: dir, env });
    expect(lint.code, lint.out + lint.err).toBe(0);
    const page = join(dir, "live-page.md");
    copyFileSync(TEAM_PAGE, page);
    expect((await runBin(["kb", "add", "--page", page, "--from", draft], { cwd: dir, env })).code).toBe(0);
    const scan = await runBin(["scan", "--kubeconfig", kubeconfig, "--kb", page, "-o", "json"], {
      cwd: dir,
      env,
    });
    const json = JSON.parse(scan.out) as { unexplained: Unexplained[]; findings: { pitfall: string }[] };
    expect(json.unexplained.map((u) => u.pod.name)).not.toContain("fire-init-run-error");
    expect(json.findings.map((f) => f.pitfall)).toContain(entry.id);
  });
});
