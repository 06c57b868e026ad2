// The simulator through @kubernetes/client-node, the way pitfall's live source talks to a cluster.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeKubeconfig } from "./kubeconfig.js";
import { loadCluster } from "./load.js";
import { type Sim, startSimulator } from "./server.js";

const BROKEN = fileURLToPath(new URL("../fixtures/clusters/broken-k3s.yaml", import.meta.url));
const HEALTHY = fileURLToPath(new URL("../fixtures/clusters/healthy-k3s.yaml", import.meta.url));

let sim: Sim;
let dir: string;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  sim = await startSimulator({ cluster: BROKEN });
  dir = mkdtempSync(join(tmpdir(), "pitfall-sim-"));
  kc = new KubeConfig();
  kc.loadFromFile(sim.writeKubeconfig(dir, { context: "broken-k3s" }));
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The Status body of a failed call. */
async function statusOf(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const raw = typeof e.body === "string" ? e.body : JSON.stringify(e.body);
    return { code: e.code, body: JSON.parse(raw) as Record<string, unknown> };
  }
  throw new Error("the call succeeded");
}

describe("lists", () => {
  it("pages through every pod with limit and continue", async () => {
    const expected = loadCluster(BROKEN).objects.filter((o) => o.kind === "Pod").length;
    sim.requests.length = 0;
    const names: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 50; page++) {
      const list = await core.listPodForAllNamespaces({ limit: 5, ...(token ? { _continue: token } : {}) });
      names.push(...list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      token = list.metadata?._continue;
      if (!token) break;
    }
    expect(names).toHaveLength(expected);
    expect(new Set(names).size).toBe(expected);
    const pages = sim.requests.filter((r) => r.path === "/api/v1/pods");
    expect(pages).toHaveLength(Math.ceil(expected / 5));
    expect(pages[0]?.query.continue).toBeUndefined();
    expect(pages.slice(1).every((r) => r.query.limit === "5" && typeof r.query.continue === "string")).toBe(
      true,
    );
  });

  it("lists in a namespace with label selectors", async () => {
    const byApp = await core.listNamespacedPod({ namespace: "ge-agents", labelSelector: "app=ge-executor" });
    expect(byApp.items.map((p) => p.metadata?.name)).toEqual(["ge-executor-59d7c8b6f4-m2xqp"]);

    const inSet = await core.listNamespacedPod({
      namespace: "ge-system",
      labelSelector: "app in (ge-api, ge-docs)",
    });
    expect(inSet.items.map((p) => p.metadata?.name).sort()).toEqual([
      "ge-api-74d9c8b6f5-8hvcz",
      "ge-docs-59b8c7d6f4-fz8kd",
    ]);

    const noHash = await core.listNamespacedPod({
      namespace: "ge-agents",
      labelSelector: "!pod-template-hash",
    });
    expect(noHash.items.map((p) => p.metadata?.name)).toEqual(["redis-0"]);

    const notIn = await core.listNamespacedPod({
      namespace: "ge-system",
      labelSelector: "app notin (ge-webhook-relay,ge-admin-ui,ge-api,ge-docs),app",
    });
    expect(notIn.items.map((p) => p.metadata?.name)).toEqual(["dont-fire-7f9b6c5d8f-lcw2m"]);
  });

  it("filters with field selectors", async () => {
    const pending = await core.listPodForAllNamespaces({ fieldSelector: "status.phase=Pending" });
    expect(pending.items.map((p) => p.metadata?.name).sort()).toEqual([
      "ge-api-74d9c8b6f5-8hvcz",
      "ge-executor-canary-8d6f5c7b9e-p4x7d",
      "ge-webhook-relay-7f8d9c6b45-x6v4q",
    ]);
    const unscheduled = await core.listPodForAllNamespaces({ fieldSelector: "spec.nodeName=" });
    expect(unscheduled.items.map((p) => p.metadata?.name)).toEqual(["ge-webhook-relay-7f8d9c6b45-x6v4q"]);

    const events = await core.listNamespacedEvent({
      namespace: "ge-agents",
      fieldSelector:
        "involvedObject.kind=Pod,involvedObject.name=dolly-orchestrator-5d8c7b9f6d-q7xkz,type!=Normal",
    });
    expect(events.items.map((e) => [e.reason, e.count])).toEqual([["BackOff", 8421]]);
  });

  it("answers an unsupported field selector with a 400 Status", async () => {
    const { code, body } = await statusOf(core.listPodForAllNamespaces({ fieldSelector: "spec.hostname=x" }));
    expect(code).toBe(400);
    expect(body).toMatchObject({
      kind: "Status",
      reason: "BadRequest",
      message: "field label not supported: spec.hostname",
    });
  });
});

