// The simulator's fixture clusters read live, and dumped by the kubectl script of docs/dump-layout.md.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import { readDump } from "../../src/sources/dump.js";
import { loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { LIVE_RESOURCES } from "../../src/sources/kube-read.js";
import { readCluster } from "../../src/sources/live.js";
import { loadCluster, type Sim, startSimulator } from "../sim/index.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/clusters/${name}.yaml`, import.meta.url));
const READ_KINDS = new Set([...LIVE_RESOURCES.map((r) => r.kind), "ExternalSecret"]);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-fixtures-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function counts(kinds: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of kinds) out[String(k)] = (out[String(k)] ?? 0) + 1;
  return out;
}

function keys(s: Snapshot): string[] {
  return s.objects
    .map(({ object: o }) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`)
    .sort();
}

async function readLive(sim: Sim, context: string): Promise<Snapshot> {
  const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir, { context }) });
  return readCluster({ kubeConfig, pageSize: 7, logs: { previous: true, current: true, maxPods: 500 } });
}

describe.each(["broken-k3s", "healthy-k3s"])("the %s fixture, read live", (name) => {
  it("has every object of the kinds read, nothing incomplete", { timeout: 30_000 }, async () => {
    const sim = await startSimulator({ cluster: fixture(name) });
    try {
      const snapshot = await readLive(sim, name);
      const expected = loadCluster(fixture(name)).objects.filter((o) => READ_KINDS.has(String(o.kind)));
      expect(counts(snapshot.objects.map((o) => o.object.kind))).toEqual(counts(expected.map((o) => o.kind)));
      expect(snapshot.incomplete).toEqual([]);
      expect(snapshot.target.distribution).toBe("k3s");
    } finally {
      await sim.close();
    }
  });
});

describe("the broken-k3s fixture's evidence", () => {
  it("has the crash loop's previous log and the ClusterIP refusal in a current log", {
    timeout: 30_000,
  }, async () => {
    const sim = await startSimulator({ cluster: fixture("broken-k3s") });
    try {
      const s = await readLive(sim, "broken");
      expect(s.previousLogs?.get("ge-agents/dolly-orchestrator-5d8c7b9f6d-q7xkz/orchestrator")).toMatch(
        /6379/,
      );
      const refused = [...(s.currentLogs?.entries() ?? [])].filter(([, text]) =>
        text.includes("10.43.0.1:443"),
      );
      expect(refused.map(([key]) => key.split("/")[0])).toContain("ge-system");
      const es = s.objects.filter((o) => o.object.kind === "ExternalSecret").map((o) => o.object.apiVersion);
      expect(new Set(es)).toEqual(new Set(["external-secrets.io/v1beta1"]));
    } finally {
      await sim.close();
    }
  });
});

/**
 * The plain-kubectl commands of docs/dump-layout.md ("Making a dump with plain kubectl"): its `kubectl get` lines,
 * and the `resources` its pitfall-dump.json lists.
 */
function plainKubectl(): { commands: string; resources: string[] } {
  const doc = readFileSync(fileURLToPath(new URL("../../docs/dump-layout.md", import.meta.url)), "utf8");
  const section = doc.slice(doc.indexOf("## Making a dump with plain kubectl"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("docs/dump-layout.md has no sh block for plain kubectl");
  const commands = block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => l.startsWith("mkdir -p my-dump/objects") || l.startsWith("kubectl get "))
    .join("\n");
  const resources = JSON.parse(/"resources": (\[[^\]]*\])/.exec(block)![1]!.replace(/\s+/g, "")) as string[];
  return { commands, resources };
}

function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasKubectl())("the plain-kubectl dump of docs/dump-layout.md", () => {
  it("makes a dump that reads like the live cluster, every kind checked", { timeout: 120_000 }, async () => {
    const sim = await startSimulator({ cluster: fixture("broken-k3s") });
    try {
      const kubeconfig = sim.writeKubeconfig(dir, { context: "broken" });
      const work = mkdtempSync(join(dir, "kubectl-"));
      const { commands, resources } = plainKubectl();
      expect(commands.split("\n")).toHaveLength(4);
      // Not execFileSync: the simulator runs in this process and must keep answering.
      await promisify(execFile)("sh", ["-euc", commands], {
        cwd: work,
        env: { PATH: process.env.PATH ?? "", HOME: work, KUBECONFIG: kubeconfig },
        timeout: 100_000,
      });
      writeFileSync(
        join(work, "my-dump", "pitfall-dump.json"),
        JSON.stringify({ takenAt: new Date().toISOString(), context: "broken", resources }),
      );
      const live = await readLive(sim, "broken");
      const dump = await readDump(["my-dump"], { cwd: work });
      expect(dump.diagnostics).toEqual([]);
      expect(keys(dump)).toEqual(keys(live));
      expect(dump.incomplete).toEqual([]);
      expect(dump.target).toMatchObject({ kind: "dump", context: "broken", distribution: "k3s" });
    } finally {
      await sim.close();
    }
  });
});
