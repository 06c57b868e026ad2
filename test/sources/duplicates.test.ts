// Issue 13, point 8: an object defined twice is a warning naming both places, once per object.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DuplicateIndex, duplicateObjects } from "../../src/sources/duplicates.js";
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

  it("tells objects in the order they were first met, across kinds and namespaces, and from another index", () => {
    const at = (kind: string, name: string, line: number) => ({
      object: { apiVersion: "v1", kind, metadata: { name, namespace: "ns1" } },
      origin: { file: "all.yaml", line, column: 1 },
    });
    const long = "a-name-longer-than-thirteen-characters";
    const list = [
      at("Deployment", "x", 1),
      at("Service", long, 2),
      at("Deployment", "z", 3),
      at("Service", long, 4),
      at("Deployment", "z", 5),
      at("Deployment", "x", 6),
      at("Deployment", "x", 7),
    ];
    const told = duplicateObjects(list).map((d) => [d.line, d.message.split(" is ")[0]]);
    expect(told).toEqual([
      [6, "Deployment ns1/x"],
      [4, `Service ns1/${long}`],
      [5, "Deployment ns1/z"],
    ]);
    expect(duplicateObjects(list)[0]!.message).toContain(
      "defined 3 times (all.yaml:1, all.yaml:6, all.yaml:7)",
    );
    // Fed in two parts, the second absorbed as a later group's: the same.
    const first = new DuplicateIndex();
    for (const o of list.slice(0, 3)) first.add(o);
    const second = new DuplicateIndex();
    for (const o of list.slice(3)) second.add(o);
    const merged = new DuplicateIndex(structuredClone(first.entries()));
    merged.absorb(structuredClone(second.entries()));
    expect(merged.diagnostics()).toEqual(duplicateObjects(list));
  });
});
