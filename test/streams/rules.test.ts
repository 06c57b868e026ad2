// The streams rules and the fix plan on hand-made snapshots: no Redis needed.
import { beforeAll, describe, expect, it } from "vitest";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import type { Pitfall } from "../../src/kb/model.js";
import { PITFALL_ID } from "../../src/rules/stream-consumers.js";
import { checkStreams, summarizeStreams } from "../../src/service/streams.js";
import type { GroupState, StreamsSnapshot } from "../../src/model/streams.js";
import { planClaims } from "../../src/runbook/claim.js";
import { redactUrl, redisTargetOf, describeTarget, nextStreamId } from "../../src/sources/redis.js";

const MIN = 60_000;
const NOW = 1_800_000_000_000;

function snapshot(key: string, group: GroupState): StreamsSnapshot {
  return {
    takenAt: new Date(NOW).toISOString(),
    nowMs: NOW,
    streams: [{ key, length: 100, groups: [group] }],
    incomplete: [],
  };
}

/** executor-a live with a fresh entry; executor-old unseen 1h with two old entries; executor-gone seen 1s ago. */
function group(): GroupState {
  return {
    name: "ge-executor-group",
    pending: 4,
    lastDeliveredId: `${NOW - MIN}-0`,
    lag: 0,
    oldestPendingId: `${NOW - 70 * MIN}-0`,
    consumers: [
      { name: "executor-a", pending: 1, idleMs: 2000 },
      { name: "executor-old", pending: 2, idleMs: 60 * MIN, inactiveMs: 61 * MIN },
      { name: "executor-gone", pending: 1, idleMs: 1000 },
    ],
    entries: [
      { id: `${NOW - 70 * MIN}-0`, consumer: "executor-old", idleMs: 65 * MIN, deliveries: 1 },
      { id: `${NOW - 69 * MIN}-0`, consumer: "executor-old", idleMs: 65 * MIN, deliveries: 2 },
      { id: `${NOW - 2 * MIN}-0`, consumer: "executor-gone", idleMs: 1000, deliveries: 1 },
      { id: `${NOW - MIN}-0`, consumer: "executor-a", idleMs: 2000, deliveries: 7 },
    ],
  };
}

