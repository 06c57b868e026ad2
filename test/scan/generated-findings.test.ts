// A scan of a big generated cluster finds what it found before the analysis was made faster (the recorded file, its
// findings and unexplained failures, was written by main at ff67395, before that change), and what the engine finds on
// the same objects without the live read.
// Refresh the recorded file only when a rule, a message or the generator changes on purpose: `npx vitest run
// test/scan/generated-findings.test.ts -u`, and read its diff.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { runEngine } from "../../src/engine/run.js";
import { distributionOf } from "../../src/k8s/distribution.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import type { Finding } from "../../src/model/finding.js";
import type { Snapshot } from "../../src/model/snapshot.js";
import { analyse, analyseTargets, type ScanReport, scan } from "../../src/service/scan.js";
import { loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { readCluster } from "../../src/sources/live.js";
import { type Cluster, generateCluster, type Sim, startSimulator } from "../sim/index.js";

const NOW = new Date("2026-03-26T12:00:00Z");
const SIZE = { pods: 2000, nodes: 50, events: 5000, seed: 42, now: NOW };

let cluster: Cluster;
let sim: Sim;
let dir: string;
let kb: KnowledgeBase;
let live: Snapshot;
let kubeconfig: string;

beforeAll(async () => {
  cluster = generateCluster(SIZE);
  sim = await startSimulator({ cluster });
  dir = mkdtempSync(join(tmpdir(), "pitfall-generated-"));
  kubeconfig = sim.writeKubeconfig(dir);
  const kubeConfig = await loadKubeConfig({ kubeconfig });
  kb = await loadKnowledgeBase({ cwd: process.cwd() });
  // Logs too, so the rules that read them (crash causes, refusals of the API address) have their say.
  live = await readCluster({ kubeConfig, logs: { previous: true, current: true } });
}, 120_000);
afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One line per finding: what a rule decided (pitfall, object, message, evidence, where), not the page's runbook. */
function lines(findings: readonly Finding[]): string {
  return findings
    .map((f) =>
      JSON.stringify({
        severity: f.severity,
        kind: f.kind,
        pitfall: f.pitfall,
        rule: f.rule,
        object: f.object,
        container: f.container,
        messageId: f.messageId,
        message: f.message,
        evidence: f.evidence,
        line: f.line,
        context: f.context,
        zone: f.zone,
      }),
    )
    .join("\n")
    .concat("\n");
}

describe(`a generated cluster of ${SIZE.pods} pods, ${SIZE.nodes} nodes and ${SIZE.events} events`, () => {
  it("a scan (read, engine, latent risks, unexplained failures) finds what the code before the faster analysis found", async () => {
    const report = await scan({
      kb,
      config: defaultConfig(),
      cwd: dir,
      now: NOW,
      live: { kubeconfig, contexts: [] },
    });
    // Every kind of finding the generator makes, so the comparison covers each rule that fires on it.
    expect(new Set(report.findings.map((f) => f.messageId)).size).toBeGreaterThanOrEqual(8);
    expect(report.unexplained.length).toBeGreaterThan(0);
    const unexplained = report.unexplained.map((u) => JSON.stringify(u)).join("\n");
    await expect(`${lines(report.findings)}${unexplained}\n`).toMatchFileSnapshot(
      "../fixtures/scan/generated-2000.findings",
    );
  });

  it("a scan that checks what it has read while the events are read reports what an analysis after the read does", async () => {
    const progress: string[] = [];
    const report = await scan({
      kb,
      config: defaultConfig(),
      cwd: dir,
      now: NOW,
      // Small pages: the events (50 pages, one after another) are surely the last list read.
      live: { kubeconfig, contexts: [], pageSize: 100 },
      onProgress: (m) => progress.push(m),
    });
    expect(progress.some((m) => /^checking \d+ objects while the events are read$/.test(m))).toBe(true);
    const after = analyseTargets([live], { kb, config: defaultConfig(), now: NOW });
    const { snapshots: _read, ...early } = report;
    const { snapshots: _live, ...whole }: ScanReport = after;
    expect(early.findings.length).toBeGreaterThan(100);
    expect(early).toEqual(whole);
  });

  it("the live scan equals the engine on the generated objects themselves (no HTTP, no paging, no kind stamping)", () => {
    const { result } = analyse(live, { kb, config: defaultConfig(), now: NOW });
    const nodes = cluster.objects.filter((o) => o.kind === "Node");
    const distribution = distributionOf(nodes);
    const context = live.target.context!;
    const origin = { context };
    const direct: Snapshot = {
      target: { kind: "cluster", name: context, context, ...(distribution ? { distribution } : {}) },
      objects: cluster.objects.map((object) => ({ object, origin })),
      diagnostics: [],
      incomplete: [],
      // The logs the live read chose to fetch (the pods restarting most).
      ...(live.previousLogs ? { previousLogs: live.previousLogs } : {}),
      ...(live.currentLogs ? { currentLogs: live.currentLogs } : {}),
    };
    const { result: engine } = analyse(direct, { kb, config: defaultConfig(), now: NOW });
    expect(engine.findings.length).toBeGreaterThan(100);
    expect(engine.findings).toEqual(result.findings);
    expect(engine.suppressed).toEqual(result.suppressed);
    expect(engine.diagnostics).toEqual([]);
  });

  it("the engine alone, given the same snapshot twice, finds the same (no state kept between runs)", () => {
    const options = { mode: "live" as const, kb, config: defaultConfig(), now: NOW, zone: "1" };
    const first = runEngine(live, options);
    const second = runEngine(live, options);
    expect(second).toEqual(first);
    expect(first.findings.length).toBeGreaterThan(100);
  });
});
