// Redis Streams: a consumer not seen for the idle threshold, or named after a pod that is gone, holds entries
// nobody will acknowledge.
import { formatDuration } from "../k8s/duration.js";
import type { Evidence } from "../model/finding.js";
import {
  claimTarget,
  consumerObject,
  consumerValues,
  entriesByConsumer,
  judgeConsumers,
  pendingEvidence,
  STREAMS_RULE,
  seenEvidence,
  streamGroupOf,
  streamsOptions,
} from "./stream-consumers.js";
import { defineRule, type ReportOf } from "./types.js";

const MESSAGES = {
  unseenHolding:
    "consumer {{consumer}} of {{stream}} / {{group}} has not been seen for {{idle}} and holds {{pending}} pending entries (oldest {{oldestId}}, idle {{oldestIdle}})",
  podGoneHolding:
    "consumer {{consumer}} of {{stream}} / {{group}} is named after a pod that no longer exists and holds {{pending}} pending entries (oldest {{oldestId}}, idle {{oldestIdle}})",
  unseenEmpty:
    "consumer {{consumer}} of {{stream}} / {{group}} has not been seen for {{idle}}; it holds nothing and can be deleted",
  podGoneEmpty:
    "consumer {{consumer}} of {{stream}} / {{group}} is named after a pod that no longer exists; it holds nothing and can be deleted",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const staleConsumerRule = defineRule({
  meta: {
    id: "stale-consumer",
    ...STREAMS_RULE,
    description: "A consumer not seen for the idle threshold, or named after a pod that is gone.",
    looksAt: "XINFO CONSUMERS idle / inactive, XPENDING per consumer; the cluster's pods when given",
    messages: MESSAGES,
  },
  options: streamsOptions,
  check(ctx, o) {
    const view = streamGroupOf(o.object);
    if (!view) return [];
    const { stream, group } = view;
    const { idleMs } = ctx.options;
    const to = ctx.target.claimTo;
    const verdicts = judgeConsumers(group, { idleMs, livePods: view.livePods });
    const target = claimTarget(verdicts, to);
    const held = entriesByConsumer(group);
    const out: Reported[] = [];
    for (const v of verdicts) {
      if (v.live) continue;
      const c = v.consumer;
      const entries = held.get(c.name) ?? [];
      const oldest = entries[0];
      const gone = v.reason === "pod-gone";
      const evidence: Evidence[] = [seenEvidence(stream, group.name, c)];
      if (gone)
        evidence.push({ kind: "stream", text: `no pod named ${c.name} in the cluster`, source: "pods" });
      if (c.pending > 0) {
        evidence.push(pendingEvidence(stream, group.name, c.name, entries, c.pending));
        evidence.push({
          kind: "stream",
          text: target
            ? `least-loaded live consumer of the group: ${target}`
            : to !== undefined
              ? `${to} is not a live consumer of this group`
              : "no live consumer in this group to take the entries",
          source: `XINFO CONSUMERS ${stream} ${group.name}`,
        });
      }
      const data = {
        stream,
        group: group.name,
        consumer: c.name,
        pending: c.pending,
        idle: formatDuration(c.idleMs, 2),
        idleMs: c.idleMs,
        oldestId: oldest?.id ?? "unknown",
        oldestIdle: oldest ? formatDuration(oldest.idleMs, 2) : "unknown",
        ...(target ? { target } : {}),
      };
      const details = {
        object: consumerObject(stream, group.name, c.name),
        evidence,
        values: {
          ...consumerValues(stream, group.name, c.name),
          "message-id": oldest?.id,
          "new-consumer": target,
        },
      };
      if (c.pending > 0) out.push({ messageId: gone ? "podGoneHolding" : "unseenHolding", data, ...details });
      // Nothing held: nothing is lost, it only clutters the group.
      else out.push({ messageId: gone ? "podGoneEmpty" : "unseenEmpty", data, ...details, atMost: "LOW" });
    }
    return out;
  },
});
