// Every live rule over its fixture (test/fixtures/rules/<id>.yaml, loaded as a cluster at NOW with its logs):
// each `fire-` object gets its expected message, `dont-fire-` objects and everything else stay silent.
import { describe, expect, it } from "vitest";
import { allRules } from "../../src/rules/index.js";
import { LIVE_RULES, loadSnapshot, ruleFixture, scan } from "./support.js";

const EXPECT = "pitfall.test/expect";

it("registers every live rule once, live only", () => {
  const registered = allRules();
  for (const rule of LIVE_RULES)
    expect(
      registered.filter((r) => r === rule),
      rule.meta.id,
    ).toHaveLength(1);
});

describe.each(LIVE_RULES.map((r) => [r.meta.id, r] as const))("live rule %s on its fixture", (id, rule) => {
  const snapshot = loadSnapshot(ruleFixture(id));
  const named = (prefix: string) =>
    snapshot.objects.filter((o) => String(o.object.metadata?.name ?? "").startsWith(prefix));
  const fire = named("fire-");
  const dontFire = named("dont-fire-");

  it("runs live only, on the pitfall it names, with fire and dont-fire objects", () => {
    expect(rule.meta.runs).toEqual(["live"]);
    expect(fire.length).toBeGreaterThan(0);
    expect(dontFire.length).toBeGreaterThan(0);
  });

  it("reports each fire- object with its expected message, evidence and a filled runbook", async () => {
    const result = await scan(snapshot, [rule]);
    expect(result.diagnostics.filter((d) => d.code === "rule-failed")).toEqual([]);
    expect(result.skipped).toEqual([]);
    for (const o of fire) {
      const name = String(o.object.metadata?.name);
      const want = o.object.metadata?.annotations?.[EXPECT];
      const found = result.findings.filter((f) => f.object.name === name);
      expect(
        found.map((f) => f.messageId),
        name,
      ).toContain(want);
      for (const f of found) {
        expect(f.pitfall).toBe(rule.meta.pitfall);
        expect(f.message).not.toMatch(/\{\{/);
        expect(f.evidence?.length, `${name} evidence`).toBeGreaterThan(0);
        expect(f.runbook?.length, `${name} runbook`).toBeGreaterThan(0);
      }
    }
  });

  it("stays silent on everything else and uses every message id", async () => {
    const result = await scan(snapshot, [rule]);
    const fireNames = new Set(fire.map((o) => o.object.metadata?.name));
    expect(result.findings.filter((f) => !fireNames.has(f.object.name)).map((f) => f.object.name)).toEqual(
      [],
    );
    expect([...new Set(result.findings.map((f) => f.messageId))].sort()).toEqual(
      Object.keys(rule.meta.messages).sort(),
    );
  });
});
