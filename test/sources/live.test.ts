// The live read against the Kubernetes API simulator (real HTTP): full read, paging, scope, one fault at a time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import { loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { type ReadClusterOptions, readCluster } from "../../src/sources/live.js";
import { type Fault, type Sim, startSimulator } from "../sim/index.js";
import { CRASH_LOG, expectedCounts, REFUSED_LOG, sourcesCluster } from "./cluster.js";

let dir: string;
const sims: Sim[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-live-"));
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A sleep that records what was asked and does not wait. */
function recordingSleep() {
  const asked: number[] = [];
  return { asked, sleep: async (ms: number) => void asked.push(ms) };
}

async function scan(
  faults: Fault[] = [],
  opts: Partial<ReadClusterOptions> = {},
  cluster = sourcesCluster(),
): Promise<{ sim: Sim; snapshot: Snapshot }> {
  const sim = await startSimulator({ cluster, faults, token: "s3cr3t-token" });
  sims.push(sim);
  const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir, { context: "zone1" }) });
  const snapshot = await readCluster({
    kubeConfig,
    retry: { attempts: 3, baseDelayMs: 10, sleep: recordingSleep().sleep },
    ...opts,
  });
  return { sim, snapshot };
}

function counts(s: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { object } of s.objects) out[String(object.kind)] = (out[String(object.kind)] ?? 0) + 1;
  return out;
}

/** List requests (not logs, not discovery) for one resource path ending. */
function listRequests(sim: Sim, suffix: string) {
  return sim.requests.filter((r) => r.path.endsWith(suffix) && r.method === "GET");
}

describe("readCluster: a full read", () => {
  it("reads every kind, sets kind and apiVersion, tells k3s and fetches previous logs of restarted pods", async () => {
    const cluster = sourcesCluster();
    const { snapshot } = await scan([], {}, cluster);
    expect(counts(snapshot)).toEqual(expectedCounts(cluster));
    expect(counts(snapshot).ExternalSecret).toBe(2);
    expect(snapshot.incomplete).toEqual([]);
    for (const { object, origin } of snapshot.objects) {
      expect(typeof object.kind).toBe("string");
      expect(typeof object.apiVersion).toBe("string");
      expect(origin).toEqual({ context: "zone1" });
    }
    const apiVersions = new Set(snapshot.objects.map((o) => `${o.object.apiVersion} ${o.object.kind}`));
    expect(apiVersions).toContain("apps/v1 Deployment");
    expect(apiVersions).toContain("external-secrets.io/v1 ExternalSecret");
    expect(apiVersions).toContain("discovery.k8s.io/v1 EndpointSlice");
    expect(snapshot.target).toEqual({
      kind: "cluster",
      name: "zone1",
      context: "zone1",
      distribution: "k3s",
    });
    expect(Number.isNaN(Date.parse(snapshot.takenAt ?? ""))).toBe(false);
    // Crash-looping and OOM-killed pods have a previous instance; running pods without restarts do not.
    expect([...(snapshot.previousLogs?.keys() ?? [])].sort()).toEqual([
      "ge-agents/dolly-7d9f-abcde/app",
      "ge-agents/executor-5c7b-fghij/app",
    ]);
    expect(snapshot.previousLogs?.get("ge-agents/dolly-7d9f-abcde/app")).toBe(CRASH_LOG);
    expect(snapshot.currentLogs?.size).toBe(0);
  });

  it("keeps timestamps as the API sends them (strings, as in a dump)", async () => {
    const { snapshot } = await scan();
    const node = snapshot.objects.find((o) => o.object.kind === "Node")!.object;
    expect(node.metadata?.creationTimestamp).toBe("2026-03-20T10:00:00Z");
  });

  it("reads current log tails of running pods only when asked, with tailLines", async () => {
    const { sim, snapshot } = await scan([], { logs: { previous: false, current: true, tailLines: 20 } });
    expect(snapshot.currentLogs?.get("ge-agents/admin-ui-6f8d-klmno/app")).toBe(REFUSED_LOG);
    expect(snapshot.currentLogs?.has("ge-web/web-1/sidecar")).toBe(true);
    expect(snapshot.currentLogs?.has("ge-web/pending-1/app")).toBe(false);
    expect(snapshot.previousLogs?.size).toBe(0);
    const logRequests = sim.requests.filter((r) => r.path.endsWith("/log"));
    expect(logRequests.length).toBeGreaterThan(0);
    for (const r of logRequests) expect(r.query).toMatchObject({ tailLines: "20" });
    expect(logRequests.some((r) => r.query.previous === "true")).toBe(false);
  });

  it("bounds logs by maxPods, most restarts first, and says so", async () => {
    const { snapshot } = await scan([], { logs: { previous: true, maxPods: 1 } });
    expect([...(snapshot.previousLogs?.keys() ?? [])]).toEqual(["ge-agents/dolly-7d9f-abcde/app"]);
    expect(snapshot.incomplete).toEqual([
      { resource: "pods/log", reason: expect.stringContaining("1 of 2 pods") },
    ]);
  });

  it("reads no logs with logs: false", async () => {
    const { sim, snapshot } = await scan([], { logs: false });
    expect(snapshot.previousLogs).toBeUndefined();
    expect(sim.requests.some((r) => r.path.endsWith("/log"))).toBe(false);
  });
});