describe("objects", () => {
  it("gets one object and answers a missing one with a NotFound Status", async () => {
    const pod = await core.readNamespacedPod({
      namespace: "ge-agents",
      name: "dolly-orchestrator-5d8c7b9f6d-q7xkz",
    });
    expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(8509);

    const { code, body } = await statusOf(core.readNamespacedPod({ namespace: "ge-agents", name: "nope" }));
    expect(code).toBe(404);
    expect(body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "pods" },
      code: 404,
    });
  });

  it("serves the ExternalSecret CRD through CustomObjectsApi and patches it (kubectl annotate)", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const group = "external-secrets.io";
    const list = (await custom.listClusterCustomObject({
      group,
      version: "v1beta1",
      plural: "externalsecrets",
    })) as {
      items: { metadata: { name: string }; spec: { refreshInterval: string } }[];
    };
    expect(list.items.map((e) => [e.metadata.name, e.spec.refreshInterval]).sort()).toEqual([
      ["ge-api-secrets", "1h"],
      ["ge-ingest-secrets", "5m"],
    ]);

    const before = sim.get("externalsecrets", "ge-system", "ge-api-secrets")?.metadata?.resourceVersion;
    await custom.patchNamespacedCustomObject(
      {
        group,
        version: "v1beta1",
        namespace: "ge-system",
        plural: "externalsecrets",
        name: "ge-api-secrets",
        body: { metadata: { annotations: { "force-sync": "1774519200" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const after = sim.get("ExternalSecret", "ge-system", "ge-api-secrets");
    expect(after?.metadata?.annotations).toEqual({ "force-sync": "1774519200" });
    expect(Number(after?.metadata?.resourceVersion)).toBeGreaterThan(Number(before));
  });

  it("applies JSON patches and leaves objects alone on dryRun=All", async () => {
    const apps = { namespace: "ge-agents", name: "ge-notes" };
    const patch = [{ op: "add", path: "/metadata/annotations", value: { "pitfall.dev/fixed": "resources" } }];
    const url = `${sim.url}/apis/apps/v1/namespaces/${apps.namespace}/deployments/${apps.name}`;
    const dry = await fetch(`${url}?dryRun=All`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json-patch+json" },
      body: JSON.stringify(patch),
    });
    expect(((await dry.json()) as { metadata: { annotations: unknown } }).metadata.annotations).toEqual({
      "pitfall.dev/fixed": "resources",
    });
    expect(sim.get("Deployment", apps.namespace, apps.name)?.metadata?.annotations).toEqual({
      "deployment.kubernetes.io/revision": "1",
    });

    await core.patchNamespacedPod(
      {
        namespace: "ge-agents",
        name: "ge-notes-6b8c7d9f5d-w9fxb",
        body: [{ op: "add", path: "/metadata/labels/checked", value: "yes" }],
      },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(sim.get("Pod", "ge-agents", "ge-notes-6b8c7d9f5d-w9fxb")?.metadata?.labels?.checked).toBe("yes");
  });

  it("serves discovery and the k3s version", async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe("v1.33.4+k3s1");
    const groups = (await (await fetch(`${sim.url}/apis`)).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        "apps",
        "batch",
        "networking.k8s.io",
        "discovery.k8s.io",
        "external-secrets.io",
      ]),
    );
    const es = (await (await fetch(`${sim.url}/apis/external-secrets.io/v1beta1`)).json()) as {
      resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
    };
    expect(es.resources).toEqual([
      expect.objectContaining({ name: "externalsecrets", kind: "ExternalSecret", namespaced: true }),
    ]);
    expect(es.resources[0]?.verbs).toEqual(expect.arrayContaining(["get", "list", "watch", "patch"]));
  });

  it("serves a Table when asked as kubectl asks", async () => {
    const res = await fetch(
      `${sim.url}/api/v1/namespaces/ge-agents/pods?fieldSelector=metadata.name=dolly-orchestrator-5d8c7b9f6d-q7xkz`,
      {
        headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
      },
    );
    const table = (await res.json()) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual([
      "Name",
      "Ready",
      "Status",
      "Restarts",
      "Age",
    ]);
    expect(table.rows[0]?.cells.slice(0, 5)).toEqual([
      "dolly-orchestrator-5d8c7b9f6d-q7xkz",
      "0/1",
      "CrashLoopBackOff",
      expect.stringMatching(/^8509 \(5m\d+s ago\)$/),
      "30d",
    ]);
  });
});

