// `pitfall streams` against a real redis-server: findings, the fix (dry run and real), concurrency, errors.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import type { GroupSummary } from "../../src/service/streams.js";
import type { ClaimResult } from "../../src/runbook/claim.js";
import { connectRedis, readStreams } from "../../src/sources/redis.js";
import { runBin, runCli } from "../support/cli.js";
import {
  ageStream,
  client,
  freePort,
  type RedisServer,
  redisAvailable,
  startRedis,
} from "../support/redis.js";
import { consumersOf, GROUP, pendingOf, type Seeded, seedStreams } from "./fixture.js";

const cwd = mkdtempSync(join(tmpdir(), "pitfall-streams-"));
const hasRedis = redisAvailable();

interface Report {
  target: string;
  findings: Finding[];
  incomplete: { resource: string; reason: string }[];
  streams: GroupSummary[];
  fix?: ClaimResult;
}

describe.skipIf(!hasRedis)("pitfall streams (redis-server)", () => {
  let server: RedisServer;
  let r: Redis;
  let seeded: Seeded;

  beforeAll(async () => {
    server = await startRedis();
    r = client(server);
  });
  afterAll(async () => {
    r?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await r.flushall();
    seeded = await seedStreams(r);
  });

  const cli = (...args: string[]) =>
    runCli(["streams", "--redis", server.url, "--streams", "triggers.*", ...args], { cwd });
  const json = async (...args: string[]) => {
    const res = await cli(...args, "-o", "json");
    return { ...res, report: JSON.parse(res.out) as Report };
  };

  it("reads only stream keys matching the pattern, with groups, consumers and pending entries", async () => {
    const c = await connectRedis(
      { host: "127.0.0.1", port: server.port, tls: false, db: 0 },
      { timeoutMs: 5000 },
    );
    try {
      const snap = await readStreams(c, { pattern: "triggers.*", pageSize: 3 });
      expect(snap.streams.map((s) => s.key)).toEqual(["triggers.alpha", "triggers.beta"]);
      const alpha = snap.streams[0]!.groups[0]!;
      expect(alpha).toMatchObject({ name: GROUP, pending: 9, lag: 3 });
      // Paged by 3: all 9 entries read, in id order.
      expect(alpha.entries.map((e) => e.id)).toEqual((await pendingOf(r, "triggers.alpha")).map((p) => p[0]));
      const byName = Object.fromEntries(alpha.consumers.map((x) => [x.name, x]));
      expect(byName["executor-old-1"]!.idleMs).toBeGreaterThanOrEqual(2 * 3_600_000);
      expect(byName["executor-a"]!.idleMs).toBeLessThan(3_600_000);
      expect(alpha.entries.find((e) => e.id === seeded.poisonId)?.deliveries).toBe(9);
    } finally {
      await c.close();
    }
  });

  it("finds the dead consumers, the stuck entries of a live one and the poison message", async () => {
    const { code, report } = await json();
    expect(code).toBe(1);
    const got = report.findings.map((f) => [f.rule, f.messageId, f.object.stream, f.object.name]).sort();
    expect(got).toEqual(
      [
        ["poison-message", "poison", "triggers.alpha", "executor-a"],
        ["stale-consumer", "unseenEmpty", "triggers.alpha", "executor-gone-2"],
        ["stale-consumer", "unseenHolding", "triggers.alpha", "executor-old-1"],
        ["stale-consumer", "unseenHolding", "triggers.beta", "executor-old-2"],
        ["stuck-pending", "stuck", "triggers.alpha", "executor-b"],
      ].sort(),
    );
    const old1 = report.findings.find((f) => f.object.name === "executor-old-1")!;
    expect(old1).toMatchObject({
      pitfall: "stale-consumer-groups-redis-streams",
      severity: "MEDIUM",
      object: { kind: "StreamConsumer", name: "executor-old-1", stream: "triggers.alpha", group: GROUP },
      data: {
        pending: 4,
        oldestId: seeded.held["triggers.alpha"]!["executor-old-1"]![0],
        target: "executor-b",
      },
    });
    expect(old1.evidence?.map((e) => e.text).join("\n")).toMatch(/4 pending, oldest \S+ idle 2h/);
    const run = old1.runbook!.filter((s) => s.kind === "RUN").map((s) => s.text);
    expect(run).toEqual([
      // The page says `-p 6381`; the steps point at the Redis that was read.
      `redis-cli -h 127.0.0.1 -p ${server.port} -a $REDIS_PASSWORD XPENDING triggers.alpha ${GROUP} - + 10`,
      `redis-cli -h 127.0.0.1 -p ${server.port} -a $REDIS_PASSWORD XCLAIM triggers.alpha ${GROUP} executor-b 300000 ${seeded.held["triggers.alpha"]!["executor-old-1"]![0]}`,
    ]);
    const poison = report.findings.find((f) => f.rule === "poison-message")!;
    expect(poison.data).toMatchObject({ id: seeded.poisonId, deliveries: 9, max: 5, count: 1 });
    const summary = report.streams.find((s) => s.stream === "triggers.alpha")!;
    expect(summary).toMatchObject({ group: GROUP, pending: 9, lag: 3, length: 12, maxDeliveries: 9 });
    expect(summary.oldestPendingId).toBe(seeded.held["triggers.alpha"]!["executor-old-1"]![0]);
    expect(Object.fromEntries(summary.consumers.map((c) => [c.name, c.state]))).toEqual({
      "executor-old-1": "unseen",
      "executor-a": "live",
      "executor-b": "live",
      "executor-gone-2": "unseen",
    });
  });

  it("prints text grouped by stream and group, without colour under NO_COLOR", async () => {
    const { code, out } = await cli();
    expect(code).toBe(1);
    expect(out).not.toContain("\u001b[");
    const alpha = out.indexOf("triggers.alpha");
    const beta = out.indexOf("triggers.beta");
    expect(alpha).toBeGreaterThan(-1);
    expect(beta).toBeGreaterThan(alpha);
    expect(out.slice(alpha, beta)).toContain("consumer executor-old-1 of triggers.alpha");
    expect(out.slice(beta)).toContain("no live consumer in this group to take the entries");
    expect(out).toContain("5 findings in 2 streams");
  });

  it("a dry run says what would move and moves nothing", async () => {
    const before = await pendingOf(r, "triggers.alpha");
    const consumers = await consumersOf(r, "triggers.alpha");
    const { code, report, out } = await json("--fix");
    expect(code).toBe(1);
    expect(report.fix).toMatchObject({
      dryRun: true,
      moves: [
        {
          stream: "triggers.alpha",
          group: GROUP,
          from: "executor-old-1",
          to: "executor-b",
          ids: seeded.held["triggers.alpha"]!["executor-old-1"],
        },
      ],
    });
    expect(report.fix!.deletes.map((d) => d.consumer).sort()).toEqual(["executor-gone-2", "executor-old-1"]);
    expect(report.fix!.notes.map((n) => n.reason)).toContain(
      "no live consumer in this group: nothing moved (2 entries stay with executor-old-2)",
    );
    expect(out).not.toBe("");
    expect((await pendingOf(r, "triggers.alpha")).map((p) => [p[0], p[1], p[3]])).toEqual(
      before.map((p) => [p[0], p[1], p[3]]),
    );
    expect(await consumersOf(r, "triggers.alpha")).toEqual(consumers);
    const text = await cli("--fix");
    expect(text.out).toContain("Fix (dry run: nothing changed; add --yes to do it)");
    expect(text.out).toContain(
      `triggers.alpha / ${GROUP}: would move 4 from executor-old-1 to executor-b: ${seeded.held["triggers.alpha"]!["executor-old-1"]!.join(" ")}`,
    );
  });

  it("--fix --yes moves exactly the dead consumer's entries; the pending total stays; live entries stay put", async () => {
    const before = await pendingOf(r, "triggers.alpha");
    const { code, report } = await json("--fix", "--yes");
    expect(code).toBe(1);
    const dead = seeded.held["triggers.alpha"]!["executor-old-1"]!;
    expect(report.fix).toMatchObject({
      dryRun: false,
      moves: [
        { stream: "triggers.alpha", group: GROUP, from: "executor-old-1", to: "executor-b", ids: dead },
      ],
    });
    const after = await pendingOf(r, "triggers.alpha");
    expect(after).toHaveLength(before.length);
    for (const [id, owner, , deliveries] of before) {
      const now = after.find((p) => p[0] === id)!;
      expect(now[1]).toBe(dead.includes(id) ? "executor-b" : owner);
      expect(now[3]).toBe(deliveries); // moving is not a delivery
    }
    expect(Object.keys(await consumersOf(r, "triggers.alpha")).sort()).toEqual(["executor-a", "executor-b"]);
    // No live consumer in beta: nothing moved, the dead one still holds its entries.
    expect(await consumersOf(r, "triggers.beta")).toEqual({ "executor-old-2": 2 });
    expect(report.fix!.deletes.map((d) => d.consumer).sort()).toEqual(["executor-gone-2", "executor-old-1"]);
  });

  it("--fix --yes in text says exactly what moved and what was deleted", async () => {
    const { out } = await cli("--fix", "--yes");
    const dead = seeded.held["triggers.alpha"]!["executor-old-1"]!;
    expect(out).toContain(
      `triggers.alpha / ${GROUP}: moved 4 from executor-old-1 to executor-b: ${dead.join(" ")}`,
    );
    expect(out).toContain(`triggers.alpha / ${GROUP}: deleted consumer executor-old-1 (it held nothing)`);
    expect(out).toContain(
      `triggers.beta / ${GROUP} executor-old-2: no live consumer in this group: nothing moved (2 entries stay with executor-old-2)`,
    );
  });

  it("--to picks the receiving consumer; a --to that is not live moves nothing", async () => {
    const to = await json("--fix", "--to", "executor-a");
    expect(to.report.fix!.moves.map((m) => m.to)).toEqual(["executor-a"]);
    const bad = await json("--fix", "--yes", "--to", "executor-old-1");
    expect(bad.report.fix!.moves).toEqual([]);
    expect(bad.report.fix!.notes.map((n) => n.reason)).toContain(
      "--to executor-old-1 is not a live consumer of this group: nothing moved",
    );
    expect((await consumersOf(r, "triggers.alpha"))["executor-old-1"]).toBe(4);
  });

  it("consumers reading and acknowledging during --fix --yes lose no message", async () => {
    const key = "triggers.busy";
    await r.xgroup("CREATE", key, GROUP, "0", "MKSTREAM");
    const since = Date.now() - 1000;
    for (let i = 0; i < 300; i++) await r.xadd(key, "*", "n", String(i));
    await r.call("XREADGROUP", "GROUP", GROUP, "executor-dead", "COUNT", 300, "STREAMS", key, ">");
    const { ageStream } = await import("../support/redis.js");
    await ageStream(r, key, 2 * 3_600_000, since, Date.now() + 1000);
    for (let i = 0; i < 500; i++) await r.xadd(key, "*", "n", String(300 + i));
    const total = 800;

    const acked: string[] = [];
    let stop = false;
    const worker = async (name: string) => {
      const w = client(server);
      try {
        for (;;) {
          let got = 0;
          for (const from of ["0", ">"]) {
            const reply = (await w.call(
              "XREADGROUP",
              "GROUP",
              GROUP,
              name,
              "COUNT",
              7,
              "STREAMS",
              key,
              from,
            )) as [string, [string, unknown][]][] | null;
            for (const [id] of reply?.[0]?.[1] ?? []) {
              got++;
              if (Number(await w.xack(key, GROUP, id)) === 1) acked.push(id);
            }
          }
          if (stop && got === 0) break;
        }
      } finally {
        w.disconnect();
      }
    };
    const workers = [worker("executor-1"), worker("executor-2")];
    // Start the fix while the workers are busy with the new messages.
    while (acked.length < 20) await new Promise((resolve) => setImmediate(resolve));
    const fix = await runCli(
      ["streams", "--redis", server.url, "--streams", key, "--fix", "--yes", "-o", "json"],
      { cwd },
    );
    stop = true;
    await Promise.all(workers);

    expect([0, 1]).toContain(fix.code);
    const report = JSON.parse(fix.out) as Report;
    const moved = report.fix!.moves.flatMap((m) => m.ids);
    expect(moved).toHaveLength(300); // all of the dead consumer's, each once
    expect(new Set(moved).size).toBe(300);
    const pending = await pendingOf(r, key);
    expect(new Set(acked).size).toBe(acked.length); // nothing acknowledged twice
    expect(acked.length + pending.length).toBe(total); // nothing lost
    const all = ((await r.xrange(key, "-", "+")) as [string, string[]][]).map((e) => e[0]);
    expect(all).toHaveLength(total); // the tool deleted nothing
    const accounted = new Set([...acked, ...pending.map((p) => p[0])]);
    expect(all.every((id) => accounted.has(id))).toBe(true);
  });

  /** A plan for triggers.alpha made now, applied after `between` changed the stream. */
  async function planThenApply(between: () => Promise<void>) {
    const { planClaims, applyClaims } = await import("../../src/runbook/claim.js");
    const c = await connectRedis(
      { host: "127.0.0.1", port: server.port, tls: false, db: 0 },
      { timeoutMs: 5000 },
    );
    try {
      const plan = planClaims(await readStreams(c, { pattern: "triggers.alpha" }), { idleMs: 5 * 60_000 });
      expect(plan.moves[0]!.ids).toEqual(seeded.held["triggers.alpha"]!["executor-old-1"]);
      await between();
      return await applyClaims(c, plan, { pageSize: 2 });
    } finally {
      await c.close();
    }
  }

  it("a consumer seen again between plan and apply keeps all its entries, and is kept", async () => {
    const dead = seeded.held["triggers.alpha"]!["executor-old-1"]!;
    // It claims one of its own entries: that is a sign of life, so nothing is taken from it.
    const result = await planThenApply(async () => {
      await r.call("XCLAIM", "triggers.alpha", GROUP, "executor-old-1", 0, dead[2]!, "JUSTID");
    });
    expect(result.moves).toEqual([]);
    expect(result.notes).toContainEqual(
      expect.objectContaining({
        consumer: "executor-old-1",
        reason: "not moved: the consumer was seen again since the snapshot, so it is alive",
      }),
    );
    expect(result.deletes.map((d) => d.consumer)).toEqual(["executor-gone-2"]);
    expect((await consumersOf(r, "triggers.alpha"))["executor-old-1"]).toBe(4);
  });

  it("a consumer that acknowledged an entry since the snapshot is working: nothing is taken", async () => {
    // XACK does not make a consumer "seen" (its idle keeps growing), but its pending count drops.
    const dead = seeded.held["triggers.alpha"]!["executor-old-1"]!;
    const result = await planThenApply(async () => {
      expect(await r.xack("triggers.alpha", GROUP, dead[0]!)).toBe(1);
    });
    expect(result.moves).toEqual([]);
    expect(result.notes.map((n) => n.reason)).toContain(
      "not moved: its pending entries changed since the snapshot (it, or someone, acknowledged or claimed some), so they are being worked on",
    );
    expect(
      (await pendingOf(r, "triggers.alpha")).filter((p) => p[1] === "executor-old-1").map((p) => p[0]),
    ).toEqual(dead.slice(1));
  });

  it("an entry delivered again since the snapshot stays; the others of a still-quiet consumer move", async () => {
    const dead = seeded.held["triggers.alpha"]!["executor-old-1"]!;
    const result = await planThenApply(async () => {
      // Re-deliver dead[2] a second ago (XCLAIM … TIME), then push only the consumer's own seen-time back 3h,
      // so it is as quiet as before and only that one entry is fresh.
      const now = Date.now();
      await r.call(
        "XCLAIM",
        "triggers.alpha",
        GROUP,
        "executor-old-1",
        0,
        dead[2]!,
        "TIME",
        now - 1000,
        "JUSTID",
      );
      await ageStream(r, "triggers.alpha", 3 * 3_600_000, now - 500, Date.now() + 1000);
    });
    expect(result.moves.map((m) => [m.from, m.ids])).toEqual([
      ["executor-old-1", [dead[0], dead[1], dead[3]]],
    ]);
    expect(result.notes).toContainEqual(
      expect.objectContaining({ consumer: "executor-old-1", ids: [dead[2]] }),
    );
    expect(result.notes).toContainEqual(
      expect.objectContaining({ consumer: "executor-old-1", reason: "not deleted: it still holds entries" }),
    );
    expect((await consumersOf(r, "triggers.alpha"))["executor-old-1"]).toBe(1);
  });

  it("with the cluster's pods, a consumer whose pod is gone gives up its idle entries too", async () => {
    const { checkStreams } = await import("../../src/service/streams.js");
    const { planClaims, applyClaims } = await import("../../src/runbook/claim.js");
    const c = await connectRedis(
      { host: "127.0.0.1", port: server.port, tls: false, db: 0 },
      { timeoutMs: 5000 },
    );
    try {
      const snap = await readStreams(c, { pattern: "triggers.alpha" });
      const livePods = new Set(["executor-a"]);
      const opts = { idleMs: 5 * 60_000, maxDeliveries: 5, livePods };
      const gone = checkStreams(snap, opts).find((f) => f.object.name === "executor-b")!;
      expect(gone).toMatchObject({
        rule: "stale-consumer",
        messageId: "podGoneHolding",
        data: { target: "executor-a" },
      });
      const result = await applyClaims(c, planClaims(snap, opts));
      const alpha = seeded.held["triggers.alpha"]!;
      expect(result.moves.map((m) => [m.from, m.to, m.ids])).toEqual([
        ["executor-b", "executor-a", alpha["executor-b"]],
        ["executor-old-1", "executor-a", alpha["executor-old-1"]],
      ]);
      // Seen a moment ago: kept even though empty now; XREADGROUP would recreate it anyway.
      expect(result.deletes.map((d) => d.consumer).sort()).toEqual(["executor-gone-2", "executor-old-1"]);
      expect(await consumersOf(r, "triggers.alpha")).toEqual({ "executor-a": 9, "executor-b": 0 });
    } finally {
      await c.close();
    }
  });

  it("settings come from .pitfall.yaml's redis section", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pitfall-streams-config-"));
    writeFileSync(
      join(dir, ".pitfall.yaml"),
      `redis:\n  host: 127.0.0.1\n  port: ${server.port}\n  streams: "triggers.a*"\n  groups: [${GROUP}]\n  idle: 3h\n  poisonDeliveries: 10\n`,
    );
    const res = await runCli(["streams", "-o", "json"], { cwd: dir });
    expect(res.err).toBe("");
    const report = JSON.parse(res.out) as Report;
    expect(report.target).toBe(`redis://127.0.0.1:${server.port}`);
    expect(report.streams.map((s) => s.stream)).toEqual(["triggers.alpha"]);
    // 3h idle: nobody is unseen that long; 10 deliveries: the poison message is under the limit.
    expect(report.findings).toEqual([]);
    expect(res.code).toBe(0);
  });

  it("colours only when asked, and never under NO_COLOR", async () => {
    const coloured = await runCli(["streams", "--redis", server.url, "--streams", "triggers.*"], {
      cwd,
      env: { NO_COLOR: undefined, FORCE_COLOR: "1" },
    });
    expect(coloured.out).toContain("\u001b[");
    const plain = await runCli(["streams", "--redis", server.url, "--streams", "triggers.*"], { cwd });
    expect(plain.out).not.toContain("\u001b[");
  });

  it("a stream that cannot be read is listed and the rest goes on (exit 3)", async () => {
    await r.call("ACL", "SETUSER", "limited", "on", ">limited-pw", "~triggers.alpha", "+@all");
    const res = await runCli(
      [
        "streams",
        "--redis",
        `redis://limited:limited-pw@127.0.0.1:${server.port}`,
        "--streams",
        "triggers.*",
        "-o",
        "json",
      ],
      { cwd },
    );
    expect(res.code).toBe(3);
    const report = JSON.parse(res.out) as Report;
    expect(report.streams.map((s) => s.stream)).toEqual(["triggers.alpha"]);
    expect(report.incomplete).toHaveLength(1);
    expect(report.incomplete[0]!.resource).toBe("stream triggers.beta");
    expect(report.incomplete[0]!.reason).toMatch(/NOPERM/);
    expect(res.out).not.toContain("limited-pw");
  });

  it("runs through the built bin", async () => {
    if (!existsSync(fileURLToPath(new URL("../../dist/cli/streams.js", import.meta.url)))) {
      console.warn("skipping the bin test: run `npm run build` first");
      return;
    }
    const res = await runBin(["streams", "--redis", server.url, "--streams", "triggers.*", "-o", "json"], {
      cwd,
    });
    expect(res.code).toBe(1);
    expect((JSON.parse(res.out) as Report).findings).toHaveLength(5);
  });
});