describe("stale consumer groups: rules", () => {
  let pitfall: Pitfall;
  beforeAll(async () => {
    // The project's own page, as a fresh clone has it.
    pitfall = (await loadKnowledgeBase({ cwd: process.cwd() })).byId.get(PITFALL_ID)!;
    expect(pitfall).toBeDefined();
  });

  it("an unseen consumer holding entries is stale; the runbook names the stream, target and oldest id", () => {
    const findings = checkStreams(snapshot("triggers.orders", group()), {
      idleMs: 5 * MIN,
      maxDeliveries: 5,
      pitfall,
    });
    const stale = findings.filter((f) => f.rule === "stale-consumer");
    expect(stale.map((f) => f.object.name)).toEqual(["executor-old"]);
    const f = stale[0]!;
    expect(f).toMatchObject({
      pitfall: PITFALL_ID,
      severity: pitfall.severity,
      messageId: "unseenHolding",
      object: {
        kind: "StreamConsumer",
        name: "executor-old",
        stream: "triggers.orders",
        group: "ge-executor-group",
      },
      data: {
        pending: 2,
        idle: "1h",
        oldestId: `${NOW - 70 * MIN}-0`,
        oldestIdle: "1h5m",
        target: "executor-gone",
      },
    });
    expect(f.message).toBe(
      `consumer executor-old of triggers.orders / ge-executor-group has not been seen for 1h and holds 2 pending entries (oldest ${NOW - 70 * MIN}-0, idle 1h5m)`,
    );
    expect(f.evidence?.[0]?.text).toBe("last seen 1h ago, last successful read 1h1m ago");
    const run = f.runbook!.filter((s) => s.kind === "RUN");
    expect(run.map((s) => s.text)).toEqual([
      "redis-cli -p 6381 -a $REDIS_PASSWORD XPENDING triggers.orders ge-executor-group - + 10",
      `redis-cli -p 6381 -a $REDIS_PASSWORD XCLAIM triggers.orders ge-executor-group executor-gone 300000 ${NOW - 70 * MIN}-0`,
    ]);
    expect(run.every((s) => !s.unfilled)).toBe(true);
  });

  it("with live pods, a consumer named after a pod that is gone is dead too", () => {
    const livePods = new Set(["executor-a"]);
    const findings = checkStreams(snapshot("triggers.orders", group()), {
      idleMs: 5 * MIN,
      maxDeliveries: 5,
      livePods,
    });
    const gone = findings.find((f) => f.object.name === "executor-gone")!;
    expect(gone).toMatchObject({
      rule: "stale-consumer",
      messageId: "podGoneHolding",
      data: { target: "executor-a" },
    });
    expect(gone.evidence?.map((e) => e.text)).toContain("no pod named executor-gone in the cluster");
    expect(findings.some((f) => f.runbook)).toBe(false); // no pitfall given, no runbook
  });

  it("poison: deliveries above the limit; {new-consumer} stays for a human to fill", () => {
    const findings = checkStreams(snapshot("triggers.orders", group()), {
      idleMs: 5 * MIN,
      maxDeliveries: 5,
      pitfall,
    });
    const poison = findings.filter((f) => f.rule === "poison-message");
    expect(poison).toHaveLength(1);
    expect(poison[0]).toMatchObject({
      object: { name: "executor-a" },
      data: { count: 1, max: 5, deliveries: 7 },
    });
    const claim = poison[0]!.runbook!.filter((s) => s.kind === "RUN")[1]!;
    expect(claim.unfilled).toEqual(["new-consumer"]);
    expect(
      checkStreams(snapshot("triggers.orders", group()), { idleMs: 5 * MIN, maxDeliveries: 7 }),
    ).not.toContainEqual(expect.objectContaining({ rule: "poison-message" }));
  });

  it("a live consumer with old entries is stuck-pending; a short threshold turns it dead instead", () => {
    const g = group();
    g.consumers[0]!.idleMs = 1000;
    g.entries[3]!.idleMs = 30 * MIN;
    const stuck = checkStreams(snapshot("triggers.orders", g), { idleMs: 5 * MIN, maxDeliveries: 9 });
    expect(stuck.filter((f) => f.rule === "stuck-pending").map((f) => [f.object.name, f.data.count])).toEqual(
      [["executor-a", 1]],
    );
    const all = checkStreams(snapshot("triggers.orders", g), { idleMs: 500, maxDeliveries: 9 });
    expect(all.filter((f) => f.rule === "stale-consumer").map((f) => f.object.name)).toEqual([
      "executor-a",
      "executor-old",
      "executor-gone",
    ]);
    expect(all.find((f) => f.object.name === "executor-old")!.evidence!.map((e) => e.text)).toContain(
      "no live consumer in this group to take the entries",
    );
  });

  it("an unseen consumer holding nothing is stale at LOW; a clean group has no findings", () => {
    const g = group();
    g.consumers.push({ name: "executor-empty", pending: 0, idleMs: 90 * MIN });
    const empty = checkStreams(snapshot("triggers.orders", g), { idleMs: 5 * MIN, maxDeliveries: 9 }).find(
      (f) => f.object.name === "executor-empty",
    );
    expect(empty).toMatchObject({ messageId: "unseenEmpty", severity: "LOW" });
    const clean: GroupState = {
      ...group(),
      pending: 0,
      consumers: [{ name: "executor-a", pending: 0, idleMs: 10 }],
      entries: [],
    };
    expect(checkStreams(snapshot("triggers.orders", clean), { idleMs: 5 * MIN, maxDeliveries: 5 })).toEqual(
      [],
    );
  });

  it("values are shell-quoted in RUN steps", () => {
    const g = group();
    g.consumers[1]!.name = "old; rm -rf /";
    for (const e of g.entries) if (e.consumer === "executor-old") e.consumer = "old; rm -rf /";
    const f = checkStreams(snapshot("triggers.a b", g), { idleMs: 5 * MIN, maxDeliveries: 9, pitfall }).find(
      (x) => x.rule === "stale-consumer",
    )!;
    expect(f.runbook!.find((s) => s.kind === "RUN")!.text).toContain(
      "XPENDING 'triggers.a b' ge-executor-group",
    );
  });

  it("summaries: oldest pending age from the id, consumer states", () => {
    const [row] = summarizeStreams(snapshot("triggers.orders", group()), { idleMs: 5 * MIN });
    expect(row).toMatchObject({
      stream: "triggers.orders",
      pending: 4,
      oldestPendingAgeMs: 70 * MIN,
      maxDeliveries: 7,
    });
    expect(row!.consumers.map((c) => c.state)).toEqual(["live", "unseen", "live"]);
  });
});

