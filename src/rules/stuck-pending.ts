// Redis Streams: a live consumer holds entries it has not acknowledged for longer than the idle threshold.
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
  stuck:
    "{{count}} pending entries of {{stream}} / {{group}} held by live consumer {{consumer}} have been idle for over {{threshold}} (oldest {{oldestId}}, idle {{oldestIdle}})",
} as const;

export const stuckPendingRule = defineRule({
  meta: {
    id: "stuck-pending",
    ...STREAMS_RULE,
    description: "A live consumer holds entries it has not acknowledged for longer than the idle threshold.",
    looksAt: "XPENDING idle time per entry of the consumers judged live",
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
    const held = entriesByConsumer(group);
    const out: ReportOf<typeof MESSAGES>[] = [];
    for (const v of verdicts) {
      const c = v.consumer;
      if (!v.live) continue;
      const stuck = (held.get(c.name) ?? []).filter((e) => e.idleMs >= idleMs);
      const first = stuck[0];
      if (!first) continue;
      // Another live consumer could take them; `--to` unless that is this very consumer.
      const other = claimTarget(
        verdicts.filter((w) => w.consumer.name !== c.name),
        to === c.name ? undefined : to,
      );
      const evidence: Evidence[] = [seenEvidence(stream, group.name, c)];
      if (v.pod === "exists")
        evidence.push({
          kind: "stream",
          text: `pod ${c.name} exists: the consumer counts as alive`,
          source: "pods",
        });
      evidence.push(pendingEvidence(stream, group.name, c.name, stuck));
      out.push({
        messageId: "stuck",
        data: {
          stream,
          group: group.name,
          consumer: c.name,
          pending: c.pending,
          idle: formatDuration(c.idleMs, 2),
          idleMs: c.idleMs,
          count: stuck.length,
          threshold: formatDuration(idleMs, 2),
          oldestId: first.id,
          oldestIdle: formatDuration(first.idleMs, 2),
        },
        object: consumerObject(stream, group.name, c.name),
        evidence,
        values: {
          ...consumerValues(stream, group.name, c.name),
          "message-id": first.id,
          "new-consumer": other,
        },
      });
    }
    return out;
  },
});