describe("readCluster: paging and scope", () => {
  it("pages every list with limit/continue", async () => {
    const cluster = sourcesCluster();
    const { sim, snapshot } = await scan([], { pageSize: 2 }, cluster);
    expect(counts(snapshot)).toEqual(expectedCounts(cluster));
    const pods = listRequests(sim, "/api/v1/pods");
    expect(pods.length).toBe(Math.ceil(expectedCounts(cluster).Pod! / 2));
    expect(pods.every((r) => r.query.limit === "2")).toBe(true);
    expect(pods.filter((r) => r.query.continue !== undefined).length).toBe(pods.length - 1);
    expect(listRequests(sim, "/api/v1/events").length).toBeGreaterThan(1);
    expect(listRequests(sim, "/apis/external-secrets.io/v1/externalsecrets").length).toBe(1);
  });

  it("reads one namespace with -n, and the nodes still", async () => {
    const cluster = sourcesCluster();
    const { sim, snapshot } = await scan([], { namespace: "ge-agents" }, cluster);
    expect(counts(snapshot)).toEqual(expectedCounts(cluster, "ge-agents"));
    expect(counts(snapshot).Node).toBe(3);
    expect(listRequests(sim, "/api/v1/namespaces/ge-agents/pods").length).toBe(1);
    expect(listRequests(sim, "/api/v1/pods").length).toBe(0);
    expect(sim.requests.some((r) => r.path === "/api/v1/namespaces")).toBe(false);
    expect(snapshot.incomplete).toEqual([]);
  });

  it("tells the distribution from /version when nodes cannot be read", async () => {
    const { snapshot } = await scan([{ kind: "forbidden", resource: "nodes" }]);
    expect(snapshot.target.distribution).toBe("k3s");
    expect(snapshot.incomplete.map((i) => i.resource)).toEqual(["nodes"]);
  });
});

