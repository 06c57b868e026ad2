// 410 Gone from the real API server after etcd compaction: a continue token that expired mid-list, and a watch
// that resumes from a compacted resourceVersion. Both must end in a relist that loses and repeats nothing.
//
// This file runs its own server with --watch-cache=false. With the watch cache (the default), Kubernetes 1.34 serves
// continue pages and recent watches from memory, so compacting etcd expires neither; without it every read goes to
// etcd, as on a server whose cache has moved past the client's resourceVersion.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { generateCluster, writeKubeconfig } from "../sim/index.js";
import { runCli, spawnCollect } from "../support/cli.js";
import { waitFor } from "../watch/support.js";
import { comparable, findingKey, type JsonFinding, type ScanJson, timeless } from "./compare.js";
import { type Cluster, compactEtcd, setContainerLog, startCluster } from "./harness.js";
import { loadFixture, writeStatus } from "./load.js";
import { type ApiProxy, startProxy } from "./proxy.js";
import { unavailable } from "./shared.js";
import { startWatch } from "./watching.js";

const PODS = 400;
const CHUNK = 50;

type Json = Record<string, unknown>;

function podState(pod: KubeObject): "running" | "crashloop" | "other" {
  const cs = (
    pod.status as { containerStatuses?: { state?: { running?: unknown; waiting?: { reason?: string } } }[] }
  )?.containerStatuses?.[0];
  if (cs?.state?.running) return "running";
  return cs?.state?.waiting?.reason === "CrashLoopBackOff" ? "crashloop" : "other";
}

