// The verdict file is the ground truth of `npm run conformance:real`; a malformed entry would skew precision silently.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinPagePath } from "../../src/kb/load.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { allRules } from "../../src/rules/index.js";

interface Verdict {
  file: string;
  kind: string;
  namespace?: string;
  name: string;
  container?: string;
  pitfall: string;
  rule: string;
  zone: string;
  expected: string;
  why: string;
}

const verdicts = JSON.parse(readFileSync(new URL("./verdicts.json", import.meta.url), "utf8")) as {
  invalidYaml: string[];
  entries: Verdict[];
};
const FIELDS = new Set([
  "file",
  "kind",
  "namespace",
  "name",
  "container",
  "pitfall",
  "rule",
  "zone",
  "expected",
  "why",
]);
const REQUIRED = ["file", "kind", "name", "pitfall", "rule", "zone", "expected", "why"] as const;
const label = (e: Verdict) =>
  `${e.file} ${e.kind}/${e.name}${e.container ? ` [${e.container}]` : ""} ${e.rule}`;

describe("test/real-world/verdicts.json", () => {
  it("has a few hundred entries, each with the required fields as non-empty strings and no unknown field", () => {
    expect(verdicts.entries.length).toBeGreaterThanOrEqual(200);
    const bad = verdicts.entries.filter(
      (e) =>
        REQUIRED.some((f) => typeof e[f] !== "string" || e[f].trim() === "") ||
        Object.keys(e).some((k) => !FIELDS.has(k)) ||
        (e.container !== undefined && (typeof e.container !== "string" || !e.container)) ||
        (e.namespace !== undefined && (typeof e.namespace !== "string" || !e.namespace)),
    );
    expect(bad.map(label)).toEqual([]);
  });

  it("says fire or silent, in zone 1, 2 or all, for a file inside the corpus", () => {
    const bad = verdicts.entries.filter(
      (e) =>
        !["fire", "silent"].includes(e.expected) ||
        !["1", "2", "all"].includes(e.zone) ||
        e.file.startsWith("/") ||
        e.file.split("/").includes(".."),
    );
    expect(bad.map(label)).toEqual([]);
  });

  it("has no decision twice (object, container, rule, zone)", () => {
    const keys = verdicts.entries.map((e) =>
      [e.file, e.kind, e.name, e.container ?? "", e.rule, e.zone].join("|"),
    );
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(twice).toEqual([]);
    // An object judged for one zone and for all zones would be two answers to one question.
    const perZone = new Set(keys);
    const both = verdicts.entries.filter(
      (e) =>
        e.zone !== "all" && perZone.has([e.file, e.kind, e.name, e.container ?? "", e.rule, "all"].join("|")),
    );
    expect(both.map(label)).toEqual([]);
  });

  it("names pitfalls of the built-in page and rules that report them", () => {
    const page = parsePage(readFileSync(builtinPagePath(), "utf8"), "kb/kubernetes.md");
    const ids = new Set(pitfallsOf(page).map((p) => p.id));
    const rules = new Map(allRules().map((r) => [r.meta.id, r.meta.pitfall]));
    expect(verdicts.entries.filter((e) => !ids.has(e.pitfall)).map(label)).toEqual([]);
    expect(verdicts.entries.filter((e) => rules.get(e.rule) !== e.pitfall).map(label)).toEqual([]);
  });

  it("judges both ways: every rule judged has fire and silent decisions somewhere", () => {
    const expected = new Map<string, Set<string>>();
    for (const e of verdicts.entries)
      expected.set(e.rule, (expected.get(e.rule) ?? new Set()).add(e.expected));
    // redis-port has only silent ones on this corpus (no client of the team Redis in it).
    const oneSided = [...expected].filter(([rule, s]) => s.size < 2 && rule !== "redis-port").map(([r]) => r);
    expect(oneSided).toEqual([]);
  });

  it("lists the genuinely invalid YAML files once each, as corpus paths", () => {
    const list = verdicts.invalidYaml;
    expect(list.length).toBeGreaterThan(0);
    expect(new Set(list).size).toBe(list.length);
    expect(
      list.filter((f) => typeof f !== "string" || f.startsWith("/") || f.split("/").includes("..")),
    ).toEqual([]);
  });
});
