// Rule fixtures (kube-linter style): `fire-…` objects must be reported, `dont-fire-…` objects must not.
import { existsSync, readFileSync } from "node:fs";
import { defaultConfig } from "../../src/config/model.js";
import { runEngine, type RunResult } from "../../src/engine/run.js";
import type { Snapshot, SourcedObject, Distribution } from "../../src/model/snapshot.js";
import type { KnowledgeBase } from "../../src/kb/load.js";
import { zonesFor } from "../../src/kb/zones.js";
import type { Rule } from "../../src/rules/types.js";
import { parseManifests } from "../../src/sources/manifests.js";

export const FIXTURES = new URL("../fixtures/rules/", import.meta.url);
/** The messageId a `fire-` object must get. */
export const EXPECT = "pitfall.test/expect";
/** Text on the line the finding must point at (the first such line from the object's start). */
export const EXPECT_AT = "pitfall.test/expect-at";
/** Fixtures are judged at a fixed time, so ages written in them (live rules) mean the same on every run. */
export const FIXTURE_NOW = new Date("2026-04-01T12:00:00Z");

export interface Fixture {
  file: string;
  text: string;
  objects: SourcedObject[];
  fire: SourcedObject[];
  dontFire: SourcedObject[];
  /** When the fixture is judged: a leading `kind: SimCluster` document's `now`, else FIXTURE_NOW. */
  now: Date;
}

function nowOf(text: string): Date {
  const header = text.split(/^---\s*$/m)[0] ?? "";
  const now = /^kind:\s*SimCluster\s*$/m.test(header)
    ? /^now:\s*"?([^"\n]+?)"?\s*$/m.exec(header)?.[1]
    : undefined;
  const date = now ? new Date(now) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : FIXTURE_NOW;
}

export function fixtureFile(ruleId: string): URL {
  return new URL(`${ruleId}.yaml`, FIXTURES);
}

export function hasFixture(ruleId: string): boolean {
  return existsSync(fixtureFile(ruleId));
}

export function loadFixture(ruleId: string): Fixture {
  const file = `test/fixtures/rules/${ruleId}.yaml`;
  const text = readFileSync(fixtureFile(ruleId), "utf8");
  const parsed = parseManifests(text, file);
  if (parsed.diagnostics.some((d) => d.severity === "error"))
    throw new Error(`${file}: ${parsed.diagnostics.map((d) => `${d.line}: ${d.message}`).join("; ")}`);
  const objects = parsed.objects;
  // Events are named after their object (`fire-x.17a…`): context for live rules, not cases of their own.
  const named = (prefix: string) =>
    objects.filter(
      (o) => o.object.kind !== "Event" && String(o.object.metadata?.name ?? "").startsWith(prefix),
    );
  return { file, text, objects, fire: named("fire-"), dontFire: named("dont-fire-"), now: nowOf(text) };
}

/** A zone where the rule runs: its distribution's first zone, else its pitfall's first zone, else none. */
export function targetFor(rule: Rule, kb: KnowledgeBase): { zone?: string; distribution?: Distribution } {
  if (rule.meta.distribution) {
    const zone = zonesFor(rule.meta.distribution, kb.zoneMap)[0];
    return { distribution: rule.meta.distribution, ...(zone === undefined ? {} : { zone: String(zone) }) };
  }
  const spec = kb.byId.get(rule.meta.pitfall)?.zones;
  return spec && !spec.all && spec.zones.length ? { zone: String(spec.zones[0]) } : {};
}

export function runFixture(rule: Rule, kb: KnowledgeBase, fixture: Fixture): RunResult {
  const mode = rule.meta.runs.includes("manifest")
    ? "manifest"
    : rule.meta.runs.includes("streams")
      ? "streams"
      : "live";
  // In a manifest run, Nodes stand in for `lint --nodes FILE`: capacity, not linted. Live, they are linted.
  const objects =
    mode === "manifest"
      ? fixture.objects.map((o) =>
          o.object.kind === "Node" ? { ...o, origin: { ...o.origin, role: "nodes" as const } } : o,
        )
      : fixture.objects;
  const snapshot: Snapshot = {
    target: {
      kind: mode === "manifest" ? "manifests" : mode === "streams" ? "streams" : "dump",
      name: fixture.file,
    },
    objects,
    diagnostics: [],
    incomplete: [],
  };
  return runEngine(snapshot, {
    mode,
    kb,
    config: defaultConfig(),
    rules: [rule],
    detect: false,
    now: fixture.now,
    ...targetFor(rule, kb),
  });
}

export function annotation(o: SourcedObject, key: string): string | undefined {
  const value = o.object.metadata?.annotations?.[key];
  return typeof value === "string" ? value : undefined;
}

/** 1-based line of the first line at or after the object's start that contains `marker` (the annotations aside). */
export function lineOf(text: string, from: number, marker: string): number | undefined {
  const lines = text.split("\n");
  for (let i = Math.max(0, from - 1); i < lines.length; i++) {
    const line = lines[i]!;
    if (line.includes(marker) && !line.includes("pitfall.test/")) return i + 1;
  }
  return undefined;
}