describe.skipIf(!hasRedis)("pitfall streams: the password and connection errors", () => {
  const PASSWORD = "s3cr3t-Pa55word";
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    const r = client(server);
    await seedStreams(r);
    r.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("never prints the password: URL, REDIS_PASSWORD, errors, runbooks", async () => {
    const withUrl = await runCli(
      [
        "streams",
        "--redis",
        `redis://:${PASSWORD}@127.0.0.1:${server.port}`,
        "--streams",
        "triggers.*",
        "--fix",
      ],
      { cwd },
    );
    expect(withUrl.code).toBe(1);
    expect(withUrl.out).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(withUrl.out).toContain("-a $REDIS_PASSWORD");
    const withEnv = await runCli(
      ["streams", "--redis", server.url, "--streams", "triggers.*", "-o", "json"],
      {
        cwd,
        env: { REDIS_PASSWORD: PASSWORD },
      },
    );
    expect(withEnv.code).toBe(1);
    const report = JSON.parse(withEnv.out) as Report;
    expect(report.target).toBe(`redis://:***@127.0.0.1:${server.port}`);
    expect(report.findings[0]!.runbook!.some((s) => s.text.includes("-a $REDIS_PASSWORD"))).toBe(true);
    const wrong = await runCli(["streams", "--redis", `redis://:${PASSWORD}x@127.0.0.1:${server.port}`], {
      cwd,
    });
    for (const r of [withUrl, withEnv, wrong]) expect(r.out + r.err).not.toContain(PASSWORD);
  });

  it("the password can come from redis.passwordFile, next to the config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pitfall-streams-pwfile-"));
    writeFileSync(join(dir, "redis-password"), `${PASSWORD}\n`);
    writeFileSync(
      join(dir, ".pitfall.yaml"),
      `redis:\n  port: ${server.port}\n  passwordFile: redis-password\n`,
    );
    const res = await runCli(["streams", "--streams", "triggers.*"], {
      cwd: dir,
      env: { REDIS_PASSWORD: "ignored" },
    });
    expect(res.code).toBe(1);
    expect(res.out).toContain("5 findings in 2 streams");
    expect(res.out + res.err).not.toContain(PASSWORD);
  });

  it("a wrong password: one line, exit 2, says what to check", async () => {
    const res = await runCli(["streams", "--redis", server.url], {
      cwd,
      env: { REDIS_PASSWORD: "nope-nope" },
    });
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      `pitfall: Redis at redis://:***@127.0.0.1:${server.port} refused the password (WRONGPASS): check REDIS_PASSWORD or redis.passwordFile\n`,
    );
    expect(res.out).toBe("");
  });

  it("no password: NOAUTH, exit 2", async () => {
    const res = await runCli(["streams", "--redis", server.url], { cwd });
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      `pitfall: Redis at redis://127.0.0.1:${server.port} needs a password (NOAUTH): set REDIS_PASSWORD or redis.passwordFile\n`,
    );
  });
});

