// Safe recovery against a real redis-server and the Kubernetes API simulator: consumers that are working (a
// batch reader, one long job) keep their entries even with a short --idle, because their pods exist; a
// consumer whose pod is gone gives its entries up; nothing is lost and nothing is processed twice.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import type { ClaimResult } from "../../src/runbook/claim.js";
import { parseCluster, type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";
import { ageStream, client, type RedisServer, redisAvailable, startRedis } from "../support/redis.js";
import { consumersOf, GROUP, pendingOf } from "./fixture.js";

const hasRedis = redisAvailable();
const KEY = "triggers.work";
const BATCH = "executor-batch-7d9f-x2x4z";
const LONG = "executor-long-7d9f-k8m2p";
const SPARE = "executor-spare-7d9f-q7r5t";
const GONE = "executor-gone-5c4b-w9n3d";

/** Pods for the consumers that are alive; none for GONE (its pod was replaced). */
function cluster(): string {
  const pod = (name: string) => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ge-agents
  uid: uid-${name}
  creationTimestamp: "{{now-1h}}"
spec:
  containers:
    - name: executor
      image: registry.example/executor:1.0.0
status:
  phase: Running
`;
  return `kind: SimCluster\nname: agents\n${[BATCH, LONG, SPARE].map(pod).join("")}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 2000 && !ok(); i++) await sleep(10);
  if (!ok()) throw new Error(`never happened: ${what}`);
};

type Entry = [id: string, fields: string[]];