describe.skipIf(unavailable)("410 Gone after etcd compaction, on the real API server", () => {
  let dir: string;
  let cluster: Cluster;
  let proxy: ApiProxy;
  let kubeconfig: string;
  let namespace: string;
  let pods: KubeObject[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-expiry-"));
    cluster = await startCluster({ apiserverArgs: ["--watch-cache=false"] });
    const loaded = await loadFixture(
      cluster,
      generateCluster({ pods: PODS, nodes: 4, events: 50, namespaces: 1, seed: 11 }),
      { backdate: false },
    );
    namespace = loaded.fixture.objects.find((o) => o.kind === "Namespace")!.metadata!.name!;
    pods = loaded.fixture.objects.filter((o) => o.kind === "Pod");
    proxy = await startProxy(cluster);
    kubeconfig = writeKubeconfig(join(dir, "proxy.yaml"), [{ context: "office", server: proxy.url }]);
  }, 300_000);
  afterAll(async () => {
    await proxy?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const podPath = `/api/v1/namespaces/`;
  const isPodList = (path: string) => path === `${podPath}${namespace}/pods`;

  /** Compacts etcd just before the first continue of a pod list goes out, so that its token is too old. */
  const compactBeforeFirstContinue = () => {
    let done = false;
    proxy.before = async (req) => {
      if (done || !isPodList(req.path) || !req.query.has("continue")) return;
      done = true;
      await compactEtcd(cluster);
    };
  };

  const scan = async () => {
    const r = await runCli(
      ["scan", "-o", "json", "--kubeconfig", kubeconfig, "-n", namespace, "--chunk-size", String(CHUNK)],
      { cwd: dir, env: { HOME: dir } },
    );
    return { code: r.code, json: JSON.parse(r.out) as ScanJson };
  };

  it("scan: a continue token expired by compaction is answered 410, and the list starts over", async () => {
    proxy.before = undefined;
    const baseline = await scan();
    proxy.requests.length = 0;
    compactBeforeFirstContinue();
    const after = await scan();
    proxy.before = undefined;
    const lists = proxy.requests.filter((q) => isPodList(q.path));
    const expired = lists.findIndex((q) => q.expired);
    expect(expired, "a pod list answered 410").toBeGreaterThan(0);
    expect(lists[expired]!.query.has("continue")).toBe(true);
    // Then a fresh first page, and every page to the end.
    expect(lists[expired + 1]!.query.has("continue")).toBe(false);
    expect(lists.slice(expired + 1)).toHaveLength(PODS / CHUNK);
    expect(after.json.incomplete?.filter((i) => i.resource === "pods") ?? []).toEqual([]);
    expect(after.json.findings.length).toBeGreaterThan(5);
    expect(comparable(after.json.findings)).toEqual(comparable(baseline.json.findings));
  }, 120_000);

  it("kubectl get, given the same expired token, stops with Expired where pitfall starts over", async () => {
    proxy.requests.length = 0;
    compactBeforeFirstContinue();
    const r = await spawnCollect(
      "kubectl",
      ["get", "pods", "-n", namespace, "-o", "name", `--chunk-size=${CHUNK}`],
      {
        env: { ...process.env, KUBECONFIG: kubeconfig },
      },
    );
    proxy.before = undefined;
    expect(proxy.requests.filter((q) => isPodList(q.path)).some((q) => q.expired)).toBe(true);
    expect(r.code).toBe(1);
    expect(r.err).toContain("The provided continue parameter is too old");
  }, 120_000);

  it("watch: resuming from a compacted resourceVersion gets 410, relists, and loses or repeats no finding", async () => {
    const start = (await scan()).json.findings;
    const { cli, lines } = await startWatch(["--kubeconfig", kubeconfig, "-n", namespace], dir);
    await waitFor("the initial findings", () => lines().length >= start.length, 60_000);
    expect(comparable(lines().map((l) => l.finding))).toEqual(comparable(start));

    const [toBreak, toHeal, sentinel] = [
      pods.find((p) => podState(p) === "running")!,
      pods.find((p) => podState(p) === "crashloop")!,
      pods.filter((p) => podState(p) === "crashloop")[1]!,
    ];
    // The watches drop and stay away while the cluster changes and etcd forgets the history they would resume from.
    proxy.holdWatches();
    expect(proxy.dropWatches()).toBeGreaterThan(0);
    proxy.requests.length = 0;
    await crashLoop(toBreak);
    await recover(toHeal);
    await compactEtcd(cluster);
    proxy.releaseWatches();

    const named = (p: KubeObject) => (l: { finding: JsonFinding }) =>
      l.finding.object.name === p.metadata?.name;
    await waitFor(
      "the changes made while the watch was away",
      () =>
        lines().some((l) => named(toBreak)(l) && l.event === "appeared") &&
        lines().some((l) => named(toHeal)(l) && l.event === "resolved"),
      60_000,
    );
    expect(proxy.requests.some((q) => q.expired)).toBe(true);
    // A change after the relist: everything the relist emitted came before it.
    await recover(sentinel);
    await waitFor(
      "the sentinel's resolution",
      () => lines().some((l) => named(sentinel)(l) && l.event === "resolved"),
      60_000,
    );
    expect(await cli.stop()).toBe(0);

    // Each finding appeared once and resolved at most once; what is open now is what a scan finds now.
    // A node can have several findings of one rule; the message tells them apart.
    const identity = (f: JsonFinding) => `${findingKey(f)}: ${timeless(f.message)}`;
    const events = lines().map((l) => `${l.event} ${identity(l.finding)}`);
    expect(
      events.filter((e, i) => events.indexOf(e) !== i),
      events.join("\n"),
    ).toEqual([]);
    const open = new Map<string, JsonFinding>();
    for (const l of lines()) {
      if (l.event === "appeared") open.set(identity(l.finding), l.finding);
      else open.delete(identity(l.finding));
    }
    expect(comparable([...open.values()])).toEqual(comparable((await scan()).json.findings));
  }, 180_000);

  async function crashLoop(pod: KubeObject): Promise<void> {
    const path = `${podPath}${namespace}/pods/${pod.metadata?.name}`;
    const status = structuredClone(pod.status) as Json & { containerStatuses: Json[] };
    const container = String(status.containerStatuses[0]!.name);
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    status.containerStatuses[0] = {
      ...status.containerStatuses[0],
      ready: false,
      started: false,
      restartCount: 7,
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off 2m40s restarting failed container=${container}`,
        },
      },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: "Error",
          startedAt: ago(90),
          finishedAt: ago(80),
          containerID: `containerd://${"ef".repeat(32)}`,
        },
      },
    };
    await setContainerLog(cluster, {
      namespace,
      pod: String(pod.metadata?.name),
      container,
      previous: true,
      text: "Traceback (most recent call last):\nKeyError: 'DATABASE_URL'\n",
    });
    await writeStatus(cluster, path, status);
  }

  async function recover(pod: KubeObject): Promise<void> {
    const path = `${podPath}${namespace}/pods/${pod.metadata?.name}`;
    const status = structuredClone(pod.status) as Json & { containerStatuses: Json[] };
    status.containerStatuses[0] = {
      ...status.containerStatuses[0],
      ready: true,
      started: true,
      state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z") } },
    };
    await writeStatus(cluster, path, status);
  }
});