describe("logs", () => {
  const dolly = { namespace: "ge-agents", name: "dolly-orchestrator-5d8c7b9f6d-q7xkz" };

  it("returns the previous log, tailed", async () => {
    const text = await core.readNamespacedPodLog({
      ...dolly,
      container: "orchestrator",
      previous: true,
      tailLines: 1,
    });
    expect(text).toBe(
      "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.\n",
    );
    const full = await core.readNamespacedPodLog({ ...dolly, previous: true });
    expect(full.split("\n")[1]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO connecting to redis at redis:6379$/,
    );
  });

  it("answers 400 when there is no previous container, or the container is waiting", async () => {
    const noPrevious = await statusOf(
      core.readNamespacedPodLog({
        namespace: "ge-system",
        name: "ge-admin-ui-6d8f9b7c5c-r7jmw",
        previous: true,
      }),
    );
    expect(noPrevious.code).toBe(400);
    expect(noPrevious.body.message).toBe(
      'previous terminated container "admin-ui" in pod "ge-admin-ui-6d8f9b7c5c-r7jmw" not found',
    );

    const waiting = await statusOf(
      core.readNamespacedPodLog({ namespace: "ge-system", name: "ge-api-74d9c8b6f5-8hvcz" }),
    );
    expect(waiting.body.message).toBe(
      'container "api" in pod "ge-api-74d9c8b6f5-8hvcz" is waiting to start: CreateContainerConfigError',
    );
  });

  it("shows the ClusterIP failure in the admin-ui's current log", async () => {
    const text = await core.readNamespacedPodLog({
      namespace: "ge-system",
      name: "ge-admin-ui-6d8f9b7c5c-r7jmw",
      tailLines: 1,
    });
    expect(text).toContain("dial tcp 10.43.0.1:443: connect: connection refused");
  });
});