describe("readCluster: one fault at a time", () => {
  const LONG = 30_000;

  it("403 on pods: recorded with the Status message, the rest is read", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    const { snapshot } = await scan([{ kind: "forbidden", resource: "pods" }], {}, cluster);
    expect(snapshot.incomplete).toEqual([
      {
        resource: "pods",
        reason:
          '403 Forbidden: pods is forbidden: User "system:serviceaccount:pitfall:pitfall" cannot list resource "pods" in API group "" at the cluster scope',
      },
    ]);
    const { Pod, ...rest } = expectedCounts(cluster);
    expect(Pod).toBeGreaterThan(0);
    expect(counts(snapshot)).toEqual(rest);
    expect(snapshot.previousLogs).toBeUndefined();
  });

  it("externalsecrets CRD absent: recorded as CRD not installed, not an error", {
    timeout: LONG,
  }, async () => {
    const cluster = sourcesCluster();
    const { snapshot } = await scan([{ kind: "absent", resource: "externalsecrets" }], {}, cluster);
    expect(snapshot.incomplete).toEqual([
      { resource: "externalsecrets", reason: expect.stringMatching(/^CRD not installed/) },
    ]);
    const { ExternalSecret, ...rest } = expectedCounts(cluster);
    expect(ExternalSecret).toBe(2);
    expect(counts(snapshot)).toEqual(rest);
  });

  it("discovers external-secrets.io v1beta1 on older operators", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    for (const o of cluster.objects) {
      if (o.kind === "CustomResourceDefinition")
        (o.spec as { versions: { name: string }[] }).versions[0]!.name = "v1beta1";
      if (o.kind === "ExternalSecret") o.apiVersion = "external-secrets.io/v1beta1";
    }
    const { snapshot } = await scan([], {}, cluster);
    const es = snapshot.objects.filter((o) => o.object.kind === "ExternalSecret");
    expect(es.map((o) => o.object.apiVersion)).toEqual([
      "external-secrets.io/v1beta1",
      "external-secrets.io/v1beta1",
    ]);
  });

  it("410 on a continue token: the list starts over and completes", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    const { sim, snapshot } = await scan(
      [{ kind: "expiredContinue", resource: "pods", times: 1 }],
      { pageSize: 2 },
      cluster,
    );
    expect(snapshot.incomplete).toEqual([]);
    expect(counts(snapshot).Pod).toBe(expectedCounts(cluster).Pod);
    const pods = listRequests(sim, "/api/v1/pods");
    expect(pods.filter((r) => r.query.continue === undefined).length).toBe(2);
    expect(pods.some((r) => r.status === 410)).toBe(true);
  });

  it("410 every time: gives up after the relists and records it", { timeout: LONG }, async () => {
    const { sim, snapshot } = await scan([{ kind: "expiredContinue", resource: "pods", times: 100 }], {
      pageSize: 2,
    });
    expect(snapshot.incomplete).toEqual([
      {
        resource: "pods",
        reason: expect.stringMatching(/^410 Gone: the continue token expired on each of 3 tries/),
      },
    ]);
    expect(listRequests(sim, "/api/v1/pods").filter((r) => r.query.continue === undefined).length).toBe(3);
    expect(counts(snapshot).Pod).toBeUndefined();
  });

  it("429 with Retry-After: waits as asked, then succeeds", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    const { asked, sleep } = recordingSleep();
    const { snapshot } = await scan(
      [{ kind: "status", code: 429, resource: "pods", times: 2, retryAfterSeconds: 3 }],
      { retry: { attempts: 4, baseDelayMs: 10, sleep } },
      cluster,
    );
    expect(snapshot.incomplete).toEqual([]);
    expect(counts(snapshot).Pod).toBe(expectedCounts(cluster).Pod);
    expect(asked).toEqual([3000, 3000]);
  });

  it("500 once: retried; 500 always: recorded after the tries run out", { timeout: LONG }, async () => {
    const once = await scan([{ kind: "status", code: 500, resource: "deployments", times: 1 }]);
    expect(once.snapshot.incomplete).toEqual([]);
    const { asked, sleep } = recordingSleep();
    const always = await scan([{ kind: "status", code: 500, resource: "deployments", times: 1000 }], {
      retry: { attempts: 3, baseDelayMs: 10, sleep },
    });
    expect(always.snapshot.incomplete).toEqual([
      {
        resource: "deployments",
        reason: "500 Internal Server Error: Internal error occurred: simulated failure",
      },
    ]);
    expect(listRequests(always.sim, "/apis/apps/v1/deployments").length).toBe(3);
    expect(asked.length).toBe(2);
    expect(counts(always.snapshot).Deployment).toBeUndefined();
    expect(counts(always.snapshot).Pod).toBeGreaterThan(0);
  });

  it("a slow resource beyond the request timeout: recorded, the rest is read", {
    timeout: LONG,
  }, async () => {
    const { snapshot } = await scan([{ kind: "delay", ms: 20_000, resource: "events" }], {
      requestTimeoutMs: 300,
    });
    expect(snapshot.incomplete).toEqual([
      { resource: "events", reason: expect.stringContaining("no complete answer within 300 ms") },
    ]);
    expect(counts(snapshot).Pod).toBeGreaterThan(0);
  });

  it("a hung server: the overall timeout ends the read, everything is recorded", {
    timeout: LONG,
  }, async () => {
    const { snapshot } = await scan([{ kind: "delay", ms: 60_000 }], {
      timeoutMs: 500,
      requestTimeoutMs: 60_000,
    });
    expect(snapshot.objects).toEqual([]);
    const resources = snapshot.incomplete.map((i) => i.resource).sort();
    expect(resources).toContain("pods");
    expect(resources).toContain("externalsecrets");
    expect(resources.length).toBe(18);
    for (const i of snapshot.incomplete) expect(i.reason).toMatch(/^timed out/);
  });

  it("a dropped connection: retried and recovered", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    const { sim, snapshot } = await scan([{ kind: "drop", resource: "pods", times: 1 }], {}, cluster);
    expect(snapshot.incomplete).toEqual([]);
    expect(counts(snapshot).Pod).toBe(expectedCounts(cluster).Pod);
    expect(listRequests(sim, "/api/v1/pods").length).toBe(2);
  });

  it("connections dropped every time: recorded after the tries", { timeout: LONG }, async () => {
    const { snapshot } = await scan([{ kind: "drop", resource: "services" }]);
    expect(snapshot.incomplete).toEqual([
      { resource: "services", reason: expect.stringMatching(/connection|complete/) },
    ]);
    expect(counts(snapshot).Pod).toBeGreaterThan(0);
  });

  it("403 on pods/log: recorded once, the scan goes on", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    const { snapshot } = await scan([{ kind: "forbidden", resource: "pods/log" }], {}, cluster);
    expect(snapshot.incomplete).toEqual([
      { resource: "pods/log", reason: expect.stringMatching(/^403 Forbidden: pods\/log/) },
    ]);
    expect(snapshot.previousLogs?.size).toBe(0);
    expect(counts(snapshot)).toEqual(expectedCounts(cluster));
  });

  it("a log that cannot be fetched is recorded by pod and container", { timeout: LONG }, async () => {
    const cluster = sourcesCluster();
    cluster.logs = cluster.logs.filter((l) => l.pod !== "executor-5c7b-fghij");
    const { snapshot } = await scan([], {}, cluster);
    expect(snapshot.previousLogs?.has("ge-agents/dolly-7d9f-abcde/app")).toBe(true);
    expect(snapshot.incomplete).toEqual([
      {
        resource: "pods/log",
        reason: expect.stringContaining(
          "ge-agents/executor-5c7b-fghij/app (previous): 400 Bad Request: previous terminated container",
        ),
      },
    ]);
  });

  it("a server that is not there: recorded for every resource, without retries", {
    timeout: LONG,
  }, async () => {
    const gone = await startSimulator({ cluster: sourcesCluster() });
    const kubeConfig = await loadKubeConfig({ kubeconfig: gone.writeKubeconfig(dir, { context: "gone" }) });
    await gone.close();
    const { asked, sleep } = recordingSleep();
    const snapshot = await readCluster({ kubeConfig, retry: { attempts: 4, baseDelayMs: 10, sleep } });
    expect(snapshot.objects).toEqual([]);
    expect(snapshot.incomplete).toHaveLength(18);
    for (const i of snapshot.incomplete)
      expect(i.reason).toMatch(/^cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(asked).toEqual([]);
    expect(snapshot.target.distribution).toBeUndefined();
  });

  it("never sends the token anywhere but the Authorization header", async () => {
    const { sim, snapshot } = await scan();
    expect(JSON.stringify(sim.requests)).not.toContain("s3cr3t-token");
    expect(JSON.stringify(snapshot.incomplete)).not.toContain("s3cr3t-token");
  });
});
