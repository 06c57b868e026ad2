// Dumps: a dump written from the simulator's cluster (as kubectl would write it) reads the same as the live API.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import type { KubeObject } from "../../src/model/kube.js";
import { parseDumpFile, readDump } from "../../src/sources/dump.js";
import { loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { LIVE_RESOURCES, resourcePath } from "../../src/sources/kube-read.js";
import { readCluster } from "../../src/sources/live.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { CRASH_LOG, REFUSED_LOG, sourcesCluster } from "./cluster.js";

const TOKEN = "dump-test-token";
let dir: string;
let sim: Sim;
let live: Snapshot;

/** What `kubectl get <plural> -A -o json` prints: a List whose items carry kind and apiVersion. */
async function kubectlGet(path: string, kind: string, apiVersion: string): Promise<KubeObject[]> {
  const res = await fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const list = (await res.json()) as { items: Record<string, unknown>[] };
  return list.items.map((item) => ({ ...item, apiVersion, kind }) as KubeObject);
}

function kubectlList(items: KubeObject[]) {
  return { apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } };
}

function writeDump(root: string, byKind: Map<string, KubeObject[]>): void {
  mkdirSync(root, { recursive: true });
  const core = ["Node", "Namespace", "Pod", "Event", "Service", "Endpoints"];
  const pick = (kinds: string[]) => kinds.flatMap((k) => byKind.get(k) ?? []);
  // One JSON List for the core kinds, YAML for workloads, a typed list (kubectl get --raw) for the CRD.
  writeFileSync(join(root, "cluster.json"), JSON.stringify(kubectlList(pick(core)), null, 2));
  mkdirSync(join(root, "apps"));
  const rest = [...byKind.keys()].filter((k) => !core.includes(k) && k !== "ExternalSecret");
  writeFileSync(join(root, "apps", "workloads.yaml"), stringify(kubectlList(pick(rest))));
  const raw = (byKind.get("ExternalSecret") ?? []).map(({ kind: _k, apiVersion: _a, ...item }) => item);
  writeFileSync(
    join(root, "externalsecrets.json"),
    JSON.stringify({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecretList", items: raw }),
  );
  for (const log of sourcesCluster().logs) {
    const podDir = join(root, "logs", log.namespace, log.pod);
    mkdirSync(podDir, { recursive: true });
    writeFileSync(join(podDir, `${log.container}${log.previous ? ".previous" : ""}.log`), log.text);
  }
  writeFileSync(
    join(root, "pitfall-dump.json"),
    JSON.stringify({ takenAt: "2026-03-26T09:30:00Z", context: "zone1" }),
  );
}

function keys(s: Snapshot): string[] {
  return s.objects
    .map(({ object: o }) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`)
    .sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-dump-"));
  sim = await startSimulator({ cluster: sourcesCluster(), token: TOKEN });
  const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir, { context: "zone1" }) });
  live = await readCluster({ kubeConfig, logs: { previous: true, current: true } });

  const byKind = new Map<string, KubeObject[]>();
  const resources = [
    ...LIVE_RESOURCES,
    {
      group: "external-secrets.io",
      version: "v1",
      plural: "externalsecrets",
      kind: "ExternalSecret",
      namespaced: true,
    },
  ];
  for (const r of resources) {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    byKind.set(r.kind, await kubectlGet(resourcePath(r), r.kind, apiVersion));
  }
  writeDump(join(dir, "dump"), byKind);
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("readDump", () => {
  it("gives the same objects as the live read", async () => {
    const dump = await readDump(["dump"], { cwd: dir });
    expect(dump.diagnostics).toEqual([]);
    expect(keys(dump)).toEqual(keys(live));
    expect(keys(dump).length).toBeGreaterThan(40);
    const byKey = (s: Snapshot, kind: string, name: string) =>
      s.objects.find((o) => o.object.kind === kind && o.object.metadata?.name === name)?.object;
    for (const [kind, name] of [
      ["Pod", "dolly-7d9f-abcde"],
      ["Node", "k3s-1"],
      ["Deployment", "dolly"],
      ["ExternalSecret", "ge-web-secrets"],
    ] as const) {
      const a = byKey(dump, kind, name)!;
      const b = byKey(live, kind, name)!;
      expect(a.metadata?.creationTimestamp).toBe(b.metadata?.creationTimestamp);
      expect(a.metadata?.uid).toBe(b.metadata?.uid);
      expect(a.status).toEqual(b.status);
      expect(a.spec).toEqual(b.spec);
    }
    expect(dump.target).toEqual({ kind: "dump", name: "dump", distribution: "k3s", context: "zone1" });
    expect(dump.target.distribution).toBe(live.target.distribution);
  });

  it("reads logs from the logs layout like the live read fetches them", async () => {
    const dump = await readDump(["dump"], { cwd: dir });
    expect(dump.previousLogs).toEqual(live.previousLogs);
    expect(dump.previousLogs?.get("ge-agents/dolly-7d9f-abcde/app")).toBe(CRASH_LOG);
    expect(dump.currentLogs?.get("ge-agents/admin-ui-6f8d-klmno/app")).toBe(REFUSED_LOG);
    expect(live.currentLogs?.get("ge-agents/admin-ui-6f8d-klmno/app")).toBe(REFUSED_LOG);
  });

  it("takes takenAt and context from pitfall-dump.json, else the newest time inside the objects, never a file's mtime", async () => {
    const dump = await readDump(["dump"], { cwd: dir });
    expect(dump.takenAt).toBe("2026-03-26T09:30:00.000Z");
    const pod = dump.objects.find((o) => o.object.kind === "Pod");
    expect(pod?.origin).toEqual({ file: "dump/cluster.json", context: "zone1" });

    const bare = join(dir, "bare");
    mkdirSync(bare);
    const older = join(bare, "a.json");
    const newer = join(bare, "b.yaml");
    writeFileSync(
      older,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "a", creationTimestamp: "2026-01-01T00:00:00Z" },
        status: { conditions: [{ type: "X", lastTransitionTime: "2026-01-05T06:07:08Z" }] },
      }),
    );
    // A malformed time (no `T`, as some recorders write) is passed over, not taken as the newest.
    writeFileSync(
      newer,
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  creationTimestamp: "2026-01-0209:00:00Z"\n',
    );
    utimesSync(older, new Date("2026-02-03T04:05:06Z"), new Date("2026-02-03T04:05:06Z"));
    utimesSync(newer, new Date("2026-02-03T04:05:06Z"), new Date("2026-02-03T04:05:06Z"));
    const s = await readDump(["bare"], { cwd: dir });
    expect(s.takenAt).toBe("2026-01-05T06:07:08.000Z");
    expect(s.target).toEqual({ kind: "dump", name: "bare" });
    // YAML objects keep their line; the target has no distribution without nodes.
    expect(s.objects.map((o) => [o.object.metadata?.name, o.origin.file, o.origin.line])).toEqual([
      ["a", "bare/a.json", undefined],
      ["b", "bare/b.yaml", 1],
    ]);
  });

  it("reports what is not Kubernetes with file:line and reads the rest", async () => {
    const mixed = join(dir, "mixed");
    mkdirSync(join(mixed, "logs", "ge-web"), { recursive: true });
    writeFileSync(
      join(mixed, "pods.json"),
      JSON.stringify(
        kubectlList([{ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "n" } }]),
      ),
    );
    writeFileSync(
      join(mixed, "broken.json"),
      '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {\n}}}\n',
    );
    writeFileSync(join(mixed, "notes.yaml"), "just: some\nsettings: [1, 2]\n");
    writeFileSync(join(mixed, "bad.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   oops: [\n");
    writeFileSync(join(mixed, "logs", "ge-web", "stray.txt"), "hello\n");
    writeFileSync(join(mixed, "pitfall-dump.json"), JSON.stringify({ takenAt: "yesterday" }));

    const s = await readDump(["mixed", "missing-folder"], { cwd: dir });
    expect(s.objects.map((o) => o.object.metadata?.name)).toEqual(["p"]);
    const found = s.diagnostics.map((d) => [d.file, d.line, d.code]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["mixed/broken.json", 5, "yaml-syntax"],
        ["mixed/notes.yaml", 1, "not-kubernetes"],
        ["mixed/bad.yaml", 4, "yaml-syntax"],
        ["mixed/logs/ge-web/stray.txt", 1, "dump-log-layout"],
        ["mixed/pitfall-dump.json", 1, "dump-meta"],
        ["missing-folder", 1, "input-missing"],
      ]),
    );
    expect(s.diagnostics).toHaveLength(6);
  });

  it("fills kind and apiVersion of a typed list's items", () => {
    const text = JSON.stringify({
      apiVersion: "apps/v1",
      kind: "DeploymentList",
      items: [{ metadata: { name: "a", namespace: "n" } }],
    });
    const parsed = parseDumpFile(text, "raw.json");
    expect(parsed.objects.map((o) => [o.object.apiVersion, o.object.kind])).toEqual([
      ["apps/v1", "Deployment"],
    ]);
  });
});
