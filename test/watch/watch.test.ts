// List+watch against the simulator: changes become appeared/resolved findings; 410 relists; drops back off.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import { type FindingChange, findingKey } from "../../src/service/finding-changes.js";
import { scan } from "../../src/service/scan.js";
import type { Finding } from "../../src/model/finding.js";
import { type FindingsWatch, watchFindings } from "../../src/service/watch.js";
import { loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { type ClusterWatch, type WatchClusterOptions, watchCluster } from "../../src/sources/watch.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { crashLoopingPod, runningPod } from "./pods.js";
import { waitFor } from "./support.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";

let kb: KnowledgeBase;
let dir: string;
const running: { sim: Sim; watch?: FindingsWatch; cluster?: ClusterWatch }[] = [];

beforeAll(async () => {
  kb = await loadKnowledgeBase({ cwd: process.cwd() });
  dir = mkdtempSync(join(tmpdir(), "pitfall-watch-"));
});

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.watch?.stop();
    await r.cluster?.stop();
    await r.sim.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(cluster: Partial<WatchClusterOptions> = {}) {
  const sim = await startSimulator({ cluster: BROKEN });
  const entry: (typeof running)[number] = { sim };
  running.push(entry);
  const kubeConfig = await loadKubeConfig({
    kubeconfig: sim.writeKubeconfig(dir, { context: `sim-${running.length}` }),
  });
  const relists: string[] = [];
  const errors: { resource: string; delayMs: number; message: string }[] = [];
  const clusterWatch = await watchCluster({
    kubeConfig,
    onRelist: (resource, reason) => relists.push(`${resource}: ${reason}`),
    onError: (resource, error, delayMs) =>
      errors.push({ resource, delayMs, message: String((error as Error).message) }),
    ...cluster,
  });
  const changes: FindingChange[] = [];
  const watch = watchFindings(clusterWatch, {
    kb,
    config: defaultConfig(),
    onChanges: (c) => changes.push(...c),
  });
  entry.watch = watch;
  await watch.ready;
  return { sim, watch, changes, relists, errors };
}

const about = (name: string, event: FindingChange["event"]) => (c: FindingChange) =>
  c.event === event && c.finding.object.name === name && c.finding.pitfall === "crashloopbackoff";

describe("watch", () => {
  it("starts from the cluster's findings, like a scan", async () => {
    const { watch, changes } = await start();
    const names = watch.findings().map((f) => `${f.pitfall} ${f.object.name}`);
    expect(names).toContain("crashloopbackoff ge-ingest-6f7d8b9c5d-nf4kc");
    expect(changes.filter((c) => c.event === "appeared")).toHaveLength(watch.findings().length);
    expect(watch.target()?.zone).toBe("1");
    expect(watch.findings().every((f) => f.context === "sim-1" && f.zone === "1")).toBe(true);
  });

  it("keeps the same findings a scan of the cluster finds, as the cluster changes", async () => {
    const { sim, watch } = await start();
    const keys = (findings: Finding[]) => findings.map(findingKey).sort();
    const scanned = async () => {
      const report = await scan({
        kb,
        config: defaultConfig(),
        cwd: process.cwd(),
        live: { contexts: [], kubeconfig: join(dir, "kubeconfig-sim-1.yaml") },
      });
      return keys(report.findings);
    };
    expect(keys(watch.findings())).toEqual(await scanned());

    sim.setLog({
      namespace: "ge-agents",
      pod: "worker-9",
      container: "app",
      previous: true,
      text: "KeyError: 'DATABASE_URL'\n",
    });
    sim.apply(crashLoopingPod("ge-agents", "worker-9"));
    sim.remove("Pod", "ge-agents", "ge-ingest-6f7d8b9c5d-nf4kc");
    const node = sim.get("Node", undefined, "k3s-agent-1")!;
    const status = node.status as { conditions: { type: string; status: string }[] };
    const conditions = status.conditions;
    sim.apply({
      ...node,
      status: {
        ...status,
        conditions: conditions.map((c) => (c.type === "MemoryPressure" ? { ...c, status: "False" } : c)),
      },
    });
    const expected = await scanned();
    await waitFor(
      "the watch to catch up with the scan",
      () => JSON.stringify(keys(watch.findings())) === JSON.stringify(expected),
    );
  });

  it("emits appeared when a pod starts crash-looping (with its previous log read) and resolved when it runs", async () => {
    const { sim, changes, watch } = await start();
    sim.setLog({
      namespace: "ge-agents",
      pod: "worker-7",
      container: "app",
      previous: true,
      text: "KeyError: 'DATABASE_URL'\n",
    });
    sim.apply(runningPod("ge-agents", "worker-7"));
    sim.apply(crashLoopingPod("ge-agents", "worker-7"));
    const appeared = await waitFor("an appeared crash loop", () =>
      changes.find(about("worker-7", "appeared")),
    );
    // The previous log was fetched when the pod entered CrashLoopBackOff, so the cause is named.
    expect(appeared.finding.messageId).toBe("crash-loop-missing-env");
    expect(appeared.finding.data.variable).toBe("DATABASE_URL");
    expect(appeared.finding.runbook?.some((s) => s.kind === "RUN" && s.text.includes("worker-7"))).toBe(true);
    expect(watch.findings().some((f) => f.object.name === "worker-7")).toBe(true);

    sim.apply(runningPod("ge-agents", "worker-7"));
    const resolved = await waitFor("a resolved crash loop", () =>
      changes.find(about("worker-7", "resolved")),
    );
    expect(resolved.finding.messageId).toBe("crash-loop-missing-env");
    expect(watch.findings().some((f) => f.object.name === "worker-7")).toBe(false);
  });

  it("resolves the findings of a deleted pod", async () => {
    const { sim, changes } = await start();
    sim.remove("Pod", "ge-agents", "ge-ingest-6f7d8b9c5d-nf4kc");
    const resolved = await waitFor("resolved findings of the deleted pod", () =>
      changes.find(about("ge-ingest-6f7d8b9c5d-nf4kc", "resolved")),
    );
    expect(resolved.finding.object.namespace).toBe("ge-agents");
  });

  it("lists again when the watch resumes from a compacted resourceVersion (410 Gone)", async () => {
    const { sim, changes, relists } = await start({ watchTimeoutSeconds: 1 });
    const listsBefore = sim.requests.filter(
      (r) => r.path === "/api/v1/pods" && r.query.watch === undefined,
    ).length;
    // Hold the next pods watch at the server while the history it would resume from is compacted away.
    const mark = sim.requests.length;
    sim.setFaults([{ kind: "delay", ms: 1500, resource: "pods" }]);
    await waitFor("a held pods watch", () =>
      sim.requests.slice(mark).some((r) => r.path === "/api/v1/pods" && r.query.watch === "true"),
    );
    sim.setFaults([]);
    // This change is never sent on a watch: only the relist sees it.
    sim.setLog({
      namespace: "ge-agents",
      pod: "lost-1",
      container: "app",
      previous: true,
      text: "ModuleNotFoundError: No module named 'yaml'\n",
    });
    sim.apply(crashLoopingPod("ge-agents", "lost-1"));
    sim.compact();
    await waitFor("a relist of pods", () => relists.find((r) => r.startsWith("pods: 410")));
    await waitFor(
      "a new list of pods",
      () =>
        sim.requests.filter((r) => r.path === "/api/v1/pods" && r.query.watch === undefined).length >
        listsBefore,
    );
    const appeared = await waitFor("the change seen by the relist", () =>
      changes.find(about("lost-1", "appeared")),
    );
    expect(appeared.finding.messageId).toBe("crash-loop-import");
  });

  it("restarts a dropped watch with back-off, resuming from the last resourceVersion", async () => {
    const delays: number[] = [];
    const { sim, changes, errors } = await start({
      watchTimeoutSeconds: 1,
      backoff: { baseMs: 100, maxMs: 1000 },
      // The injected delay: recorded, barely waited.
      sleep: async (ms) => {
        delays.push(ms);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    const mark = sim.requests.length;
    sim.setFaults([{ kind: "drop", resource: "pods", times: 3 }]);
    await waitFor(
      "three dropped pods requests",
      () => errors.filter((e) => e.resource === "pods").length >= 3 && true,
    );
    const podErrors = errors.filter((e) => e.resource === "pods");
    expect(podErrors.map((e) => e.delayMs)).toEqual([100, 200, 400]);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(podErrors[0]!.message).toMatch(/connection lost/);
    // Each restart resumed the watch from a resourceVersion instead of listing everything again.
    const after = sim.requests.slice(mark).filter((r) => r.path === "/api/v1/pods");
    expect(after.every((r) => r.query.watch === "true" && r.query.resourceVersion !== undefined)).toBe(true);

    // And the watch works again.
    sim.apply(crashLoopingPod("ge-agents", "after-drop"));
    await waitFor("a change after the drops", () => changes.find(about("after-drop", "appeared")));
  });
});
