import { describe, expect, it } from "vitest";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { allRules } from "../../src/rules/index.js";
import { annotation, EXPECT, EXPECT_AT, hasFixture, lineOf, loadFixture, runFixture } from "./fixtures.js";

const kb = await loadKnowledgeBase({ cwd: process.cwd() });
// Live-only rules are judged on their fixtures as clusters (with logs and times) in test/live-rules.
const rules = allRules().filter((r) => r.meta.runs.includes("manifest") && hasFixture(r.meta.id));

describe.each(rules.map((r) => [r.meta.id, r] as const))("rule %s", (id, rule) => {
  const fixture = loadFixture(id);
  const result = runFixture(rule, kb, fixture);
  const findingsOf = (name: unknown) =>
    result.findings.filter((f) => f.rule === id && f.object.name === name);

  it("runs without failing", () => {
    expect(result.diagnostics.filter((d) => d.code === "rule-failed")).toEqual([]);
    expect(result.skipped).toEqual([]);
  });

  it.each(fixture.fire.map((o) => [String(o.object.metadata?.name), o] as const))(
    "reports %s with the expected message at the offending line",
    (_name, o) => {
      const want = annotation(o, EXPECT);
      const marker = annotation(o, EXPECT_AT);
      expect(want, `${EXPECT} annotation`).toBeTruthy();
      expect(marker, `${EXPECT_AT} annotation`).toBeTruthy();
      const line = lineOf(fixture.text, o.origin.line!, marker!);
      expect(line, `"${marker}" after line ${o.origin.line}`).toBeDefined();
      const found = findingsOf(o.object.metadata?.name);
      expect(found.map((f) => f.messageId)).toContain(want);
      const hit = found.find((f) => f.messageId === want)!;
      expect({ file: hit.file, line: hit.line }).toEqual({ file: fixture.file, line });
      expect(hit.message).not.toMatch(/\{\{/);
      expect(hit.pitfall).toBe(rule.meta.pitfall);
      expect(hit.runbook?.length).toBeGreaterThan(0);
    },
  );

  it.each(fixture.dontFire.map((o) => [String(o.object.metadata?.name)] as const))(
    "stays silent on %s",
    (name) => {
      expect(findingsOf(name)).toEqual([]);
    },
  );

  it("reports nothing beyond the fire- objects", () => {
    const fire = new Set(fixture.fire.map((o) => o.object.metadata?.name));
    expect(result.findings.filter((f) => !fire.has(f.object.name)).map((f) => f.object.name)).toEqual([]);
  });
});
