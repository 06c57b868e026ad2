// The Redis Streams rules on their fixtures (one StreamGroup object per consumer group): every fire- group gets
// its expected message about one of its consumers, with the page's runbook filled; dont-fire- groups stay silent.
import { describe, expect, it } from "vitest";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { allRules } from "../../src/rules/index.js";
import { annotation, EXPECT, loadFixture, runFixture } from "../rules/fixtures.js";

const kb = await loadKnowledgeBase({ cwd: process.cwd() });
const rules = allRules().filter((r) => r.meta.runs.includes("streams"));

it("registers the three streams rules", () => {
  expect(rules.map((r) => r.meta.id).sort()).toEqual(["poison-message", "stale-consumer", "stuck-pending"]);
});

describe.each(rules.map((r) => [r.meta.id, r] as const))("streams rule %s on its fixture", (id, rule) => {
  const fixture = loadFixture(id);
  const result = runFixture(rule, kb, fixture);
  const about = (group: string) => result.findings.filter((f) => f.rule === id && f.object.group === group);

  it("runs streams only, without failing", () => {
    expect(rule.meta.runs).toEqual(["streams"]);
    expect(result.diagnostics).toEqual([]);
  });

  it.each(fixture.fire.map((o) => [String(o.object.metadata?.name), o] as const))(
    "reports a consumer of %s with the expected message and a filled runbook",
    (group, o) => {
      const found = about(group);
      expect(found.map((f) => f.messageId)).toContain(annotation(o, EXPECT));
      for (const f of found) {
        expect(f.object).toMatchObject({ kind: "StreamConsumer", stream: o.object.stream, group });
        expect(f.message).not.toMatch(/\{\{/);
        const run = f.runbook?.filter((s) => s.kind === "RUN") ?? [];
        expect(run.length).toBeGreaterThan(0);
        expect(run[0]!.text).toContain(`XPENDING ${String(o.object.stream)} `);
      }
    },
  );

  it.each(fixture.dontFire.map((o) => [String(o.object.metadata?.name)] as const))(
    "stays silent on %s",
    (group) => {
      expect(about(group)).toEqual([]);
    },
  );
});
