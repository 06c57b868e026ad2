// defineRule's types: a report names one of its rule's message ids and gives data for each slot of that message.
// The `@ts-expect-error` lines are the test: `npm run typecheck` fails when one of them compiles.
import { describe, expect, it } from "vitest";
import { defineRule, type ReportOf } from "./types.js";

const MESSAGES = { known: "a {{thing}} on {{node}}", other: "nothing to fill" } as const;

describe("defineRule", () => {
  it("accepts reports with known ids and their data; unknown ids and missing slots do not compile", () => {
    const rule = defineRule({
      meta: { id: "t", pitfall: "p", runs: ["manifest"], description: "d", looksAt: "l", messages: MESSAGES },
      check() {
        const ok: ReportOf<typeof MESSAGES>[] = [
          { messageId: "known", data: { thing: "x", node: "n1", extra: 1 } },
          { messageId: "other", data: {} },
        ];
        // @ts-expect-error an id the rule does not define
        const unknownId: ReportOf<typeof MESSAGES> = { messageId: "unknown", data: {} };
        // @ts-expect-error the message has a {{node}} slot and the data leaves it out
        const missingSlot: ReportOf<typeof MESSAGES> = { messageId: "known", data: { thing: "x" } };
        // @ts-expect-error data values are strings or numbers
        const badValue: ReportOf<typeof MESSAGES> = { messageId: "other", data: { n: true } };
        return [...ok, unknownId, missingSlot, badValue];
      },
    });
    expect(Object.keys(rule.meta.messages)).toEqual(["known", "other"]);
  });
});
