// Injected faults, seen through @kubernetes/client-node: each does what a real API server would do.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Sim, startSimulator } from "./server.js";

const BROKEN = fileURLToPath(new URL("../fixtures/clusters/broken-k3s.yaml", import.meta.url));

let sim: Sim;
let dir: string;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sim = await startSimulator({ cluster: BROKEN });
  dir = mkdtempSync(join(tmpdir(), "pitfall-faults-"));
  kc = new KubeConfig();
  kc.loadFromFile(sim.writeKubeconfig(dir));
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(() => {
  sim.setFaults([]);
  sim.requests.length = 0;
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (e) {
    if (e instanceof ApiException) return e as ApiException<string>;
    throw e;
  }
  throw new Error("the call succeeded");
}

function bodyOf(e: ApiException<string>): Record<string, unknown> {
  return JSON.parse(e.body) as Record<string, unknown>;
}

describe("forbidden", () => {
  it("answers 403 with the RBAC message for the resource, and only for it", async () => {
    sim.setFaults([{ kind: "forbidden", resource: "pods", verb: "list" }]);
    const all = await failure(core.listPodForAllNamespaces());
    expect(all.code).toBe(403);
    expect(bodyOf(all)).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Forbidden",
      code: 403,
      details: { kind: "pods" },
      message:
        'pods is forbidden: User "system:serviceaccount:pitfall:pitfall" cannot list resource "pods" in API group "" at the cluster scope',
    });
    const inNs = await failure(core.listNamespacedPod({ namespace: "ge-agents" }));
    expect(bodyOf(inNs).message).toContain(
      'cannot list resource "pods" in API group "" in the namespace "ge-agents"',
    );

    // Other resources and other verbs still work: a partial failure.
    expect((await core.listNode()).items).toHaveLength(2);
    const one = await core.readNamespacedPod({ namespace: "ge-agents", name: "redis-0" });
    expect(one.metadata?.name).toBe("redis-0");
  });

  it("names the user and the subresource", async () => {
    sim.setFaults([
      { kind: "forbidden", resource: "pods/log", user: "system:serviceaccount:ge-system:viewer" },
    ]);
    const e = await failure(core.readNamespacedPodLog({ namespace: "ge-agents", name: "redis-0" }));
    expect(e.code).toBe(403);
  });
});

describe("absent", () => {
  it("removes a CRD from discovery and answers 404 for its paths", async () => {
    sim.setFaults([{ kind: "absent", resource: "externalsecrets" }]);
    const groups = (await (await fetch(`${sim.url}/apis`)).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).not.toContain("external-secrets.io");
    expect((await fetch(`${sim.url}/apis/external-secrets.io/v1beta1`)).status).toBe(404);

    const custom = kc.makeApiClient(CustomObjectsApi);
    const e = await failure(
      custom.listClusterCustomObject({
        group: "external-secrets.io",
        version: "v1beta1",
        plural: "externalsecrets",
      }),
    );
    expect(e.code).toBe(404);
    expect(bodyOf(e)).toMatchObject({
      reason: "NotFound",
      message: "the server could not find the requested resource",
    });

    sim.setFaults([]);
    const back = (await custom.listClusterCustomObject({
      group: "external-secrets.io",
      version: "v1beta1",
      plural: "externalsecrets",
    })) as { items: unknown[] };
    expect(back.items).toHaveLength(2);
  });
});

describe("expired continue", () => {
  it("answers 410 Expired on the first continue, then lists again from the start", async () => {
    sim.setFaults([{ kind: "expiredContinue", resource: "pods" }]);
    const first = await core.listPodForAllNamespaces({ limit: 10 });
    const token = first.metadata?._continue;
    expect(token).toBeTruthy();
    const e = await failure(core.listPodForAllNamespaces({ limit: 10, _continue: token! }));
    expect(e.code).toBe(410);
    const body = bodyOf(e);
    expect(body).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
    expect(String(body.message)).toMatch(/^The provided continue parameter is too old/);
    expect((body.metadata as { continue?: string }).continue).toBeTruthy();

    // The fault fires once: a fresh list pages through.
    let count = 0;
    let next: string | undefined;
    for (let page = 0; page < 20; page++) {
      const list = await core.listPodForAllNamespaces({ limit: 10, ...(next ? { _continue: next } : {}) });
      count += list.items.length;
      next = list.metadata?._continue;
      if (!next) break;
    }
    expect(count).toBe(21);
  });

  it("expires a continue token once the history moved past it (compaction)", async () => {
    const small = await startSimulator({ cluster: BROKEN, historySize: 2 });
    try {
      const first = (await (await fetch(`${small.url}/api/v1/pods?limit=5`)).json()) as {
        metadata: { continue: string };
      };
      for (let i = 0; i < 3; i++) {
        small.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `churn-${i}`, namespace: "default" },
        });
      }
      const res = await fetch(
        `${small.url}/api/v1/pods?limit=5&continue=${encodeURIComponent(first.metadata.continue)}`,
      );
      expect(res.status).toBe(410);
      expect(await res.json()).toMatchObject({ reason: "Expired" });
    } finally {
      await small.close();
    }
  });
});

describe("throttling and server errors", () => {
  it("answers 429 with Retry-After for the first N requests, then succeeds", async () => {
    sim.setFaults([{ kind: "status", code: 429, resource: "nodes", times: 2, retryAfterSeconds: 2 }]);
    for (let i = 0; i < 2; i++) {
      const e = await failure(core.listNode());
      expect(e.code).toBe(429);
      expect(e.headers["retry-after"]).toBe("2");
      expect(bodyOf(e)).toMatchObject({ reason: "TooManyRequests", details: { retryAfterSeconds: 2 } });
    }
    expect((await core.listNode()).items).toHaveLength(2);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("answers 500 with Retry-After", async () => {
    sim.setFaults([{ kind: "status", code: 500, times: 1 }]);
    const e = await failure(core.listNamespace());
    expect(e.code).toBe(500);
    expect(e.headers["retry-after"]).toBe("1");
    expect(bodyOf(e)).toMatchObject({ reason: "InternalError" });
    expect((await core.listNamespace()).items).toHaveLength(4);
  });
});

describe("slow and dropped responses", () => {
  it("delays the responses of one resource only", async () => {
    sim.setFaults([{ kind: "delay", resource: "pods", ms: 500 }]);
    const order: string[] = [];
    const pods = core.listPodForAllNamespaces().then(() => order.push("pods"));
    // Sent after the pods request: it still answers first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const nodes = core.listNode().then(() => order.push("nodes"));
    await Promise.all([pods, nodes]);
    expect(order).toEqual(["nodes", "pods"]);
  });

  it("drops the connection mid-response, then answers the next request", async () => {
    sim.setFaults([{ kind: "drop", resource: "pods", times: 1 }]);
    await expect(core.listPodForAllNamespaces()).rejects.toThrow();
    expect(sim.requests[0]?.status).toBe(0);
    expect((await core.listPodForAllNamespaces()).items).toHaveLength(21);
  });

  it("drops a watch mid-stream", async () => {
    sim.setFaults([{ kind: "drop", resource: "pods" }]);
    const res = await fetch(`${sim.url}/api/v1/pods?watch=true`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });
});
