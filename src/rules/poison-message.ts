// Redis Streams: pending entries delivered more often than the limit; consumers keep failing on them.
import {
  consumerObject,
  consumerValues,
  entriesByConsumer,
  STREAMS_RULE,
  streamGroupOf,
  streamsOptions,
} from "./stream-consumers.js";
import { defineRule, type ReportOf } from "./types.js";

const MESSAGES = {
  poison:
    "{{count}} pending entries of {{stream}} / {{group}} held by {{consumer}} were delivered more than {{max}} times (most: {{deliveries}}, id {{id}})",
} as const;

/** Poison entries named in the evidence, at most. */
const SHOWN = 10;

export const poisonMessageRule = defineRule({
  meta: {
    id: "poison-message",
    ...STREAMS_RULE,
    description: "Pending entries delivered more often than the limit: consumers keep failing on them.",
    looksAt: "XPENDING delivery count per entry",
    messages: MESSAGES,
  },
  options: streamsOptions,
  check(ctx, o) {
    const view = streamGroupOf(o.object);
    if (!view) return [];
    const { stream, group } = view;
    const max = ctx.options.maxDeliveries;
    const held = entriesByConsumer(group);
    const out: ReportOf<typeof MESSAGES>[] = [];
    for (const c of group.consumers) {
      const poison = (held.get(c.name) ?? []).filter((e) => e.deliveries > max);
      if (!poison.length) continue;
      const worst = poison.reduce((a, b) => (b.deliveries > a.deliveries ? b : a));
      out.push({
        messageId: "poison",
        data: {
          stream,
          group: group.name,
          consumer: c.name,
          count: poison.length,
          max,
          deliveries: worst.deliveries,
          id: worst.id,
        },
        object: consumerObject(stream, group.name, c.name),
        evidence: [
          {
            kind: "stream",
            text: poison
              .slice(0, SHOWN)
              .map((e) => `${e.id} delivered ${e.deliveries} times`)
              .join(", ")
              .concat(poison.length > SHOWN ? `, and ${poison.length - SHOWN} more` : ""),
            source: `XPENDING ${stream} ${group.name} - + 100 ${c.name}`,
          },
        ],
        // Where a poison entry should go is a decision: `{new-consumer}` stays for the reader to fill.
        values: { ...consumerValues(stream, group.name, c.name), "message-id": worst.id },
      });
    }
    return out;
  },
});
