// The Redis Streams check as one pipeline: the streams' state (and the cluster's pods, when known) become a
// snapshot of StreamGroup objects, the registered streams rules run over it in the engine, and each group gets a
// summary row. Used by `pitfall streams`, `scan --redis` and MCP check_streams.
import { type Config, defaultConfig } from "../config/model.js";
import { runEngine } from "../engine/run.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Finding } from "../model/finding.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";
import type { StreamsSnapshot } from "../model/streams.js";
import { judgeConsumers, STREAM_GROUP_KIND } from "../rules/stream-consumers.js";
import { type RedisServer, redisStepsAt } from "../runbook/redis-steps.js";

export interface StreamsCheck {
  kb: KnowledgeBase;
  config: Config;
  /** Override the config's `redis.idle` (a flag such as `--idle`). */
  idleMs?: number;
  /** Override the config's `redis.poisonDeliveries`. */
  maxDeliveries?: number;
  /**
   * Names of the pods that exist, when the cluster is known. A consumer named after one of them is never
   * dead, however idle; one named after none is dead (its pod is gone). Without it, only time decides.
   */
  livePods?: ReadonlySet<string>;
  /** Consumer that should receive a dead consumer's entries (`--to`); else the least-loaded live one. */
  to?: string;
  /** The Redis that was read: the runbook's `redis-cli` steps are pointed at it. */
  server?: RedisServer;
}

/** Each consumer group as an object the streams rules check; the pods, when known, ride along as evidence. */
function streamsSnapshotOf(
  streams: StreamsSnapshot,
  opts: { name?: string; livePods?: ReadonlySet<string>; to?: string } = {},
): Snapshot {
  const livePods = opts.livePods ? [...opts.livePods] : undefined;
  const objects: SourcedObject[] = [];
  for (const s of streams.streams)
    for (const { name, ...state } of s.groups)
      objects.push({
        object: {
          apiVersion: "pitfall.io/v1",
          kind: STREAM_GROUP_KIND,
          metadata: { name },
          stream: s.key,
          length: s.length,
          state,
          ...(livePods ? { livePods } : {}),
        },
        origin: {},
      });
  return {
    target: {
      kind: "streams",
      name: opts.name ?? "redis",
      ...(opts.to !== undefined ? { claimTo: opts.to } : {}),
    },
    objects,
    diagnostics: [],
    incomplete: streams.incomplete,
    takenAt: streams.takenAt,
  };
}

/** Findings for every stream and group, in the order the streams, groups and consumers were read. */
export function streamFindings(
  streams: StreamsSnapshot,
  check: StreamsCheck,
): { findings: Finding[]; diagnostics: Diagnostic[] } {
  const snapshot = streamsSnapshotOf(streams, {
    ...(check.livePods ? { livePods: check.livePods } : {}),
    ...(check.to !== undefined ? { to: check.to } : {}),
  });
  const config: Config = {
    ...check.config,
    redis: {
      ...check.config.redis,
      ...(check.idleMs !== undefined ? { idle: `${check.idleMs}ms` } : {}),
      ...(check.maxDeliveries !== undefined ? { poisonDeliveries: check.maxDeliveries } : {}),
    },
  };
  const result = runEngine(snapshot, { mode: "streams", kb: check.kb, config });
  // Without the page's entry there is no runbook to show; the outputs leave an empty one out alike.
  for (const f of result.findings) {
    if (!f.runbook?.length) delete f.runbook;
    else if (check.server) f.runbook = redisStepsAt(f.runbook, check.server);
  }
  return { findings: inReadOrder(streams, result.findings), diagnostics: result.diagnostics };
}

