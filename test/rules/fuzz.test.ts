// Objects of every wrong shape through every rule and DETECT line: nothing throws, no rule fails.
import { expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { runEngine } from "../../src/engine/run.js";
import type { Snapshot, SourcedObject } from "../../src/model/snapshot.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import type { KubeObject } from "../../src/model/kube.js";
import type { RuleMode } from "../../src/rules/types.js";
import { allRules } from "../../src/rules/index.js";
import { loadSnapshot, ruleFixture } from "../live-rules/support.js";
import { prng } from "../sim/generate.js";
import { hasFixture, loadFixture } from "./fixtures.js";

const kb = await loadKnowledgeBase({ cwd: process.cwd() });

const JUNK: unknown[] = [
  null,
  "",
  "x",
  "true",
  0,
  -1,
  1.5,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  false,
  [],
  {},
  [null],
  ["a", 1, null],
  { name: 5 },
  [{ name: null, image: 7 }],
  "6379",
  "redis://",
  "redis://h:99999999",
  "25%",
  "-5%",
  "Always",
  "0",
  "1h",
  "abc:latest",
  "@@@",
  "a".repeat(5000),
  { hostPath: { path: 5 } },
  { requests: "lots", limits: [1] },
];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

function junk(rnd: () => number, depth = 0): unknown {
  const r = rnd();
  if (depth < 3 && r < 0.1) return Array.from({ length: Math.floor(rnd() * 4) }, () => junk(rnd, depth + 1));
  if (depth < 3 && r < 0.2) {
    const keys = [
      "name",
      "image",
      "spec",
      "containers",
      "env",
      "value",
      "resources",
      "kind",
      "hostNetwork",
      "metadata",
    ];
    return Object.fromEntries(
      Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(rnd, keys), junk(rnd, depth + 1)]),
    );
  }
  return structuredClone(pick(rnd, JUNK));
}

/** Every path to a value inside the object. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out);
  } else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/** Replace (or delete) a few values at random places of a valid object. */
function mutate(rnd: () => number, obj: KubeObject): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const times = 1 + Math.floor(rnd() * 4);
  for (let n = 0; n < times; n++) {
    const all = paths(copy).filter((p) => p.length > 0);
    if (!all.length) break;
    const path = pick(rnd, all);
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[key];
    if (!parent || typeof parent !== "object") continue;
    const last = path[path.length - 1]!;
    if (rnd() < 0.15 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[last as string];
    else (parent as Record<string | number, unknown>)[last] = junk(rnd);
  }
  return copy;
}

// Real objects of every rule's fixture (live ones with their status) are the starting shapes.
const seeds: SourcedObject[] = allRules()
  .filter((r) => hasFixture(r.meta.id))
  .flatMap((r) =>
    r.meta.runs.includes("manifest") || r.meta.runs.includes("streams")
      ? loadFixture(r.meta.id).objects
      : loadSnapshot(ruleFixture(r.meta.id)).objects,
  );

it.each([["manifest"], ["live"], ["streams"]] as [RuleMode][])(
  "survives 2000 malformed objects in %s mode",
  (mode) => {
    const rnd = prng(mode === "manifest" ? 1 : 2);
    const objects: SourcedObject[] = [];
    for (let i = 0; i < 2000; i++) {
      const base = pick(rnd, seeds);
      // Mostly mutated real objects (they reach deep into rules); some shapes with nothing right about them.
      const object =
        rnd() < 0.85
          ? mutate(rnd, base.object)
          : { kind: pick(rnd, ["Pod", "Deployment", "ExternalSecret", 5, null]), ...(junk(rnd) as object) };
      const origin = rnd() < 0.5 ? base.origin : {};
      // Some Nodes come as `--nodes` capacity, some as objects of their own.
      const asNodes = base.object.kind === "Node" && rnd() < 0.5;
      objects.push({ object: object as KubeObject, origin: asNodes ? { ...origin, role: "nodes" } : origin });
    }
    const snapshot: Snapshot = {
      target: { kind: "manifests", name: "fuzz" },
      objects,
      diagnostics: [],
      incomplete: [],
    };
    const result = runEngine(snapshot, { mode, kb, config: defaultConfig(), zone: "1", distribution: "k3s" });
    expect(result.diagnostics.filter((d) => d.code === "rule-failed")).toEqual([]);
    for (const f of result.findings) {
      expect(typeof f.message).toBe("string");
      expect(f.message).not.toMatch(/\{\{/);
      for (const v of Object.values(f.data)) expect(["string", "number"]).toContain(typeof v);
    }
    expect(result.findings.length).toBeGreaterThan(0);
  },
);
