import { describe, expect, it } from "vitest";
import { asInteger, asList, asRecord, asString, metaMap, metaString, valueAt } from "./fields.js";

describe("field readers", () => {
  it("accept only the right shapes", () => {
    expect(asRecord({ a: 1 })).toEqual({ a: 1 });
    for (const v of [null, [], "x", 1, undefined]) expect(asRecord(v)).toBeUndefined();
    expect(asList([1])).toEqual([1]);
    expect(asList("abc")).toEqual([]);
    expect(asString(5)).toBeUndefined();
    expect(asInteger(3)).toBe(3);
    expect(asInteger("3")).toBeUndefined();
    expect(asInteger(1.5)).toBeUndefined();
  });

  it("valueAt walks objects and arrays and stops at the first misfit", () => {
    const o = { spec: { containers: [{ image: "a" }] } };
    expect(valueAt(o, ["spec", "containers", 0, "image"])).toBe("a");
    expect(valueAt(o, ["spec", "containers", "0"])).toBeUndefined();
    expect(valueAt(o, ["spec", 0])).toBeUndefined();
    expect(valueAt(o, ["toString"])).toBeUndefined();
    expect(valueAt(null, ["a"])).toBeUndefined();
    expect(valueAt(o, [])).toBe(o);
  });

  it("metadata helpers keep only strings", () => {
    const o = { metadata: { name: "n", namespace: 3, labels: { a: "1", b: 2 } } };
    expect(metaString(o, "name")).toBe("n");
    expect(metaString(o, "namespace")).toBeUndefined();
    expect(metaMap(o, "labels")).toEqual({ a: "1" });
    expect(metaMap({ metadata: { labels: ["a"] } }, "labels")).toEqual({});
    expect(metaMap("x", "annotations")).toEqual({});
  });
});