describe("stale consumer groups: the fix plan", () => {
  it("moves only idle entries of dead consumers to the least-loaded live one", () => {
    const plan = planClaims(snapshot("triggers.orders", group()), {
      idleMs: 5 * MIN,
      livePods: new Set(["executor-a"]),
    });
    expect(plan.moves).toEqual([
      {
        stream: "triggers.orders",
        group: "ge-executor-group",
        from: "executor-old",
        to: "executor-a",
        ids: [`${NOW - 70 * MIN}-0`, `${NOW - 69 * MIN}-0`],
        // The pod is the evidence, so the consumer need not be quiet for long; it must not reappear nor change.
        guard: { minConsumerIdleMs: 0, pending: 2 },
      },
    ]);
    // executor-gone's pod is gone but its entry was delivered 1s ago: someone works on it, it stays.
    expect(plan.notes).toEqual([
      {
        stream: "triggers.orders",
        group: "ge-executor-group",
        consumer: "executor-gone",
        ids: [`${NOW - 2 * MIN}-0`],
        reason: "delivered less than the idle threshold ago",
      },
    ]);
    expect(plan.deletes.map((d) => d.consumer)).toEqual(["executor-old"]);
  });

  it("with the pods known, a consumer whose pod exists is never dead, however long it has been quiet", () => {
    const g: GroupState = {
      ...group(),
      consumers: [
        { name: "executor-a", pending: 1, idleMs: 2000 },
        // Working through a batch for an hour: XACK does not count as being seen.
        { name: "executor-batch", pending: 2, idleMs: 60 * MIN, seenAtMs: NOW - 60 * MIN },
        { name: "executor-gone", pending: 1, idleMs: 10 * MIN, seenAtMs: NOW - 10 * MIN },
      ],
      entries: [
        { id: "1-0", consumer: "executor-batch", idleMs: 60 * MIN, deliveries: 1 },
        { id: "2-0", consumer: "executor-batch", idleMs: 60 * MIN, deliveries: 1 },
        { id: "3-0", consumer: "executor-gone", idleMs: 10 * MIN, deliveries: 1 },
        { id: "4-0", consumer: "executor-a", idleMs: 2000, deliveries: 1 },
      ],
    };
    const livePods = new Set(["executor-a", "executor-batch"]);
    const plan = planClaims(snapshot("s", g), { idleMs: 5 * MIN, livePods });
    expect(plan.cluster).toBe(true);
    expect(plan.moves.map((m) => [m.from, m.to, m.ids])).toEqual([["executor-gone", "executor-a", ["3-0"]]]);
    expect(plan.moves[0]!.guard).toEqual({ minConsumerIdleMs: 0, pending: 1, seenAtMs: NOW - 10 * MIN });
    const byName = Object.fromEntries(plan.evidence.map((e) => [e.consumer, e]));
    expect(byName["executor-batch"]).toMatchObject({ verdict: "live", pod: "exists", pending: 2 });
    expect(byName["executor-batch"]!.why).toBe(
      "pod executor-batch exists; quiet for 1h, maybe working: left alone",
    );
    expect(byName["executor-gone"]).toMatchObject({
      verdict: "dead",
      pod: "gone",
      why: "no pod named executor-gone in the cluster",
      entries: [{ id: "3-0", idleMs: 10 * MIN }],
    });
    // The same group without the cluster: time alone makes executor-batch dead, and the guard asks the
    // server to check that it is still quiet for the whole threshold.
    const blind = planClaims(snapshot("s", g), { idleMs: 5 * MIN });
    expect(blind.cluster).toBe(false);
    expect(blind.moves.find((m) => m.from === "executor-batch")?.guard).toEqual({
      minConsumerIdleMs: 5 * MIN,
      pending: 2,
      seenAtMs: NOW - 60 * MIN,
    });
    expect(blind.evidence.find((e) => e.consumer === "executor-batch")!.why).toMatch(
      /^not seen for 1h \(threshold 5m\); cluster unknown: time is the only evidence$/,
    );
    // Findings agree: with the pods, executor-batch is a live consumer with stuck entries, not a dead one.
    const findings = checkStreams(snapshot("s", g), { idleMs: 5 * MIN, maxDeliveries: 5, livePods });
    expect(findings.filter((f) => f.object.name === "executor-batch").map((f) => f.rule)).toEqual([
      "stuck-pending",
    ]);
  });

  it("no live consumer: nothing moves, and it says so", () => {
    const plan = planClaims(snapshot("triggers.orders", group()), { idleMs: 500 });
    expect(plan.moves).toEqual([]);
    expect(plan.notes.map((n) => n.reason)).toContain(
      "no live consumer in this group: nothing moved (2 entries stay with executor-old)",
    );
  });

  it("spreads several dead consumers over the live ones by load", () => {
    const g: GroupState = {
      ...group(),
      consumers: [
        { name: "live-1", pending: 0, idleMs: 10 },
        { name: "live-2", pending: 1, idleMs: 10 },
        { name: "dead-1", pending: 2, idleMs: 60 * MIN },
        { name: "dead-2", pending: 1, idleMs: 60 * MIN },
      ],
      entries: [
        { id: "1-0", consumer: "dead-1", idleMs: 60 * MIN, deliveries: 1 },
        { id: "2-0", consumer: "dead-1", idleMs: 60 * MIN, deliveries: 1 },
        { id: "3-0", consumer: "dead-2", idleMs: 60 * MIN, deliveries: 1 },
        { id: "4-0", consumer: "live-2", idleMs: 10, deliveries: 1 },
      ],
    };
    const plan = planClaims(snapshot("s", g), { idleMs: 5 * MIN });
    expect(plan.moves.map((m) => [m.from, m.to, m.ids])).toEqual([
      ["dead-1", "live-1", ["1-0", "2-0"]],
      ["dead-2", "live-2", ["3-0"]],
    ]);
  });
});

