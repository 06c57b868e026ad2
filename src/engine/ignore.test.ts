import { describe, expect, it } from "vitest";
import { annotationIgnore, configIgnore, matchesGlob } from "./ignore.js";
import type { SourcedObject } from "../model/snapshot.js";

describe("globs", () => {
  it.each([
    ["deploy/*.yaml", "deploy/app.yaml", true],
    ["deploy/*.yaml", "deploy/x/app.yaml", false],
    ["deploy/**/*.yaml", "deploy/app.yaml", true],
    ["deploy/**/*.yaml", "deploy/x/y/app.yaml", true],
    ["deploy/**", "deploy/x/app.json", true],
    ["**/legacy-*.yaml", "charts/a/legacy-redis.yaml", true],
    ["legacy-*.yaml", "charts/a/legacy-redis.yaml", true],
    ["legacy-*.yaml", "charts/legacy-a/redis.yaml", false],
    ["./deploy/app.yaml", "deploy/app.yaml", true],
    ["deploy/app?.yaml", "deploy/app1.yaml", true],
    ["deploy/a+b.yaml", "deploy/aab.yaml", false],
    ["deploy/{web,api}.yaml", "deploy/api.yaml", true],
    ["deploy/{web,api}.yaml", "deploy/db.yaml", false],
    ["deploy/app-[0-9].yaml", "deploy/app-3.yaml", true],
    ["deploy/app-[0-9].yaml", "deploy/app-x.yaml", false],
    ["*.yaml", "deploy/.hidden.yaml", true],
  ])("%s against %s: %s", (glob, file, want) => {
    expect(matchesGlob(glob, file)).toBe(want);
  });

  it("escapes regular expression characters", () => {
    expect(matchesGlob("a.(b)", "a.(b)")).toBe(true);
    expect(matchesGlob("a.(b)", "aX(b)")).toBe(false);
  });
});

const deployment = (
  annotations: Record<string, unknown>,
  template: Record<string, unknown> = {},
): SourcedObject => ({
  object: {
    kind: "Deployment",
    metadata: { name: "d", namespace: "ns", annotations: annotations as Record<string, string> },
    spec: { template: { metadata: { annotations: template }, spec: { containers: [] } } },
  },
  origin: { file: "deploy/d.yaml", line: 1 },
});

describe("annotationIgnore", () => {
  it("matches pitfall ids, rule ids and *", () => {
    expect(annotationIgnore(deployment({ "pitfall.io/ignore": "a, b" }), "b", "r")?.by).toBe("annotation");
    expect(annotationIgnore(deployment({ "pitfall.io/ignore": "r" }), "p", "r")?.by).toBe("annotation");
    expect(annotationIgnore(deployment({ "pitfall.io/ignore": "*" }), "p", "r")?.by).toBe("annotation");
    expect(annotationIgnore(deployment({ "pitfall.io/ignore": "other" }), "p", "r")).toBeUndefined();
    expect(annotationIgnore(deployment({ "pitfall.io/ignore": 5 }), "p", "r")).toBeUndefined();
  });

  it("reads the pod template's annotations and the reason beside them", () => {
    const o = deployment({}, { "pitfall.io/ignore": "p", "pitfall.io/ignore-reason": "by design" });
    expect(annotationIgnore(o, "p", "r")).toEqual({ by: "annotation", reason: "by design" });
  });
});

describe("configIgnore", () => {
  const o = deployment({});
  it("needs every condition of an entry to hold", () => {
    expect(configIgnore([{ path: "deploy/*.yaml", namespace: "other" }], o, "p", "r")).toBeUndefined();
    expect(configIgnore([{ path: "deploy/*.yaml", namespace: "ns", pitfalls: ["p"] }], o, "p", "r")?.by).toBe(
      "config",
    );
    expect(configIgnore([{ pitfalls: ["q"] }], o, "p", "r")).toBeUndefined();
    expect(configIgnore([{ pitfalls: ["r"] }], o, "p", "r")?.by).toBe("config");
  });

  it("does not match a path entry for an object read from no file", () => {
    expect(configIgnore([{ path: "**" }], { ...o, origin: { context: "prod" } }, "p", "r")).toBeUndefined();
  });

  it("says which entry matched when no reason is given", () => {
    expect(
      configIgnore([{ namespace: "x" }, { namespace: "ns" }], o, "p", "r", ".pitfall.yaml")?.reason,
    ).toBe("ignore entry 2 of .pitfall.yaml (namespace ns; no reason given)");
  });
});
