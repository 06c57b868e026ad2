// Stale consumer groups (Redis Streams): dead consumers, poison messages, entries stuck with a live consumer.
import { formatDuration } from "../k8s/duration.js";
import type { Pitfall } from "../kb/model.js";
import type { Severity } from "../model/severity.js";
import { fillSteps } from "../runbook/fill.js";
import { type Evidence, type Finding, formatMessage } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";

export const PITFALL_ID = "stale-consumer-groups-redis-streams";

// The state of a Redis instance's streams as plain data; sources/redis.ts fills it, nothing here does I/O.

export interface PendingEntry {
  id: string;
  consumer: string;
  /** Since the entry was last delivered (read or claimed). */
  idleMs: number;
  deliveries: number;
}

export interface ConsumerState {
  name: string;
  pending: number;
  /**
   * XINFO CONSUMERS `idle`. Redis 7.2+: since the consumer's last attempted interaction (any read or claim,
   * even one that got nothing). Before 7.2: since its last successful one (a read or claim that got entries).
   * An XACK counts in neither, so a consumer working through a batch looks idle while it works.
   */
  idleMs: number;
  /** Redis 7.2+ (`inactive`): since its last successful interaction; absent before 7.2. */
  inactiveMs?: number;
  /** Server time (ms) of the interaction `idleMs` counts from, when the reader measured it; the fix re-checks it. */
  seenAtMs?: number;
}

export interface GroupState {
  name: string;
  /** Exact count of the group's pending entries (XPENDING summary). */
  pending: number;
  lastDeliveredId: string;
  /** Entries not yet delivered to the group (Redis 7+; absent when the server cannot tell). */
  lag?: number;
  entriesRead?: number;
  oldestPendingId?: string;
  consumers: ConsumerState[];
  /** Pending entries in id order (XPENDING extended form); fewer than `pending` when `truncated`. */
  entries: PendingEntry[];
  truncated?: boolean;
}

export interface StreamState {
  key: string;
  length: number;
  groups: GroupState[];
}

export interface StreamsSnapshot {
  takenAt: string;
  /** Server time when the snapshot began; entry ages are measured from it. */
  nowMs: number;
  serverVersion?: string;
  streams: StreamState[];
  /** Streams that could not be read. */
  incomplete: Incomplete[];
}

export interface StreamsRuleMeta {
  id: "stale-consumer" | "poison-message" | "stuck-pending";
  pitfall: typeof PITFALL_ID;
  runs: "streams";
  description: string;
  messages: Record<string, string>;
}

export const staleConsumerRule: StreamsRuleMeta = {
  id: "stale-consumer",
  pitfall: PITFALL_ID,
  runs: "streams",
  description: "A consumer not seen for the idle threshold, or named after a pod that is gone.",
  messages: {
    unseenHolding:
      "consumer {{consumer}} of {{stream}} / {{group}} has not been seen for {{idle}} and holds {{pending}} pending entries (oldest {{oldestId}}, idle {{oldestIdle}})",
    podGoneHolding:
      "consumer {{consumer}} of {{stream}} / {{group}} is named after a pod that no longer exists and holds {{pending}} pending entries (oldest {{oldestId}}, idle {{oldestIdle}})",
    unseenEmpty:
      "consumer {{consumer}} of {{stream}} / {{group}} has not been seen for {{idle}}; it holds nothing and can be deleted",
    podGoneEmpty:
      "consumer {{consumer}} of {{stream}} / {{group}} is named after a pod that no longer exists; it holds nothing and can be deleted",
  },
};

export const poisonMessageRule: StreamsRuleMeta = {
  id: "poison-message",
  pitfall: PITFALL_ID,
  runs: "streams",
  description: "Pending entries delivered more often than the limit: consumers keep failing on them.",
  messages: {
    poison:
      "{{count}} pending entries of {{stream}} / {{group}} held by {{consumer}} were delivered more than {{max}} times (most: {{deliveries}}, id {{id}})",
  },
};

