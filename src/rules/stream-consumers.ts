// What the three Redis Streams rules share: the StreamGroup objects they check, live or dead per consumer (on
// evidence only), where a dead consumer's entries would go, and the consumer each finding is about.
import { formatDuration, parseDuration } from "../k8s/duration.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import type { Evidence } from "../model/finding.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import type { ConsumerState, GroupState, PendingEntry } from "../model/streams.js";
import type { Config } from "../config/model.js";
import { RuleOptionsError } from "./types.js";

export const PITFALL_ID = "stale-consumer-groups-redis-streams";

/** The kind of the snapshot objects the streams rules check: one consumer group of one stream. */
export const STREAM_GROUP_KIND = "StreamGroup";
/** The kind of the objects the streams findings are about. */
const STREAM_CONSUMER_KIND = "StreamConsumer";

/**
 * `{agent}` on the page sits after `triggers.`; the real stream key is the whole name, whatever its prefix, so
 * the page's prefix gives way to it.
 */
export const WHOLE_VALUES = ["agent"] as const;

/** What the three streams rules' metadata share: their pitfall, where they run, what they check. */
export const STREAMS_RULE = {
  pitfall: PITFALL_ID,
  runs: ["streams"],
  kinds: [STREAM_GROUP_KIND],
  wholeValues: WHOLE_VALUES,
} as const;

export interface StreamsOptions {
  /** Entries and consumers idle this long are stuck / unseen (the page claims after 300000 ms). */
  idleMs: number;
  /** Deliveries above this make an entry poison. */
  maxDeliveries: number;
}

/** `redis.idle` (default 5m) and `redis.poisonDeliveries` (default 5) of the config. */
export function streamsOptions(config: Config): StreamsOptions {
  const idle = config.redis?.idle ?? "5m";
  const idleMs = parseDuration(idle);
  if (idleMs === undefined || idleMs <= 0)
    throw new RuleOptionsError(
      `redis.idle must be a duration such as 300s, 5m or 1h, not ${JSON.stringify(idle)}`,
    );
  const maxDeliveries = config.redis?.poisonDeliveries ?? 5;
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1)
    throw new RuleOptionsError(
      `redis.poisonDeliveries must be a whole number of 1 or more, not ${JSON.stringify(maxDeliveries)}`,
    );
  return { idleMs, maxDeliveries };
}

/** A StreamGroup object as the streams source builds it (see service/streams.ts). */
export interface StreamGroupView {
  stream: string;
  group: GroupState;
  /**
   * Names of the pods that exist, when the cluster is known. A consumer named after one of them is never
   * dead, however idle; one named after none is dead (its pod is gone). Without it, only time decides.
   */
  livePods?: ReadonlySet<string>;
}

const livePodSets = new WeakMap<object, ReadonlySet<string>>();

