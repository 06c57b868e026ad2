// Over every registered rule: tied to a pitfall of the built-in page, documented, with a fixture that uses every message.
import { describe, expect, it } from "vitest";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import type { Finding } from "../../src/model/finding.js";
import { allRules } from "../../src/rules/index.js";
import type { Rule } from "../../src/rules/types.js";
import { loadSnapshot, ruleFixture, scan } from "../live-rules/support.js";
import { hasFixture, loadFixture, runFixture } from "./fixtures.js";

const builtin = await loadKnowledgeBase({ cwd: process.cwd() });
const rules = allRules();

/** The fixture's case names and the rule's findings on it: manifests parsed with positions, live fixtures as clusters. */
async function judge(rule: Rule): Promise<{ names: string[]; findings: Finding[] }> {
  if (rule.meta.runs.includes("manifest") || rule.meta.runs.includes("streams")) {
    const fixture = loadFixture(rule.meta.id);
    return {
      names: fixture.objects.map((o) => String(o.object.metadata?.name ?? "")),
      findings: runFixture(rule, builtin, fixture).findings,
    };
  }
  const snapshot = loadSnapshot(ruleFixture(rule.meta.id));
  return {
    names: snapshot.objects
      .filter((o) => o.object.kind !== "Event")
      .map((o) => String(o.object.metadata?.name ?? "")),
    findings: (await scan(snapshot, [rule])).findings,
  };
}

it("has unique rule ids", () => {
  const ids = rules.map((r) => r.meta.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).not.toContain("detect");
});

describe.each(rules.map((r) => [r.meta.id, r] as const))("registered rule %s", (id, rule) => {
  it("serves a pitfall of the built-in page", () => {
    expect(builtin.byId.has(rule.meta.pitfall), `pitfall ${rule.meta.pitfall}`).toBe(true);
  });

  it("describes itself", () => {
    expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(rule.meta.description.trim()).not.toBe("");
    expect(rule.meta.looksAt.trim()).not.toBe("");
    expect(rule.meta.runs.length).toBeGreaterThan(0);
    expect(Object.keys(rule.meta.messages).length).toBeGreaterThan(0);
    expect(rule.check ?? rule.checkAll).toBeTypeOf("function");
    for (const template of Object.values(rule.meta.messages)) expect(template.trim()).not.toBe("");
  });

  it("has a fixture with objects that fire and objects that stay silent, using each of its message ids", async () => {
    expect(hasFixture(id), `test/fixtures/rules/${id}.yaml`).toBe(true);
    const { names, findings } = await judge(rule);
    expect(names.filter((n) => n.startsWith("fire-")).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith("dont-fire-")).length).toBeGreaterThan(0);
    const used = new Set(findings.filter((f) => f.rule === id).map((f) => f.messageId));
    expect([...used].sort()).toEqual(Object.keys(rule.meta.messages).sort());
  });
});
