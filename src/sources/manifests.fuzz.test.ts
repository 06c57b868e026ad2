// Mutated and generated manifests: parseManifests never throws, every diagnostic has a line, locate always answers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { BASES, KEYS, mutate, mutation, YAML_CHARS } from "../../test/support/yaml-mutations.js";
import { parseManifests } from "./manifests.js";

const pathSegment = fc.oneof(
  fc.constantFrom(...KEYS, "name", "0", "", "__proto__", "constructor", "toString", "-1"),
  fc.integer({ min: -2, max: 5 }),
);

function assertWellFormed(text: string, paths: (string | number)[][]): void {
  const lineCount = text.split("\n").length;
  const { objects, diagnostics } = parseManifests(text, "fuzz.yaml");
  for (const d of diagnostics) {
    expect(d.file).toBe("fuzz.yaml");
    expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= lineCount).toBe(true);
    if (d.column !== undefined) expect(d.column).toBeGreaterThanOrEqual(1);
    expect(["error", "warning"]).toContain(d.severity);
    expect(d.code.length).toBeGreaterThan(0);
    expect(d.message.length).toBeGreaterThan(0);
  }
  for (const { object, origin } of objects) {
    expect(typeof object.apiVersion).toBe("string");
    expect(typeof object.kind).toBe("string");
    // Downstream code serialises objects: no cycles, no values JSON cannot hold.
    expect(() => JSON.stringify(object)).not.toThrow();
    expect(origin.line).toBeGreaterThanOrEqual(1);
    for (const p of paths) {
      const pos = origin.locate?.(p);
      expect(pos).toBeDefined();
      expect(pos!.line >= 1 && pos!.line <= lineCount && pos!.column >= 1).toBe(true);
    }
  }
}

describe("parseManifests under fuzzing", () => {
  it("never throws on 3,000 mutated manifests; diagnostics have lines, locate always answers", () => {
    fc.assert(
      fc.property(
        fc.nat(BASES.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(pathSegment, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        (base, mutations, paths) => {
          const text = mutations.reduce(mutate, BASES[base] ?? "");
          assertWellFormed(text, paths);
        },
      ),
      { numRuns: 3000, seed: 20_260_501 },
    );
  });

  it("never throws on random bytes and random YAML punctuation", () => {
    const noise = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({
        unit: fc.constantFrom(...YAML_CHARS, "a", "1", "kind: X", "apiVersion: v1"),
        maxLength: 120,
      }),
    );
    fc.assert(
      fc.property(noise, (text) => assertWellFormed(text, [["spec"], []])),
      { numRuns: 1000, seed: 20_260_502 },
    );
  });
});

// Keys that YAML and JSON both write bare or quoted, never escaped, so the key's text is findable.
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,7}$/);
const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.stringMatching(/^[a-z ]{0,10}$/));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
  ),
}));

function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => leafPaths(v, [...prefix, i]))];
  if (value && typeof value === "object") {
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
  }
  return [prefix];
}

describe("locate on generated objects", () => {
  it.each([
    ["YAML", (o: unknown) => stringify(o, { version: "1.1" })],
    ["JSON", (o: unknown) => JSON.stringify(o, null, 2)],
  ])("points at the key itself for every path of a %s document", (_format, write) => {
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), (spec) => {
        const object = { apiVersion: "v1", kind: "Generated", spec };
        const text = write(object);
        const lines = text.split("\n");
        const { objects, diagnostics } = parseManifests(text, "gen");
        expect(diagnostics).toEqual([]);
        expect(objects[0]!.object).toEqual(object);
        const locate = objects[0]!.origin.locate!;
        // The same text behind a comment goes through the YAML reader (JSON goes through JSON.parse).
        const viaYaml = parseManifests(`# comment\n${text}`, "gen").objects[0]!.origin.locate!;
        for (const p of leafPaths(spec, ["spec"])) {
          const last = p[p.length - 1];
          const { line, column } = locate(p)!;
          expect(viaYaml(p)).toEqual({ line: line + 1, column });
          const at = (lines[line - 1] ?? "").slice(column - 1);
          if (typeof last === "string") expect(at.replace(/^"/, "").startsWith(`${last}`)).toBe(true);
          else expect(at.length > 0 && at[0] !== " ").toBe(true);
        }
      }),
      { numRuns: 300, seed: 20_260_503 },
    );
  });
});
