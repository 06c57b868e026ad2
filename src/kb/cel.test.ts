import { describe, expect, it } from "vitest";
import { compileDetect, detectTrivial, toCelValue } from "./cel.js";

function evaluate(expr: string, obj: unknown): boolean | Error {
  const compiled = compileDetect(expr);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.evaluate(obj);
}

describe("compileDetect", () => {
  it("evaluates against the object as JSON, integers as CEL ints", () => {
    const obj = { kind: "Deployment", spec: { replicas: 3, ratio: 0.5 } };
    expect(evaluate("object.kind == 'Deployment' && object.spec.replicas > 2", obj)).toBe(true);
    expect(evaluate("type(object.spec.replicas) == int && type(object.spec.ratio) == double", obj)).toBe(
      true,
    );
    expect(evaluate("has(object.spec.template)", obj)).toBe(false);
  });

  it("supports macros and the strings extension", () => {
    const obj = { spec: { containers: [{ name: "App", image: "x:latest" }] } };
    expect(evaluate("object.spec.containers.exists(c, c.image.endsWith(':latest'))", obj)).toBe(true);
    expect(evaluate("object.spec.containers.all(c, c.name.lowerAscii() == 'app')", obj)).toBe(true);
  });

  it("reports a syntax error with its column", () => {
    const r = compileDetect("object.spec.((");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/^syntax error: /);
    expect(r.column).toBe(12);
  });

  it("reports an unknown variable with its column", () => {
    const r = compileDetect("object.kind == 'Pod' && objet.spec.hostNetwork");
    expect(r).toEqual({
      ok: false,
      message:
        "unknown variable 'objet' (did you mean 'object'?): DETECT binds object, podSpec, containers, kind, metadata, zone and distribution",
      column: 25,
    });
  });

  it("accepts comprehension variables and type names", () => {
    expect(compileDetect("object.items.exists(i, i.x == 1) && type(object.a) == string").ok).toBe(true);
  });

  it("returns an Error for a missing field or a non-bool result, never throws", () => {
    expect(evaluate("object.spec.template.spec.hostNetwork", { spec: {} })).toBeInstanceOf(Error);
    const r = evaluate("object.spec", { spec: {} });
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toBe("DETECT must give a bool, got map");
  });
});

describe("toCelValue", () => {
  it("maps objects to Maps and integers to bigint, dropping undefined fields", () => {
    const v = toCelValue({ a: 1, b: 1.5, c: [2, "x", null], d: undefined, e: { f: true } });
    expect(v).toEqual(
      new Map<string, unknown>([
        ["a", 1n],
        ["b", 1.5],
        ["c", [2n, "x", null]],
        ["e", new Map([["f", true]])],
      ]),
    );
  });
});

describe("detectTrivial", () => {
  const sample = [
    { kind: "Pod", object: { kind: "Pod", spec: { hostNetwork: true } } },
    { kind: "ConfigMap", object: { kind: "ConfigMap", data: {} } },
  ];
  it("an expression that never reads `object` is constant, true or false", () => {
    for (const expr of ["true", "false", "1 == 1", "!false", "[1, 2].exists(x, x > 1)", "'a' + 'b' == 'ab'"])
      expect(detectTrivial(expr, sample)?.code, expr).toBe("detect-constant");
  });
  it("one that reads `object` but is true for every sample object matches everything", () => {
    for (const expr of [
      "object == object",
      "has(object.kind)",
      "object.kind != 'Secret'",
      "[1].exists(object, object == 1)",
    ])
      expect(detectTrivial(expr, sample)?.code, expr).toBe("detect-matches-all");
  });
  it("one that tells the sample apart passes; an error on an object counts as no match", () => {
    for (const expr of ["object.kind == 'Pod'", "object.spec.hostNetwork", "!has(object.spec.hostNetwork)"])
      expect(detectTrivial(expr, sample), expr).toBeUndefined();
  });
  it("the built-in sample is varied enough that the page's own DETECT lines pass", async () => {
    const { DETECT_SAMPLE } = await import("./detect-sample.js");
    expect(new Set(DETECT_SAMPLE.map((s) => s.kind)).size).toBeGreaterThanOrEqual(6);
    expect(
      detectTrivial(
        "object.kind == 'Pod' && has(object.spec) && has(object.spec.hostNetwork) && object.spec.hostNetwork",
        DETECT_SAMPLE,
      ),
    ).toBeUndefined();
    expect(detectTrivial("has(object.metadata) && has(object.metadata.name)", DETECT_SAMPLE)?.code).toBe(
      "detect-matches-all",
    );
  });
});
