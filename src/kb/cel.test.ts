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

  it("a line with a `kind == 'X'` term is false for other kinds, as CEL's && makes it, without evaluating the rest", () => {
    const node = { kind: "Node", status: {} };
    const deployment = { kind: "Deployment", spec: { replicas: 3 } };
    // The right-hand side is an error for a Node: CEL's && with a false term is false all the same.
    expect(evaluate("kind == 'Deployment' && object.spec.replicas > 2", deployment)).toBe(true);
    expect(evaluate("kind == 'Deployment' && object.spec.replicas > 2", node)).toBe(false);
    expect(evaluate("object.spec.replicas > 2 && 'Deployment' == object.kind", node)).toBe(false);
    expect(evaluate("object.spec.replicas > 2 && 'Deployment' == object.kind", deployment)).toBe(true);
    expect(evaluate("kind == 'Node' && kind == 'Deployment'", node)).toBe(false);
    expect(evaluate("kind == 'Node' && kind == 'Deployment'", deployment)).toBe(false);
    // Within ||, a kind term restricts nothing.
    expect(evaluate("kind == 'Node' || object.spec.replicas > 2", deployment)).toBe(true);
    expect(evaluate("!(kind == 'Node') && has(object.spec)", deployment)).toBe(true);
    const kinds = (expr: string) => {
      const c = compileDetect(expr);
      return c.ok ? (c.kinds ? [...c.kinds] : undefined) : c.message;
    };
    expect(kinds("object.spec.replicas > 2 && 'Deployment' == object.kind")).toEqual(["Deployment"]);
    expect(kinds("kind == 'Node' && kind == 'Deployment'")).toEqual([]);
    expect(kinds("kind == 'Node' || object.spec.replicas > 2")).toBeUndefined();
    expect(kinds("metadata.kind == 'Node' && true")).toBeUndefined();
    // Without a kind, `kind` reads "".
    expect(evaluate("kind == '' && has(object.spec)", { spec: {} })).toBe(true);
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

describe("DETECT bindings besides object", () => {
  const deployment = {
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      template: {
        spec: {
          initContainers: [
            { name: "migrate", image: "m:1" },
            { name: "proxy", image: "p:1", restartPolicy: "Always" },
          ],
          containers: [{ name: "app", image: "app" }],
        },
      },
    },
  };

  it("podSpec is the pod spec with the API server's defaults where the manifest is silent", () => {
    expect(
      evaluate("podSpec.serviceAccountName == 'default' && podSpec.automountServiceAccountToken", deployment),
    ).toBe(true);
    expect(evaluate("podSpec.hostNetwork == false && podSpec.volumes == []", deployment)).toBe(true);
    // `app` has no tag: the API server would default its pull policy to Always.
    expect(evaluate("podSpec.containers[0].imagePullPolicy == 'Always'", deployment)).toBe(true);
    expect(evaluate("podSpec.initContainers[0].imagePullPolicy == 'IfNotPresent'", deployment)).toBe(true);
  });

  it("containers lists init containers, sidecars and regular ones, each with its kind", () => {
    expect(evaluate("containers.map(c, c.kind) == ['init', 'sidecar', 'regular']", deployment)).toBe(true);
    expect(evaluate("containers.exists(c, c.kind == 'sidecar' && c.name == 'proxy')", deployment)).toBe(true);
  });

  it("a container of a Pod carries its status", () => {
    const pod = {
      kind: "Pod",
      spec: { containers: [{ name: "app", image: "a:1" }] },
      status: { containerStatuses: [{ name: "app", restartCount: 7 }] },
    };
    expect(evaluate("containers.exists(c, c.status.restartCount > 5)", pod)).toBe(true);
  });

  it("a line about pod specs is false (not an error) for objects without one", () => {
    expect(evaluate("podSpec.hostNetwork == false", { kind: "Service", spec: {} })).toBe(false);
    expect(evaluate("size(containers) == 0", { kind: "ConfigMap" })).toBe(false);
  });

  it("kind, metadata, zone and distribution", () => {
    const c = compileDetect(
      "kind == 'Deployment' && metadata.labels.app == 'web' && zone == '1' && distribution == 'k3s'",
    );
    if (!c.ok) throw new Error(c.message);
    expect(c.evaluate(deployment, { zone: "1", distribution: "k3s" })).toBe(true);
    expect(c.evaluate(deployment, { zone: "2", distribution: "managed" })).toBe(false);
    expect(c.evaluate(deployment)).toBe(false);
  });

  it("a line true for every well-formed workload of the sample would flag every workload", async () => {
    const { DETECT_SAMPLE } = await import("./detect-sample.js");
    expect(detectTrivial("size(containers) > 0", DETECT_SAMPLE)?.code).toBe("detect-matches-all");
    expect(detectTrivial("zone == '1'", DETECT_SAMPLE)?.code).toBe("detect-constant");
    expect(detectTrivial("podSpec.hostNetwork == true", DETECT_SAMPLE)).toBeUndefined();
  });
});