/** A consumer that reads `count` entries at a time and works `workMs` on each before acknowledging it. */
function worker(server: RedisServer, name: string, count: number, workMs: number) {
  const state = {
    read: [] as string[],
    processed: [] as string[],
    /** XACK replies: 1 each time the entry was still pending in the group. */
    acks: [] as number[],
    started: 0,
    stop: false,
    done: undefined as Promise<void> | undefined,
  };
  const r = client(server);
  state.done = (async () => {
    try {
      for (;;) {
        const reply = (await r.call(
          "XREADGROUP",
          "GROUP",
          GROUP,
          name,
          "COUNT",
          count,
          "STREAMS",
          KEY,
          ">",
        )) as [string, Entry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (!entries.length) {
          if (state.stop) break;
          await sleep(20);
          continue;
        }
        for (const [id] of entries) {
          state.read.push(id);
          state.started++;
          await sleep(workMs);
          state.processed.push(id);
          state.acks.push(Number(await r.xack(KEY, GROUP, id)));
        }
      }
    } finally {
      r.disconnect();
    }
  })();
  return state;
}

interface Report {
  findings: Finding[];
  incomplete: { resource: string; reason: string }[];
  fix?: ClaimResult;
}

describe.skipIf(!hasRedis)("streams --fix with the cluster known: the slow-consumer scenario", () => {
  let server: RedisServer;
  let r: Redis;
  let sim: Sim;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    server = await startRedis();
    r = client(server);
    sim = await startSimulator({ cluster: parseCluster(cluster()) });
    dir = mkdtempSync(join(tmpdir(), "pitfall-recovery-"));
    kubeconfig = sim.writeKubeconfig(dir, { context: "agents" });
  });
  afterAll(async () => {
    r?.disconnect();
    await server?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await r.flushall();
  });

  const streams = (...args: string[]) =>
    runCli(["streams", "--redis", server.url, "--streams", KEY, ...args], { cwd: dir });
  /** The cluster the consumers run in: the simulator's pods. */
  const inCluster = () => ["--context", "agents", "--kubeconfig", kubeconfig];

  it("takes nothing from a batch reader or a long job whose pods exist; moves the gone pod's entries; loses nothing", async () => {
    await r.xgroup("CREATE", KEY, GROUP, "0", "MKSTREAM");
    for (let i = 0; i < 5; i++) await r.xadd(KEY, "*", "n", String(i));
    // The consumer of a pod that was replaced: it read 5 entries and will never acknowledge them.
    const goneReply = (await r.call("XREADGROUP", "GROUP", GROUP, GONE, "COUNT", 5, "STREAMS", KEY, ">")) as [
      string,
      Entry[],
    ][];
    const goneIds = goneReply[0]![1].map((e) => e[0]);
    await r.call("XGROUP", "CREATECONSUMER", KEY, GROUP, SPARE);
    for (let i = 5; i < 35; i++) await r.xadd(KEY, "*", "n", String(i));

    const batch = worker(server, BATCH, 10, 200);
    const long = worker(server, LONG, 1, 1500);
    // Both mid-work and quiet for longer than --idle 300ms: the batch reader on its third entry, the long job
    // on its first. By time alone, both would look dead.
    await until("the batch reader is into its batch", () => batch.processed.length >= 3);
    await until("the long job has started", () => long.started >= 1);

    const dry = await streams("--fix", "--idle", "300ms", ...inCluster());
    expect(dry.code, dry.err).toBe(1);
    expect(dry.err).not.toContain("warning");
    // One evidence line per consumer: verdict, the evidence, idle time, pending entries with their ages.
    const evidenceLine = (name: string, rest: string) =>
      expect(dry.out).toMatch(new RegExp(`^ {6}${name} +${rest}`, "m"));
    expect(dry.out).toContain("evidence (pods known: a consumer whose pod exists is never taken from):");
    evidenceLine(BATCH, `live {2}pod ${BATCH} exists`);
    evidenceLine(LONG, `live {2}pod ${LONG} exists`);
    evidenceLine(
      GONE,
      `dead {2}no pod named ${GONE} in the cluster; idle \\S+; 5 pending: ${goneIds[0]} \\(`,
    );

    const fixed = await streams("--fix", "--yes", "--idle", "300ms", ...inCluster(), "-o", "json");
    expect([0, 1], fixed.err).toContain(fixed.code);
    const fix = (JSON.parse(fixed.out) as Report).fix!;
    expect(fix.cluster).toBe(true);
    expect(fix.moves.map((m) => m.from)).toEqual([GONE]);
    expect(fix.moves[0]!.ids).toEqual(goneIds);
    expect([BATCH, LONG, SPARE]).toContain(fix.moves[0]!.to);
    expect(fix.deletes.map((d) => d.consumer)).toEqual([GONE]);
    const evidence = Object.fromEntries(fix.evidence.map((e) => [e.consumer, e]));
    expect(evidence[BATCH]).toMatchObject({ verdict: "live", pod: "exists" });
    expect(evidence[LONG]).toMatchObject({ verdict: "live", pod: "exists" });
    expect(evidence[GONE]).toMatchObject({ verdict: "dead", pod: "gone", pending: 5 });

    batch.stop = true;
    long.stop = true;
    await Promise.all([batch.done, long.done]);

    // Each entry a live consumer read, it processed once, and it was still its own when it acknowledged it.
    for (const w of [batch, long]) {
      expect(w.processed).toEqual(w.read);
      expect(new Set(w.processed).size).toBe(w.processed.length);
      expect(w.acks.every((a) => a === 1)).toBe(true);
    }
    const processed = [...batch.processed, ...long.processed];
    expect(new Set(processed).size).toBe(processed.length);
    expect(processed.some((id) => goneIds.includes(id))).toBe(false);
    // Delivered = the gone consumer's 5 + what the workers read; each is acknowledged or still pending.
    const pending = await pendingOf(r, KEY);
    expect(pending.map((p) => p[0])).toEqual(goneIds);
    expect(pending.every((p) => p[1] === fix.moves[0]!.to)).toBe(true);
    expect(processed.length + pending.length).toBe(goneIds.length + batch.read.length + long.read.length);
    expect(processed.length + pending.length).toBe(35);
    expect(await r.xlen(KEY)).toBe(35);
    const consumers = await consumersOf(r, KEY);
    expect(Object.keys(consumers).sort()).toEqual([BATCH, LONG, SPARE].sort());
  }, 60_000);

  it("without a cluster, a short --idle warns that time is the only evidence", async () => {
    await r.xgroup("CREATE", KEY, GROUP, "0", "MKSTREAM");
    const res = await streams("--fix", "--idle", "300ms");
    expect(res.err).toMatch(/warning: --idle 300ms is shorter than the page's 5m and no cluster is given/);
    expect((await streams("--fix", "--idle", "5m")).err).not.toContain("warning");
    expect((await streams("--fix", "--idle", "300ms", ...inCluster())).err).not.toContain("warning");
  });

  it("pods that cannot be listed: nothing moves (no falling back to time), and the run is incomplete", async () => {
    await r.xgroup("CREATE", KEY, GROUP, "0", "MKSTREAM");
    await r.xadd(KEY, "*", "n", "0");
    await r.call("XREADGROUP", "GROUP", GROUP, GONE, "COUNT", 1, "STREAMS", KEY, ">");
    await r.call("XGROUP", "CREATECONSUMER", KEY, GROUP, SPARE);
    const since = Date.now() - 1000;
    await ageStream(r, KEY, 2 * 3_600_000, since, Date.now() + 1000);
    await r.call("XGROUP", "CREATECONSUMER", KEY, GROUP, BATCH);
    sim.setFaults([{ kind: "forbidden", resource: "pods" }]);
    try {
      const res = await streams("--fix", "--yes", ...inCluster(), "-o", "json");
      expect(res.code, res.err).toBe(3);
      const report = JSON.parse(res.out) as Report;
      expect(report.incomplete.map((i) => i.resource)).toContain("pods (agents)");
      expect(report.fix!.moves).toEqual([]);
      expect(report.fix!.deletes).toEqual([]);
      expect(report.fix!.notes.map((n) => n.reason).join("\n")).toMatch(
        /nothing moved: the pods of agents could not be listed/,
      );
      expect((await consumersOf(r, KEY))[GONE]).toBe(1);
    } finally {
      sim.setFaults([]);
    }
  });

  it("scan with Redis and the cluster: a quiet consumer whose pod exists is live (stuck entries), not dead", async () => {
    await r.xgroup("CREATE", KEY, GROUP, "0", "MKSTREAM");
    for (let i = 0; i < 4; i++) await r.xadd(KEY, "*", "n", String(i));
    const since = Date.now() - 1000;
    await r.call("XREADGROUP", "GROUP", GROUP, BATCH, "COUNT", 2, "STREAMS", KEY, ">");
    await r.call("XREADGROUP", "GROUP", GROUP, GONE, "COUNT", 2, "STREAMS", KEY, ">");
    await ageStream(r, KEY, 2 * 3_600_000, since, Date.now() + 1000);
    const res = await runCli(["scan", ...inCluster(), "--redis", server.url, "-o", "json"], { cwd: dir });
    const findings = (JSON.parse(res.out) as { findings: Finding[] }).findings.filter(
      (f) => f.object.kind === "StreamConsumer",
    );
    const of = (name: string) => findings.filter((f) => f.object.name === name);
    expect(of(BATCH).map((f) => f.rule)).toEqual(["stuck-pending"]);
    expect(of(GONE).map((f) => f.rule)).toEqual(["stale-consumer"]);
    expect(of(GONE)[0]!.message).toContain("is named after a pod that no longer exists");
  });
});