describe("redis targets", () => {
  it("redacts passwords in URLs and descriptions", () => {
    expect(redactUrl("redis://:secret@host:6381/0")).toBe("redis://:***@host:6381/0");
    expect(redactUrl("rediss://user:secret@host")).toBe("rediss://user:***@host");
    expect(redactUrl("redis://host:6381")).toBe("redis://host:6381");
    const t = redisTargetOf({ url: "rediss://app:p%40ss@redis.internal/2", defaultPort: 6381 });
    expect(t).toEqual({
      host: "redis.internal",
      port: 6381,
      username: "app",
      password: "p@ss",
      tls: true,
      db: 2,
    });
    expect(describeTarget(t)).toBe("rediss://app:***@redis.internal:6381/2");
  });

  it("flags, then config, then the page's port; a URL password wins over REDIS_PASSWORD", () => {
    expect(redisTargetOf({ defaultPort: 6381 })).toEqual({
      host: "127.0.0.1",
      port: 6381,
      tls: false,
      db: 0,
    });
    expect(
      redisTargetOf({
        config: { host: "r", port: 7000, tls: true, db: 1 },
        password: "env",
        defaultPort: 6381,
      }),
    ).toEqual({ host: "r", port: 7000, tls: true, db: 1, password: "env" });
    expect(redisTargetOf({ url: "redis://:url@h:1", password: "env", defaultPort: 6381 }).password).toBe(
      "url",
    );
    expect(redisTargetOf({ url: "h2", config: { host: "r", port: 7000 }, defaultPort: 6381 })).toMatchObject({
      host: "h2",
      port: 6381,
    });
  });

  it("pages XPENDING by the next id", () => {
    expect(nextStreamId("5-0")).toBe("5-1");
    expect(nextStreamId("5-18446744073709551615")).toBe("6-0");
  });
});