/** Stream, group and consumer as read; per consumer, its stale or stuck finding before its poison one. */
function inReadOrder(streams: StreamsSnapshot, findings: Finding[]): Finding[] {
  const rank = new Map<string, number>();
  for (const s of streams.streams)
    for (const g of s.groups)
      for (const c of g.consumers) rank.set(`${s.key}\u0000${g.name}\u0000${c.name}`, rank.size);
  const at = (f: Finding) =>
    rank.get(`${f.object.stream}\u0000${f.object.group}\u0000${f.object.name}`) ?? rank.size;
  const poison = (f: Finding) => (f.rule === "poison-message" ? 1 : 0);
  return [...findings].sort((a, b) => at(a) - at(b) || poison(a) - poison(b));
}

export interface CheckStreamsOptions {
  idleMs: number;
  maxDeliveries: number;
  livePods?: ReadonlySet<string>;
  /** The loaded page's entry: its severity and runbook steps. Without it findings carry no runbook. */
  pitfall?: Pitfall;
  to?: string;
}

/** The streams rules over one snapshot with one page entry: for tests and benchmarks that have no whole page. */
export function checkStreams(streams: StreamsSnapshot, opts: CheckStreamsOptions): Finding[] {
  const p = opts.pitfall;
  const kb: KnowledgeBase = {
    pages: [],
    pitfalls: p ? [p] : [],
    byId: new Map(p ? [[p.id, p]] : []),
    diagnostics: [],
    zoneMap: [],
  };
  return streamFindings(streams, {
    kb,
    config: defaultConfig(),
    idleMs: opts.idleMs,
    maxDeliveries: opts.maxDeliveries,
    ...(opts.livePods ? { livePods: opts.livePods } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
  }).findings;
}

/** Milliseconds of a stream id (`1700000000000-0`), or undefined for a malformed id. */
function idTimeMs(id: string): number | undefined {
  const ms = Number(id.split("-")[0]);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface ConsumerSummary {
  name: string;
  pending: number;
  idleMs: number;
  inactiveMs?: number;
  state: "live" | "unseen" | "pod-gone";
}

export interface GroupSummary {
  stream: string;
  length: number;
  group: string;
  pending: number;
  lag?: number;
  lastDeliveredId: string;
  oldestPendingId?: string;
  /** Since the oldest pending entry was added (from its id). */
  oldestPendingAgeMs?: number;
  /** Longest time any pending entry has waited since its last delivery. */
  maxIdleMs?: number;
  maxDeliveries?: number;
  consumers: ConsumerSummary[];
  /** Fewer entries were read than are pending. */
  truncated?: boolean;
}

/** One row per stream and group, for reports. */
export function summarizeStreams(
  snapshot: StreamsSnapshot,
  opts: { idleMs: number; livePods?: ReadonlySet<string> | undefined },
): GroupSummary[] {
  const out: GroupSummary[] = [];
  for (const s of snapshot.streams) {
    for (const g of s.groups) {
      const row: GroupSummary = {
        stream: s.key,
        length: s.length,
        group: g.name,
        pending: g.pending,
        lastDeliveredId: g.lastDeliveredId,
        consumers: judgeConsumers(g, opts).map((v) => {
          const c: ConsumerSummary = {
            name: v.consumer.name,
            pending: v.consumer.pending,
            idleMs: v.consumer.idleMs,
            state: v.live ? "live" : (v.reason ?? "unseen"),
          };
          if (v.consumer.inactiveMs !== undefined) c.inactiveMs = v.consumer.inactiveMs;
          return c;
        }),
      };
      if (g.lag !== undefined) row.lag = g.lag;
      if (g.oldestPendingId) {
        row.oldestPendingId = g.oldestPendingId;
        const t = idTimeMs(g.oldestPendingId);
        if (t !== undefined) row.oldestPendingAgeMs = Math.max(0, snapshot.nowMs - t);
      }
      if (g.entries.length) {
        row.maxIdleMs = g.entries.reduce((m, e) => Math.max(m, e.idleMs), 0);
        row.maxDeliveries = g.entries.reduce((m, e) => Math.max(m, e.deliveries), 0);
      }
      if (g.truncated) row.truncated = true;
      out.push(row);
    }
  }
  return out;
}
