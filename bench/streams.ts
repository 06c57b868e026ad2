// Scan and recovery time of `pitfall streams` on a real redis-server: N streams, each with a dead consumer
// holding M pending entries and a live consumer holding one. Prints both times and the entries per second.
// Run (compiles this file and what it imports into a git-ignored folder, then runs it):
//   npx tsc --ignoreConfig --outDir .pitfall-tmp/bench --rootDir . --module nodenext --moduleResolution nodenext --target es2023 \
//     --types node --skipLibCheck --strict --verbatimModuleSyntax bench/streams.ts && node .pitfall-tmp/bench/bench/streams.js [streams] [pending]
import { performance } from "node:perf_hooks";
import { checkStreams } from "../src/service/streams.js";
import { applyClaims, planClaims } from "../src/runbook/claim.js";
import { connectRedis, readStreams } from "../src/sources/redis.js";
import { ageStream, client, startRedis } from "../test/support/redis.js";

const STREAMS = Number(process.argv[2] ?? 1000);
const PENDING = Number(process.argv[3] ?? 100);
const GROUP = "ge-executor-group";
const HOUR = 3_600_000;

const server = await startRedis();
const r = client(server);
try {
  const t0 = performance.now();
  const since = Date.now() - 1000;
  for (let s = 0; s < STREAMS; s++) {
    const key = `triggers.agent-${String(s).padStart(5, "0")}`;
    const p = r.pipeline();
    p.xgroup("CREATE", key, GROUP, "0", "MKSTREAM");
    for (let i = 0; i <= PENDING; i++) p.xadd(key, "*", "job", String(i), "payload", "x".repeat(64));
    p.call("XREADGROUP", "GROUP", GROUP, "executor-dead", "COUNT", PENDING, "STREAMS", key, ">");
    p.call("XREADGROUP", "GROUP", GROUP, "executor-live", "COUNT", 1, "STREAMS", key, ">");
    await p.exec();
  }
  const until = Date.now() + 1000;
  for (let s = 0; s < STREAMS; s++) {
    const key = `triggers.agent-${String(s).padStart(5, "0")}`;
    await ageStream(r, key, 2 * HOUR, since, until);
    const [[id]] = (await r.call("XPENDING", key, GROUP, "-", "+", 1, "executor-live")) as [[string]];
    await r.call("XCLAIM", key, GROUP, "executor-live", 0, id, "IDLE", 1000, "JUSTID");
  }
  const seedMs = performance.now() - t0;

  const c = await connectRedis(
    { host: "127.0.0.1", port: server.port, tls: false, db: 0 },
    { timeoutMs: 10_000 },
  );
  try {
    const opts = { idleMs: 5 * 60_000, maxDeliveries: 5 };
    const t1 = performance.now();
    const snapshot = await readStreams(c, { pattern: "triggers.*" });
    const findings = checkStreams(snapshot, opts);
    const scanMs = performance.now() - t1;
    const entries = snapshot.streams.reduce(
      (n, s) => n + s.groups.reduce((m, g) => m + g.entries.length, 0),
      0,
    );

    const t2 = performance.now();
    const result = await applyClaims(c, planClaims(snapshot, opts));
    const fixMs = performance.now() - t2;
    const moved = result.moves.reduce((n, m) => n + m.ids.length, 0);

    // The recovery must have moved everything and lost nothing.
    let pendingAfter = 0;
    for (const s of snapshot.streams)
      pendingAfter += Number(((await c.call("XPENDING", s.key, GROUP)) as [number])[0]);
    const version = snapshot.serverVersion ?? "?";
    const line = (label: string, ms: number, what: string, n: number) =>
      console.log(
        `${label.padEnd(9)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${what}  (${Math.round((n / ms) * 1000)} entries/s)`,
      );
    console.log(
      `pitfall streams bench: ${STREAMS} streams × ${PENDING} pending, redis ${version} on localhost`,
    );
    console.log(`seed      ${(seedMs / 1000).toFixed(2).padStart(6)} s`);
    line(
      "scan",
      scanMs,
      `${snapshot.streams.length} streams, ${entries} pending entries read, ${findings.length} findings`,
      entries,
    );
    line("recovery", fixMs, `${moved} entries moved, ${result.deletes.length} consumers deleted`, moved);
    const ok =
      moved === STREAMS * PENDING &&
      pendingAfter === STREAMS * (PENDING + 1) &&
      snapshot.incomplete.length === 0;
    console.log(ok ? "check     pending totals unchanged, every dead consumer emptied" : "check     FAILED");
    if (!ok) process.exitCode = 1;
  } finally {
    await c.close();
  }
} finally {
  r.disconnect();
  await server.stop();
}
