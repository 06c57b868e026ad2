// A CRD that is not installed, then installed, on the real API server: the scan says what it could not check
// (404 from the real discovery and list), then finds what the custom resources show.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "../sim/index.js";
import { runCli } from "../support/cli.js";
import { findingKey, type ScanJson } from "./compare.js";
import { apiRequest, type Cluster, startCluster, writeClusterKubeconfig } from "./harness.js";
import { loadFixture } from "./load.js";
import { unavailable } from "./shared.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";

describe.skipIf(unavailable)("ExternalSecret CRD on the real API server", () => {
  let dir: string;
  let cluster: Cluster;
  let kubeconfig: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-crd-"));
    // Its own server: the CRD is cluster-wide, and "not installed" must be true for the whole server.
    cluster = await startCluster();
    kubeconfig = writeClusterKubeconfig(cluster, join(dir, "kubeconfig"), { context: "office" });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const scan = async () => {
    const r = await runCli(["scan", "-o", "json", "--kubeconfig", kubeconfig], {
      cwd: dir,
      env: { HOME: dir },
    });
    return { code: r.code, err: r.err, json: JSON.parse(r.out) as ScanJson };
  };

  it("without the CRD: externalsecrets is not checked (404), exit 3", async () => {
    const crds = await apiRequest(cluster, "GET", "/apis/external-secrets.io/v1beta1/externalsecrets");
    expect(crds.status).toBe(404);
    const r = await scan();
    expect(r.code, r.err).toBe(3);
    const missing = r.json.incomplete?.filter((i) => i.resource.startsWith("externalsecrets")) ?? [];
    expect(missing).toHaveLength(1);
    expect(missing[0]!.reason).toMatch(/404|not installed|not found/i);
    // Only the CRD is missing: everything else was read.
    expect(r.json.incomplete).toHaveLength(1);
  });

  it("after installing the CRD and an ExternalSecret, its finding appears and the scan is complete", async () => {
    const fixture = loadCluster(BROKEN);
    const wanted = (kind: string, name?: string) =>
      fixture.objects.filter((o) => o.kind === kind && (!name || o.metadata?.name === name));
    const objects = [
      ...wanted("CustomResourceDefinition"),
      ...wanted("Namespace", "ge-system"),
      ...wanted("ExternalSecret", "ge-api-secrets"),
    ];
    expect(objects).toHaveLength(3);
    await loadFixture(cluster, { ...fixture, objects, logs: [] });
    const r = await scan();
    expect(r.json.incomplete ?? []).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.json.findings.map(findingKey)).toContain(
      "external-secret-sync ExternalSecret/ge-system/ge-api-secrets",
    );
  });
});
