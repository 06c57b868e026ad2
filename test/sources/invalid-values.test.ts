// Issue 13, point 7: values the API server (or ESO) refuses are input errors with file:line, never "set".
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { invalidValues } from "../../src/sources/invalid-values.js";
import { parseManifests } from "../../src/sources/manifests.js";
import { annotation, lineOf } from "../rules/fixtures.js";

const file = "test/fixtures/values/invalid-values.yaml";
const text = readFileSync(new URL("../fixtures/values/invalid-values.yaml", import.meta.url), "utf8");
const parsed = parseManifests(text, file);
const diagnostics = invalidValues(parsed.objects);
const named = (prefix: string) =>
  parsed.objects.filter((o) => String(o.object.metadata?.name ?? "").startsWith(prefix));
const errorsOf = (name: string) =>
  diagnostics.filter((d) => d.message.includes(` ${name}: `) || d.message.includes(`/${name}: `));

describe("invalidValues", () => {
  it("the fixture parses cleanly", () => {
    expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(named("fire-").length).toBeGreaterThanOrEqual(9);
  });

  it.each(named("fire-").map((o) => [String(o.object.metadata?.name), o] as const))(
    "%s is an input error at the offending line",
    (name, o) => {
      const marker = annotation(o, "pitfall.test/error-at")!;
      const says = annotation(o, "pitfall.test/error-says")!;
      const line = lineOf(text, o.origin.line!, marker);
      expect(line, marker).toBeDefined();
      const found = errorsOf(name);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ file, line, severity: "error" });
      expect(found[0]!.message).toContain(says);
    },
  );

  it.each(named("dont-fire-").map((o) => [String(o.object.metadata?.name)] as const))(
    "%s holds odd but valid values: no error",
    (name) => {
      expect(errorsOf(name)).toEqual([]);
    },
  );

  it("leaves --nodes objects alone", () => {
    const nodes = parsed.objects.map((o) => ({ ...o, origin: { ...o.origin, role: "nodes" as const } }));
    expect(invalidValues(nodes)).toEqual([]);
  });
});