describe("watch", () => {
  type Seen = { type: string; name: string; rv: string; code?: number };

  /** Watches until `until` says enough; the test timeout bounds the wait. */
  function watchUntil(path: string, query: Record<string, string>, until: (seen: Seen[]) => boolean) {
    const seen: Seen[] = [];
    let abort: AbortController | undefined;
    const done = new Promise<Seen[]>((resolve, reject) => {
      new Watch(kc)
        .watch(
          path,
          query,
          (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
            seen.push({
              type,
              name: obj.metadata?.name ?? "",
              rv: obj.metadata?.resourceVersion ?? "",
              ...(obj.code ? { code: obj.code } : {}),
            });
            if (until(seen)) resolve(seen);
          },
          (err) => (err ? reject(err) : resolve(seen)),
        )
        .then((c) => {
          abort = c;
        }, reject);
    });
    return done.finally(() => abort?.abort());
  }

  it("sends MODIFIED, ADDED and DELETED as changes happen, after a BOOKMARK once caught up", async () => {
    const list = await core.listNamespacedPod({ namespace: "ge-agents" });
    const rv = list.metadata?.resourceVersion ?? "";
    const query = { resourceVersion: rv, allowWatchBookmarks: "true" };
    const seen = await watchUntil("/api/v1/namespaces/ge-agents/pods", query, (s) => {
      if (s.length === 1 && s[0]?.type === "BOOKMARK") {
        // Caught up: from here on, changes arrive live.
        const notes = sim.get("Pod", "ge-agents", "ge-notes-6b8c7d9f5d-w9fxb")!;
        sim.apply({
          ...notes,
          metadata: { ...notes.metadata, labels: { ...notes.metadata?.labels, touched: "1" } },
        });
        sim.apply({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "scratch", namespace: "ge-agents" },
          spec: { containers: [] },
        });
        sim.apply({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "elsewhere", namespace: "ge-system" },
          spec: { containers: [] },
        });
        sim.remove("Pod", "ge-agents", "scratch");
      }
      return s.some((e) => e.type === "DELETED");
    });
    expect(seen.map((e) => [e.type, e.name])).toEqual([
      ["BOOKMARK", ""],
      ["MODIFIED", "ge-notes-6b8c7d9f5d-w9fxb"],
      ["ADDED", "scratch"],
      ["DELETED", "scratch"],
    ]);
    expect(seen[0]?.rv).toBe(rv);
    const rvs = seen.slice(1).map((e) => Number(e.rv));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(rvs[0]).toBeGreaterThan(Number(rv));
    sim.remove("Pod", "ge-system", "elsewhere");
  });

  it("replays changes after an older resourceVersion", async () => {
    const start = sim.resourceVersion;
    sim.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "replayed", namespace: "ge-agents" },
      data: { a: "1" },
    });
    const seen = await watchUntil(
      "/api/v1/namespaces/ge-agents/configmaps",
      { resourceVersion: start },
      (s) => s.length >= 1,
    );
    expect(seen.map((e) => [e.type, e.name])).toEqual([["ADDED", "replayed"]]);
  });

  it("sends a 410 Expired ERROR for a resourceVersion older than the history", async () => {
    const old = sim.resourceVersion;
    sim.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "compacted", namespace: "ge-agents" },
    });
    sim.compact();
    const seen = await watchUntil("/api/v1/pods", { resourceVersion: old }, (s) => s.length >= 1);
    expect(seen).toEqual([{ type: "ERROR", name: "", rv: "", code: 410 }]);
  });

  it("ends at timeoutSeconds, with a BOOKMARK when bookmarks are allowed", async () => {
    const query = { resourceVersion: sim.resourceVersion, allowWatchBookmarks: "true", timeoutSeconds: "1" };
    const seen = await watchUntil("/api/v1/namespaces/ge-agents/secrets", query, () => false);
    expect(seen.map((e) => e.type)).toEqual(["BOOKMARK", "BOOKMARK"]);
  });

  it("marks the end of initial events when sendInitialEvents is asked for", async () => {
    const query = {
      sendInitialEvents: "true",
      allowWatchBookmarks: "true",
      resourceVersionMatch: "NotOlderThan",
    };
    const seen = await watchUntil("/api/v1/nodes", query, (s) => s.some((e) => e.type === "BOOKMARK"));
    expect(seen.map((e) => [e.type, e.name])).toEqual([
      ["ADDED", "k3s-agent-1"],
      ["ADDED", "k3s-server-1"],
      ["BOOKMARK", ""],
    ]);
  });

  it("feeds an informer: list, then watch adds, updates and deletes", async () => {
    const informer = makeInformer(kc, "/api/v1/namespaces/kube-system/pods", () =>
      core.listNamespacedPod({ namespace: "kube-system" }),
    );
    const log: string[] = [];
    const changed = new Promise<void>((resolve, reject) => {
      informer.on("error", reject);
      informer.on("add", (o) => {
        log.push(`add ${o.metadata?.name}`);
        if (log.length !== 2) return;
        // Both listed pods are in: change things; the watch that follows replays them from the list's version.
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "informed", namespace: "kube-system" },
        };
        sim.apply({ ...pod, spec: { containers: [], nodeName: "k3s-server-1" } });
        sim.apply({ ...pod, spec: { containers: [], nodeName: "k3s-agent-1" } });
        sim.remove("Pod", "kube-system", "informed");
      });
      informer.on("update", (o) => log.push(`update ${o.metadata?.name} ${o.spec?.nodeName}`));
      informer.on("delete", (o) => {
        log.push(`delete ${o.metadata?.name}`);
        resolve();
      });
    });
    await informer.start();
    try {
      await changed;
    } finally {
      await informer.stop();
    }
    expect(log).toEqual([
      "add coredns-64fd4b4794-8x2jk",
      "add traefik-c98fdf6fb-4bq7n",
      "add informed",
      "update informed k3s-agent-1",
      "delete informed",
    ]);
  });

  it("watches a single object by its path", async () => {
    const seen = await watchUntil("/api/v1/namespaces/ge-agents/pods/redis-0", {}, (s) => s.length >= 1);
    expect(seen.map((e) => [e.type, e.name])).toEqual([["ADDED", "redis-0"]]);
  });

  it("starts with ADDED for every object when no resourceVersion is given", async () => {
    const seen = await watchUntil("/api/v1/namespaces/kube-system/pods", {}, (s) => s.length >= 2);
    expect(seen.map((e) => [e.type, e.name])).toEqual([
      ["ADDED", "coredns-64fd4b4794-8x2jk"],
      ["ADDED", "traefik-c98fdf6fb-4bq7n"],
    ]);
  });
});

