// Issue 13, point 8: an object defined twice is a warning naming both places, once per object.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { duplicateObjects } from "../../src/sources/duplicates.js";
import { parseManifests } from "../../src/sources/manifests.js";

const read = (name: string) => {
  const file = `test/fixtures/duplicates/${name}`;
  return parseManifests(
    readFileSync(new URL(`../fixtures/duplicates/${name}`, import.meta.url), "utf8"),
    file,
  ).objects;
};
const objects = [...read("sa-a.yaml"), ...read("sa-b.yaml")];

describe("duplicateObjects", () => {
  const warnings = duplicateObjects(objects);

  it("warns once per duplicated object, at its second definition, naming every place", () => {
    expect(warnings.map((w) => [w.file, w.line, w.severity, w.code])).toEqual([
      ["test/fixtures/duplicates/sa-b.yaml", 2, "warning", "duplicate-object"],
      ["test/fixtures/duplicates/sa-b.yaml", 28, "warning", "duplicate-object"],
    ]);
    expect(warnings[0]!.message).toContain(
      "ServiceAccount team-a/worker is defined 2 times (test/fixtures/duplicates/sa-a.yaml:3, test/fixtures/duplicates/sa-b.yaml:2)",
    );
    expect(warnings[1]!.message).toContain("Deployment team-a/worker is defined 2 times");
  });

  it("keeps apart other namespaces and other API groups, and --nodes objects", () => {
    expect(warnings.some((w) => w.message.includes("team-b"))).toBe(false);
    const nodes = objects.map((o) => ({ ...o, origin: { ...o.origin, role: "nodes" as const } }));
    expect(duplicateObjects(nodes)).toEqual([]);
  });
});
