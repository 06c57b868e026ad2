// Paging against the real API server: 5,000 pods read in small chunks come out the same as in one list.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCluster, writeKubeconfig } from "../sim/index.js";
import { runCli, spawnCollect } from "../support/cli.js";
import { comparable, type ScanJson } from "./compare.js";
import { apiCall, type Cluster, writeClusterKubeconfig } from "./harness.js";
import { loadFixture } from "./load.js";
import { type ApiProxy, startProxy } from "./proxy.js";
import { sharedCluster, unavailable, uniquePrefix } from "./shared.js";

const PODS = 5000;
const CHUNK = 50;

describe.skipIf(unavailable)(`${PODS} pods on the real API server, listed in chunks`, () => {
  let dir: string;
  let cluster: Cluster;
  let proxy: ApiProxy;
  let admin: string;
  let viaProxy: string;
  let namespace: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-paging-"));
    cluster = await sharedCluster();
    const prefix = uniquePrefix();
    // One namespace, so that `-n` reads all of them and nothing another test writes.
    const generated = generateCluster({ pods: PODS, nodes: 10, events: 100, namespaces: 1, seed: 7 });
    generated.objects = generated.objects.map((o) =>
      o.kind === "Node" ? { ...o, metadata: { ...o.metadata, name: `${prefix}${o.metadata?.name}` } } : o,
    );
    for (const o of generated.objects) {
      const spec = o.spec as { nodeName?: string } | undefined;
      if (o.kind === "Pod" && spec?.nodeName) spec.nodeName = `${prefix}${spec.nodeName}`;
    }
    const loaded = await loadFixture(cluster, generated, { namespacePrefix: prefix, backdate: false });
    namespace = loaded.fixture.objects.find((o) => o.kind === "Namespace")!.metadata!.name!;
    admin = writeClusterKubeconfig(cluster, join(dir, "admin.yaml"), { context: "office" });
    proxy = await startProxy(cluster);
    viaProxy = writeKubeconfig(join(dir, "proxy.yaml"), [{ context: "office", server: proxy.url }]);
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the API server's pages put together equal its one list", async () => {
    const path = `/api/v1/namespaces/${namespace}/pods`;
    const whole = await apiCall(cluster, "GET", path);
    const names = (list: Record<string, unknown>) =>
      (list.items as { metadata: { name: string } }[]).map((p) => p.metadata.name);
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await apiCall(
        cluster,
        "GET",
        `${path}?limit=${CHUNK}${token ? `&continue=${encodeURIComponent(token)}` : ""}`,
      );
      paged.push(...names(page));
      token = (page.metadata as { continue?: string }).continue || undefined;
      pages++;
    } while (token);
    expect(names(whole)).toHaveLength(PODS);
    expect(paged).toEqual(names(whole));
    expect(pages).toBe(PODS / CHUNK);
  }, 120_000);

  it("kubectl get --chunk-size (its default, 500) gives what one list gives", async () => {
    const get = (chunk: number) =>
      spawnCollect("kubectl", ["get", "pods", "-n", namespace, "-o", "name", `--chunk-size=${chunk}`], {
        env: { ...process.env, KUBECONFIG: admin },
      });
    // kubectl itself is slow with many small chunks (seconds per thousand objects), so its own default here.
    const [chunked, whole] = [await get(500), await get(0)];
    expect(chunked.code, chunked.err).toBe(0);
    expect(chunked.out.trim().split("\n")).toHaveLength(PODS);
    expect(chunked.out).toBe(whole.out);
  }, 120_000);

  it("scan --chunk-size 50 finds what one page of 5000 finds, reading every page", async () => {
    const scan = async (chunk: number) => {
      proxy.requests.length = 0;
      const r = await runCli(
        [
          "scan",
          "-o",
          "json",
          "--kubeconfig",
          viaProxy,
          "-n",
          namespace,
          "--chunk-size",
          String(chunk),
          "--timeout",
          "5m",
        ],
        { cwd: dir, env: { HOME: dir } },
      );
      const podLists = proxy.requests.filter((q) => q.path === `/api/v1/namespaces/${namespace}/pods`);
      return { code: r.code, json: JSON.parse(r.out) as ScanJson, podLists };
    };
    const small = await scan(CHUNK);
    const big = await scan(PODS);
    expect(small.podLists.every((q) => q.query.get("limit") === String(CHUNK))).toBe(true);
    expect(small.podLists.length).toBe(PODS / CHUNK);
    expect(small.podLists.filter((q) => q.query.has("continue"))).toHaveLength(PODS / CHUNK - 1);
    expect(big.podLists).toHaveLength(1);
    // Every list was read whole; what may be missing is logs (a bounded number is fetched) and the CRD.
    const unread = (j: ScanJson) =>
      (j.incomplete ?? [])
        .filter((i) => i.resource !== "externalsecrets")
        .map((i) => `${i.resource}: ${i.reason}`);
    expect(unread(small.json).every((i) => i.startsWith("pods/log: "))).toBe(true);
    expect(unread(small.json)).toEqual(unread(big.json));
    // The generated cluster has crash loops, OOM kills and pull failures among its pods.
    const inNamespace = (j: ScanJson) => j.findings.filter((f) => f.object.namespace === namespace);
    expect(inNamespace(small.json).length).toBeGreaterThan(50);
    expect(comparable(inNamespace(small.json))).toEqual(comparable(inNamespace(big.json)));
  }, 300_000);
});