/** The group a StreamGroup object holds, or undefined for any other object. */
export function streamGroupOf(o: KubeObject): StreamGroupView | undefined {
  if (o.kind !== STREAM_GROUP_KIND) return undefined;
  const stream = asString(o.stream);
  const state = asRecord(o.state);
  const name = o.metadata?.name;
  if (stream === undefined || !state || typeof name !== "string") return undefined;
  const group: GroupState = {
    ...(state as Partial<GroupState>),
    name,
    pending: count(state.pending),
    lastDeliveredId: asString(state.lastDeliveredId) ?? "",
    consumers: asList(state.consumers).flatMap((c) => consumerOf(asRecord(c))),
    entries: asList(state.entries).flatMap((e) => entryOf(asRecord(e))),
  };
  const view: StreamGroupView = { stream, group };
  if (Array.isArray(o.livePods)) {
    let pods = livePodSets.get(o.livePods);
    if (!pods) {
      pods = new Set(asList(o.livePods).filter((p): p is string => typeof p === "string"));
      livePodSets.set(o.livePods, pods);
    }
    view.livePods = pods;
  }
  return view;
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

function consumerOf(c: Record<string, unknown> | undefined): ConsumerState[] {
  const name = asString(c?.name);
  if (!c || name === undefined) return [];
  const out: ConsumerState = { name, pending: count(c.pending), idleMs: count(c.idleMs) };
  if (typeof c.inactiveMs === "number") out.inactiveMs = c.inactiveMs;
  if (typeof c.seenAtMs === "number") out.seenAtMs = c.seenAtMs;
  return [out];
}

function entryOf(e: Record<string, unknown> | undefined): PendingEntry[] {
  const id = asString(e?.id);
  const consumer = asString(e?.consumer);
  if (!e || id === undefined || consumer === undefined) return [];
  return [{ id, consumer, idleMs: count(e.idleMs), deliveries: count(e.deliveries) }];
}

export interface ConsumerVerdict {
  consumer: ConsumerState;
  live: boolean;
  /** Why it is dead. */
  reason?: "unseen" | "pod-gone";
  /** What the cluster says about the pod the consumer is named after. */
  pod: "exists" | "gone" | "unknown";
}

/**
 * Live or dead, for each consumer of a group; dead only with evidence. With the cluster known, the pods
 * decide: a consumer whose pod exists is live however long it has been quiet (it may be working through a
 * batch or one long job; XACK does not count as being seen). Without the cluster, a consumer is dead once it
 * has not been seen for the idle threshold.
 */
export function judgeConsumers(
  group: GroupState,
  opts: { idleMs: number; livePods?: ReadonlySet<string> | undefined },
): ConsumerVerdict[] {
  return group.consumers.map((c): ConsumerVerdict => {
    if (opts.livePods)
      return opts.livePods.has(c.name)
        ? { consumer: c, live: true, pod: "exists" }
        : { consumer: c, live: false, reason: "pod-gone", pod: "gone" };
    if (c.idleMs >= opts.idleMs) return { consumer: c, live: false, reason: "unseen", pod: "unknown" };
    return { consumer: c, live: true, pod: "unknown" };
  });
}

/** Where a dead consumer's entries go: `to` when it is live here, else the live consumer with least pending. */
export function claimTarget(verdicts: ConsumerVerdict[], to?: string): string | undefined {
  const live = verdicts.filter((v) => v.live).map((v) => v.consumer);
  if (to !== undefined) return live.some((c) => c.name === to) ? to : undefined;
  live.sort((a, b) => a.pending - b.pending || a.idleMs - b.idleMs || a.name.localeCompare(b.name));
  return live[0]?.name;
}

/** A group's pending entries by consumer, in id order. */
export function entriesByConsumer(group: GroupState): Map<string, PendingEntry[]> {
  const out = new Map<string, PendingEntry[]>();
  for (const e of group.entries) {
    const list = out.get(e.consumer);
    if (list) list.push(e);
    else out.set(e.consumer, [e]);
  }
  return out;
}

/** The consumer a finding is about, as an object of the snapshot. */
export function consumerObject(stream: string, group: string, consumer: string): SourcedObject {
  return {
    object: { kind: STREAM_CONSUMER_KIND, metadata: { name: consumer }, stream, group },
    origin: {},
  };
}

/** What every streams finding of a consumer names: the stream, the group and the consumer. */
export function consumerValues(stream: string, group: string, consumer: string) {
  return { agent: stream, stream, group, consumer };
}

/** When the consumer was last seen, and last read successfully (Redis 7.2+). */
export function seenEvidence(stream: string, group: string, c: ConsumerState): Evidence {
  return {
    kind: "stream",
    text: `last seen ${formatDuration(c.idleMs, 2)} ago${c.inactiveMs !== undefined ? `, last successful read ${formatDuration(c.inactiveMs, 2)} ago` : ""}`,
    source: `XINFO CONSUMERS ${stream} ${group}`,
  };
}

export function pendingEvidence(
  stream: string,
  group: string,
  consumer: string,
  entries: PendingEntry[],
  total = entries.length,
): Evidence {
  const oldest = entries[0];
  const maxDeliveries = entries.reduce((m, e) => Math.max(m, e.deliveries), 0);
  const text = oldest
    ? `${total} pending, oldest ${oldest.id} idle ${formatDuration(oldest.idleMs, 2)}, deliveries up to ${maxDeliveries}`
    : `${total} pending (entries not read)`;
  return { kind: "stream", text, source: `XPENDING ${stream} ${group} - + 100 ${consumer}` };
}