describe("pitfall streams: servers that are not there or not Redis", () => {
  let http: ReturnType<typeof createHttpServer> | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    http = undefined;
  });

  it("nothing listening: connection refused, exit 2", async () => {
    const port = await freePort();
    const res = await runCli(["streams", "--redis", `redis://:hunter22@127.0.0.1:${port}`], { cwd });
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      `pitfall: cannot reach Redis at redis://:***@127.0.0.1:${port} (connection refused): check that it runs and the host and port (--redis, or redis.url / redis.host / redis.port in .pitfall.yaml)\n`,
    );
    expect(res.err).not.toContain("hunter22");
  });

  it("an HTTP server on the port: not Redis, exit 2", async () => {
    const server = createHttpServer((_req, res) => res.end("hello"));
    http = server;
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    const res = await runCli(["streams", "--redis", `redis://127.0.0.1:${port}`, "--timeout", "5s"], { cwd });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /^pitfall: the server at redis:\/\/127\.0\.0\.1:\d+ does not answer like Redis: check the port/,
    );
    expect(res.err.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("a server that accepts and never answers: timeout, exit 2", async () => {
    const silent = createNetServer(() => {});
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)),
    );
    try {
      const res = await runCli(["streams", "--redis", `redis://127.0.0.1:${port}`, "--timeout", "200ms"], {
        cwd,
      });
      expect(res.code).toBe(2);
      expect(res.err).toMatch(
        /^pitfall: no answer from Redis at redis:\/\/127\.0\.0\.1:\d+ within the timeout: check/,
      );
    } finally {
      silent.close();
    }
  });

  it("a bad URL or flag is a usage error", async () => {
    const bad = await runCli(["streams", "--redis", "http://:pw123456@x"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("the scheme must be redis:// or rediss://");
    expect(bad.err).not.toContain("pw123456");
    expect((await runCli(["streams", "--yes"], { cwd })).err).toContain("--yes only goes with --fix");
    expect((await runCli(["streams", "--idle", "5"], { cwd })).err).toContain("--idle must be a duration");
  });

  it("--help shows examples", async () => {
    const res = await runCli(["streams", "--help"], { cwd });
    expect(res.code).toBe(0);
    expect(res.out).toContain("Examples:");
    expect(res.out).toContain("--fix --yes");
  });
});
