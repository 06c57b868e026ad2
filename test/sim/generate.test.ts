// Generated clusters: deterministic, a realistic mix, and big ones served page by page.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { generateCluster } from "./generate.js";
import { type ListRequest, listChunks, listPage } from "./list.js";
import { type Sim, startSimulator } from "./server.js";
import { Store } from "./store.js";
import type { Cluster } from "./types.js";

const NOW = new Date("2026-03-26T10:00:00Z");

type Json = Record<string, unknown>;

function podState(p: KubeObject): string {
  const status = p.status as { phase?: string; containerStatuses?: Json[] };
  const cs = status.containerStatuses?.[0] as
    | { state?: { waiting?: { reason?: string } }; lastState?: { terminated?: { reason?: string } } }
    | undefined;
  if (cs?.lastState?.terminated?.reason === "OOMKilled") return "OOMKilled";
  return cs?.state?.waiting?.reason ?? status.phase ?? "Unknown";
}

function mebibytes(q: string): number {
  const n = Number.parseFloat(q);
  if (q.endsWith("Gi")) return n * 1024;
  if (q.endsWith("Mi")) return n;
  if (q.endsWith("Ki")) return n / 1024;
  return n / 1024 / 1024;
}

describe("generateCluster", () => {
  it("is deterministic by seed", () => {
    const opts = { pods: 300, nodes: 10, events: 600, seed: 7, now: NOW };
    expect(generateCluster(opts)).toEqual(generateCluster(opts));
    const other = generateCluster({ ...opts, seed: 8 });
    expect(other.objects.filter((o) => o.kind === "Pod").map((p) => p.metadata?.name)).not.toEqual(
      generateCluster(opts)
        .objects.filter((o) => o.kind === "Pod")
        .map((p) => p.metadata?.name),
    );
  });

  describe("at 20,000 pods, 500 nodes and 50,000 events", () => {
    let cluster: Cluster;
    let sim: Sim;
    let dir: string;

    beforeAll(async () => {
      cluster = generateCluster({ pods: 20_000, nodes: 500, events: 50_000, seed: 42, now: NOW });
      sim = await startSimulator({ cluster });
      dir = mkdtempSync(join(tmpdir(), "pitfall-gen-"));
    }, 120_000);

    afterAll(async () => {
      await sim?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("has the objects asked for, owned the way controllers own them", () => {
      const byKind = new Map<string, KubeObject[]>();
      for (const o of cluster.objects) {
        const list = byKind.get(String(o.kind)) ?? [];
        list.push(o);
        byKind.set(String(o.kind), list);
      }
      expect(byKind.get("Pod")).toHaveLength(20_000);
      expect(byKind.get("Node")).toHaveLength(500);
      expect(byKind.get("Event")).toHaveLength(50_000);
      expect(byKind.get("Namespace")).toHaveLength(50);

      const rsUids = new Set(byKind.get("ReplicaSet")?.map((r) => r.metadata?.uid));
      const deployUids = new Set(byKind.get("Deployment")?.map((d) => d.metadata?.uid));
      expect(byKind.get("Pod")?.every((p) => rsUids.has(p.metadata?.ownerReferences?.[0]?.uid))).toBe(true);
      expect(
        byKind.get("ReplicaSet")?.every((r) => deployUids.has(r.metadata?.ownerReferences?.[0]?.uid)),
      ).toBe(true);
    });

    it("mixes mostly running pods with a few percent of each failure", () => {
      const pods = cluster.objects.filter((o) => o.kind === "Pod");
      const counts = new Map<string, number>();
      for (const p of pods) counts.set(podState(p), (counts.get(podState(p)) ?? 0) + 1);
      const share = (s: string) => (counts.get(s) ?? 0) / pods.length;
      expect(share("Running")).toBeGreaterThan(0.9);
      for (const s of ["CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "Pending"]) {
        expect(share(s)).toBeGreaterThan(0.005);
        expect(share(s)).toBeLessThan(0.05);
      }
      const bare = pods.filter((p) => {
        const c = (p.spec as { containers: { resources?: { requests?: unknown } }[] }).containers[0];
        return !c?.resources?.requests;
      });
      expect(bare.length / pods.length).toBeGreaterThan(0.005);
      expect(bare.length / pods.length).toBeLessThan(0.1);
    });

    it("packs some nodes above 80% of allocatable memory, most below", () => {
      const requested = new Map<string, number>();
      for (const p of cluster.objects) {
        if (p.kind !== "Pod") continue;
        const spec = p.spec as {
          nodeName?: string;
          containers: { resources?: { requests?: { memory?: string } } }[];
        };
        const mem = spec.containers[0]?.resources?.requests?.memory;
        if (spec.nodeName && mem)
          requested.set(spec.nodeName, (requested.get(spec.nodeName) ?? 0) + mebibytes(mem));
      }
      const ratios = cluster.objects
        .filter((o) => o.kind === "Node")
        .map((n) => {
          const alloc = (n.status as { allocatable: { memory: string } }).allocatable.memory;
          return (requested.get(String(n.metadata?.name)) ?? 0) / mebibytes(alloc);
        });
      const hot = ratios.filter((r) => r > 0.8).length;
      expect(hot).toBeGreaterThan(10);
      expect(hot).toBeLessThan(ratios.length / 5);
      const pressure = cluster.objects.filter(
        (o) =>
          o.kind === "Node" &&
          (o.status as { conditions: Json[] }).conditions.some(
            (c) => c.type === "MemoryPressure" && c.status === "True",
          ),
      );
      expect(pressure.length).toBeGreaterThan(0);
    });

    it("pages through all pods with @kubernetes/client-node", async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(sim.writeKubeconfig(dir));
      const core = kc.makeApiClient(CoreV1Api);
      sim.requests.length = 0;
      const seen = new Set<string>();
      let token: string | undefined;
      for (let page = 0; page < 100; page++) {
        const list = await core.listPodForAllNamespaces({
          limit: 500,
          ...(token ? { _continue: token } : {}),
        });
        for (const p of list.items) seen.add(`${p.metadata?.namespace}/${p.metadata?.name}`);
        token = list.metadata?._continue;
        if (!token) break;
      }
      expect(seen.size).toBe(20_000);
      expect(sim.requests.filter((r) => r.path === "/api/v1/pods")).toHaveLength(40);
    }, 120_000);

    it("pages through all events and streams a whole list in chunks", async () => {
      let count = 0;
      let token: string | undefined;
      for (let page = 0; page < 100; page++) {
        const q = `limit=5000${token ? `&continue=${encodeURIComponent(token)}` : ""}`;
        const list = (await (await fetch(`${sim.url}/api/v1/events?${q}`)).json()) as {
          items: unknown[];
          metadata: { continue?: string };
        };
        count += list.items.length;
        token = list.metadata.continue;
        if (!token) break;
      }
      expect(count).toBe(50_000);

      const whole = await fetch(`${sim.url}/api/v1/namespaces/payments-1/pods`);
      expect(whole.headers.get("transfer-encoding")).toBe("chunked");
      const list = (await whole.json()) as { kind: string; items: KubeObject[] };
      expect(list.kind).toBe("PodList");
      expect(list.items.length).toBeGreaterThan(200);
      expect(list.items.every((p) => p.metadata?.namespace === "payments-1")).toBe(true);
    }, 120_000);

    it("serializes a whole list a few hundred items at a time, never as one string", () => {
      // The 50,000 events listed without a limit, chunk by chunk as the server writes them to the socket.
      const store = new Store(cluster);
      const type = store.typeOf({ apiVersion: "v1", kind: "Event" })!;
      const req: ListRequest = { type, match: () => true };
      const chunks = [...listChunks(store, req, listPage(store, req))];
      const body = chunks.join("");
      expect((JSON.parse(body) as { items: unknown[] }).items).toHaveLength(50_000);
      expect(chunks.length).toBeGreaterThan(50_000 / 500);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(body.length / 100);
    });
  });
});
