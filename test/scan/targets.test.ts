// Scanning several contexts at once, and Redis Streams as part of a scan.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sim, startSimulator, writeKubeconfig } from "../sim/index.js";
import { runCli } from "../support/cli.js";
import { client, type RedisServer, redisAvailable, startRedis } from "../support/redis.js";

const clusters = fileURLToPath(new URL("../fixtures/clusters/", import.meta.url));
const dump = fileURLToPath(new URL("../../examples/dump", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pitfall-targets-"));

interface ScanJson {
  targets: { context?: string; zone?: string; distribution?: string }[];
  findings: {
    pitfall: string;
    rule: string;
    context?: string;
    object: { kind: string; name: string; stream?: string; group?: string };
  }[];
}

describe("--all-contexts", () => {
  let broken: Sim;
  let healthy: Sim;
  beforeAll(async () => {
    broken = await startSimulator({ cluster: join(clusters, "broken-k3s.yaml") });
    healthy = await startSimulator({ cluster: join(clusters, "healthy-k3s.yaml") });
  });
  afterAll(async () => {
    await broken?.close();
    await healthy?.close();
  });

  it("scans every context, each reported with its zone, findings tagged with their context", async () => {
    const kubeconfig = writeKubeconfig(
      join(dir, "two.yaml"),
      [broken.kubeconfigEntry("office"), healthy.kubeconfigEntry("lab")],
      "lab",
    );
    const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--all-contexts", "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as ScanJson;
    expect(report.targets.map((t) => [t.context, t.zone, t.distribution]).sort()).toEqual([
      ["lab", "1", "k3s"],
      ["office", "1", "k3s"],
    ]);
    expect(report.findings.length).toBeGreaterThan(5);
    expect(new Set(report.findings.map((f) => f.context))).toEqual(new Set(["office"]));
    // Without --all-contexts only the current one (lab, healthy) is read.
    const current = await runCli(["scan", "--kubeconfig", kubeconfig, "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    expect(current.code).toBe(0);
  });
});

describe.skipIf(!redisAvailable())("scan with Redis configured", () => {
  let server: RedisServer;
  let r: Redis;
  beforeAll(async () => {
    server = await startRedis();
    r = client(server);
  });
  afterAll(async () => {
    r?.disconnect();
    await server?.stop();
  });

  it("a consumer named after a pod that no longer exists is dead; one named after a live pod is not", async () => {
    const stream = "triggers.dolly";
    await r.xgroup("CREATE", stream, "ge-executor-group", "$", "MKSTREAM");
    for (let i = 0; i < 4; i++) await r.xadd(stream, "*", "n", String(i));
    // The live pod from the dump reads two entries; a pod that is gone read the other two.
    await r.xreadgroup(
      "GROUP",
      "ge-executor-group",
      "dolly-orchestrator-5d8c7b9f6d-q7xkz",
      "COUNT",
      2,
      "STREAMS",
      stream,
      ">",
    );
    await r.xreadgroup(
      "GROUP",
      "ge-executor-group",
      "ge-executor-59d7c8b6f4-gone1",
      "COUNT",
      2,
      "STREAMS",
      stream,
      ">",
    );
    const res = await runCli(["scan", "--from", dump, "--redis", server.url, "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    const report = JSON.parse(res.out) as ScanJson;
    const streamFindings = report.findings.filter((f) => f.pitfall === "stale-consumer-groups-redis-streams");
    expect(streamFindings.map((f) => [f.rule, f.object.name])).toEqual([
      ["stale-consumer", "ge-executor-59d7c8b6f4-gone1"],
    ]);
    expect(streamFindings[0]!.object).toMatchObject({ stream, group: "ge-executor-group" });
    expect(report.findings.some((f) => f.pitfall === "crashloopbackoff")).toBe(true);
  });
});
