// Snapshots from simulator fixture clusters (no HTTP), and the live rules run over them by the real engine.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { defaultConfig, type Config } from "../../src/config/model.js";
import { type RunResult, runEngine } from "../../src/engine/run.js";
import type { Snapshot, Target } from "../../src/model/snapshot.js";
import { distributionOf } from "../../src/k8s/distribution.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import type { Finding } from "../../src/model/finding.js";
import { allRules } from "../../src/rules/index.js";
import type { Rule } from "../../src/rules/types.js";
import { parseCluster } from "../sim/load.js";

/** The detectors of live clusters (the rules that run live only), from the registry. */
export const LIVE_RULES: Rule[] = allRules().filter(
  (r) => r.meta.runs.length === 1 && r.meta.runs[0] === "live",
);

/** The instant every fixture's times are relative to (the page's LAST_VERIFIED day, noon). */
export const NOW = new Date("2026-03-26T12:00:00Z");

export const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
export const HEALTHY = "test/fixtures/clusters/healthy-k3s.yaml";

export function ruleFixture(ruleId: string): string {
  return `test/fixtures/rules/${ruleId}.yaml`;
}

let kb: KnowledgeBase | undefined;
export async function builtinKb(): Promise<KnowledgeBase> {
  kb ??= await loadKnowledgeBase({ cwd: process.cwd() });
  return kb;
}

/** `upgradeTo` of the fixture's SimCluster document, the way `upgrade-check --to` sets it on the target. */
function simClusterField(text: string, field: string): string | undefined {
  for (const doc of parseAllDocuments(text)) {
    const v = doc.toJS() as Record<string, unknown> | null;
    if (v?.kind === "SimCluster" && typeof v[field] === "string") return v[field];
  }
  return undefined;
}

/** A cluster fixture as the live source would snapshot it at NOW: objects, current and previous logs. */
export function loadSnapshot(file: string, target: Partial<Target> = {}): Snapshot {
  const text = readFileSync(file, "utf8");
  const cluster = parseCluster(text, { now: NOW, name: basename(file, ".yaml"), file });
  const previousLogs = new Map<string, string>();
  const currentLogs = new Map<string, string>();
  for (const log of cluster.logs) {
    (log.previous ? previousLogs : currentLogs).set(`${log.namespace}/${log.pod}/${log.container}`, log.text);
  }
  const nodes = cluster.objects.filter((o) => o.kind === "Node");
  // Fixtures without nodes stand for the page's k3s zone.
  const distribution = distributionOf(nodes) ?? "k3s";
  const upgradeTo = simClusterField(text, "upgradeTo");
  return {
    target: {
      kind: "cluster",
      name: cluster.name,
      context: cluster.name,
      distribution,
      ...(upgradeTo ? { upgradeTo } : {}),
      ...target,
    },
    objects: cluster.objects.map((object) => ({ object, origin: { context: cluster.name } })),
    diagnostics: [],
    incomplete: [],
    previousLogs,
    currentLogs,
    takenAt: NOW.toISOString(),
  };
}

export async function scan(
  snapshot: Snapshot,
  rules: Rule[],
  config: Config = defaultConfig(),
): Promise<RunResult> {
  return runEngine(snapshot, { mode: "live", kb: await builtinKb(), config, rules, now: NOW, detect: false });
}

/** Findings about one object (by name), optionally one message id. */
export function about(findings: Finding[], name: string, messageId?: string): Finding[] {
  return findings.filter(
    (f) => f.object.name === name && (messageId === undefined || f.messageId === messageId),
  );
}

/** The single finding about an object with a message id; fails the test with what was found otherwise. */
export function one(findings: Finding[], name: string, messageId: string): Finding {
  const found = about(findings, name, messageId);
  if (found.length !== 1) {
    const seen = findings.map((f) => `${f.object.name}:${f.messageId}`).join(", ");
    throw new Error(`expected one ${messageId} on ${name}, got ${found.length} (findings: ${seen})`);
  }
  return found[0]!;
}

/** The filled runbook as text, one step a line. */
export function runbookText(f: Finding): string {
  return (f.runbook ?? []).map((s) => `${s.kind}: ${s.text}`).join("\n");
}