describe("an empty simulator", () => {
  it("serves a CRD applied at runtime, and its objects", async () => {
    const empty = await startSimulator();
    try {
      expect((await fetch(`${empty.url}/apis/example.dev/v1/widgets`)).status).toBe(404);
      empty.apply({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.example.dev" },
        spec: {
          group: "example.dev",
          scope: "Cluster",
          names: { kind: "Widget", plural: "widgets", singular: "widget" },
          versions: [{ name: "v1", served: true, storage: true }],
        },
      });
      empty.apply({ apiVersion: "example.dev/v1", kind: "Widget", metadata: { name: "w1" } });
      const list = (await (await fetch(`${empty.url}/apis/example.dev/v1/widgets`)).json()) as {
        kind: string;
        items: { metadata: { name: string; uid: string } }[];
      };
      expect(list.kind).toBe("WidgetList");
      expect(list.items.map((w) => w.metadata.name)).toEqual(["w1"]);
      expect(list.items[0]?.metadata.uid).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    } finally {
      await empty.close();
    }
  });
});

describe("kubeconfig", () => {
  it("holds several simulators as contexts of one file", async () => {
    const healthy = await startSimulator({ cluster: HEALTHY, token: "h-token" });
    try {
      const file = writeKubeconfig(join(dir, "two.yaml"), [
        healthy.kubeconfigEntry("healthy-k3s", "ge-agents"),
        sim.kubeconfigEntry("broken-k3s"),
      ]);
      const two = new KubeConfig();
      two.loadFromFile(file);
      expect(two.getContexts().map((c) => [c.name, c.namespace])).toEqual([
        ["healthy-k3s", "ge-agents"],
        ["broken-k3s", undefined],
      ]);
      expect(two.getCurrentContext()).toBe("healthy-k3s");
      const versions: string[] = [];
      for (const context of ["healthy-k3s", "broken-k3s"]) {
        two.setCurrentContext(context);
        const nodes = await two.makeApiClient(CoreV1Api).listNode();
        versions.push(String(nodes.items[0]?.status?.nodeInfo?.kubeletVersion));
      }
      expect(versions).toEqual(["v1.34.1+k3s1", "v1.33.4+k3s1"]);
    } finally {
      await healthy.close();
    }
  });
});

describe("auth", () => {
  it("requires the bearer token when one is set", async () => {
    const guarded = await startSimulator({ cluster: BROKEN, token: "s3cret" });
    try {
      const good = new KubeConfig();
      good.loadFromFile(guarded.writeKubeconfig(dir, { context: "guarded" }));
      const nodes = await good.makeApiClient(CoreV1Api).listNode();
      expect(nodes.items.map((n) => n.metadata?.name)).toEqual(["k3s-agent-1", "k3s-server-1"]);

      const res = await fetch(`${guarded.url}/api/v1/nodes`, { headers: { Authorization: "Bearer wrong" } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    } finally {
      await guarded.close();
    }
  });
});