export const stuckPendingRule: StreamsRuleMeta = {
  id: "stuck-pending",
  pitfall: PITFALL_ID,
  runs: "streams",
  description: "A live consumer holds entries it has not acknowledged for longer than the idle threshold.",
  messages: {
    stuck:
      "{{count}} pending entries of {{stream}} / {{group}} held by live consumer {{consumer}} have been idle for over {{threshold}} (oldest {{oldestId}}, idle {{oldestIdle}})",
  },
};

export const STREAMS_RULES: readonly StreamsRuleMeta[] = [
  staleConsumerRule,
  poisonMessageRule,
  stuckPendingRule,
];

export interface StreamsCheckOptions {
  /** Entries and consumers idle this long are stuck / unseen (the page claims after 300000 ms). */
  idleMs: number;
  /** Deliveries above this make an entry poison. */
  maxDeliveries: number;
  /**
   * Names of the pods that exist, when the cluster is known. A consumer named after one of them is never
   * dead, however idle; one named after none is dead (its pod is gone). Without it, only time decides.
   */
  livePods?: Set<string>;
  /** The loaded page's entry: its severity and runbook steps. Without it findings carry no runbook. */
  pitfall?: Pitfall;
  /** Consumer that should receive a dead consumer's entries (`--to`); else the least-loaded live one. */
  to?: string;
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
  opts: Pick<StreamsCheckOptions, "idleMs" | "livePods">,
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

/** Findings for every stream and group of the snapshot. Pure: same snapshot and options, same findings. */
export function checkStreams(snapshot: StreamsSnapshot, opts: StreamsCheckOptions): Finding[] {
  const out: Finding[] = [];
  for (const stream of snapshot.streams)
    for (const group of stream.groups) out.push(...checkGroup(stream.key, group, opts));
  return out;
}

function checkGroup(stream: string, group: GroupState, opts: StreamsCheckOptions): Finding[] {
  const out: Finding[] = [];
  const verdicts = judgeConsumers(group, opts);
  const target = claimTarget(verdicts, opts.to);
  const severity: Severity = opts.pitfall?.severity ?? "MEDIUM";
  const held = entriesByConsumer(group);
  const base = { stream, group: group.name };

  for (const v of verdicts) {
    const c = v.consumer;
    const entries = held.get(c.name) ?? [];
    const oldest = entries[0];
    const data: Record<string, string | number> = {
      ...base,
      consumer: c.name,
      pending: c.pending,
      idle: formatDuration(c.idleMs, 2),
      idleMs: c.idleMs,
    };
    const evidence: Evidence[] = [
      {
        kind: "stream",
        text: `last seen ${formatDuration(c.idleMs, 2)} ago${c.inactiveMs !== undefined ? `, last successful read ${formatDuration(c.inactiveMs, 2)} ago` : ""}`,
        source: `XINFO CONSUMERS ${stream} ${group.name}`,
      },
    ];
    if (v.live) {
      const stuck = entries.filter((e) => e.idleMs >= opts.idleMs);
      const first = stuck[0];
      if (first) {
        const other = claimTarget(
          verdicts.filter((w) => w.consumer.name !== c.name),
          opts.to === c.name ? undefined : opts.to,
        );
        out.push(
          finding(stuckPendingRule, "stuck", severity, base, c.name, opts, {
            data: {
              ...data,
              count: stuck.length,
              threshold: formatDuration(opts.idleMs, 2),
              oldestId: first.id,
              oldestIdle: formatDuration(first.idleMs, 2),
            },
            evidence: [
              ...evidence,
              ...(v.pod === "exists"
                ? [
                    {
                      kind: "stream" as const,
                      text: `pod ${c.name} exists: the consumer counts as alive`,
                      source: "pods",
                    },
                  ]
                : []),
              pendingEvidence(stream, group.name, c.name, stuck),
            ],
            values: { "message-id": first.id, "new-consumer": other },
          }),
        );
      }
    } else {
      const gone = v.reason === "pod-gone";
      const evidenceAll = [...evidence];
      if (gone)
        evidenceAll.push({ kind: "stream", text: `no pod named ${c.name} in the cluster`, source: "pods" });
      if (c.pending > 0) {
        evidenceAll.push(pendingEvidence(stream, group.name, c.name, entries, c.pending));
        evidenceAll.push({
          kind: "stream",
          text: target
            ? `least-loaded live consumer of the group: ${target}`
            : opts.to !== undefined
              ? `${opts.to} is not a live consumer of this group`
              : "no live consumer in this group to take the entries",
          source: `XINFO CONSUMERS ${stream} ${group.name}`,
        });
      }
      out.push(
        finding(
          staleConsumerRule,
          c.pending > 0 ? (gone ? "podGoneHolding" : "unseenHolding") : gone ? "podGoneEmpty" : "unseenEmpty",
          c.pending > 0 ? severity : "LOW",
          base,
          c.name,
          opts,
          {
            data: {
              ...data,
              oldestId: oldest?.id ?? "unknown",
              oldestIdle: oldest ? formatDuration(oldest.idleMs, 2) : "unknown",
              ...(target ? { target } : {}),
            },
            evidence: evidenceAll,
            values: { "message-id": oldest?.id, "new-consumer": target },
          },
        ),
      );
    }

    const poison = entries.filter((e) => e.deliveries > opts.maxDeliveries);
    if (poison.length) {
      const worst = poison.reduce((a, b) => (b.deliveries > a.deliveries ? b : a));
      out.push(
        finding(poisonMessageRule, "poison", severity, base, c.name, opts, {
          data: {
            ...base,
            consumer: c.name,
            count: poison.length,
            max: opts.maxDeliveries,
            deliveries: worst.deliveries,
            id: worst.id,
          },
          evidence: [
            {
              kind: "stream",
              text: poison
                .slice(0, 10)
                .map((e) => `${e.id} delivered ${e.deliveries} times`)
                .join(", ")
                .concat(poison.length > 10 ? `, and ${poison.length - 10} more` : ""),
              source: `XPENDING ${stream} ${group.name} - + 100 ${c.name}`,
            },
          ],
          // Where a poison entry should go is a decision: `{new-consumer}` stays for the reader to fill.
          values: { "message-id": worst.id },
        }),
      );
    }
  }
  return out;
}

function pendingEvidence(
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

function entriesByConsumer(group: GroupState): Map<string, PendingEntry[]> {
  const out = new Map<string, PendingEntry[]>();
  for (const e of group.entries) {
    const list = out.get(e.consumer);
    if (list) list.push(e);
    else out.set(e.consumer, [e]);
  }
  return out;
}

function finding(
  rule: StreamsRuleMeta,
  messageId: string,
  severity: Severity,
  where: { stream: string; group: string },
  consumer: string,
  opts: StreamsCheckOptions,
  parts: {
    data: Record<string, string | number>;
    evidence: Evidence[];
    values: Record<string, string | undefined>;
  },
): Finding {
  const f: Finding = {
    pitfall: PITFALL_ID,
    rule: rule.id,
    severity,
    object: { kind: "StreamConsumer", name: consumer, stream: where.stream, group: where.group },
    messageId,
    data: parts.data,
    message: formatMessage(rule.messages[messageId] ?? messageId, parts.data),
    evidence: parts.evidence,
  };
  if (opts.pitfall) {
    // `{agent}` on the page sits after `triggers.`; the real stream key is the whole name, whatever its prefix.
    f.runbook = fillSteps(
      opts.pitfall.steps,
      { agent: where.stream, stream: where.stream, group: where.group, consumer, ...parts.values },
      ["agent"],
    );
  }
  return f;
}

/** Milliseconds of a stream id (`1700000000000-0`), or undefined for a malformed id. */
export function idTimeMs(id: string): number | undefined {
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
  opts: Pick<StreamsCheckOptions, "idleMs" | "livePods">,
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
