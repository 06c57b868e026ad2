import { describe, expect, it } from "vitest";
import { containersOf, isSidecar, longRunningContainersOf } from "./containers.js";

const spec = {
  initContainers: [
    { name: "migrate", image: "m" },
    { name: "proxy", image: "p", restartPolicy: "Always" },
    { name: "wait", image: "w", restartPolicy: "OnFailure" },
  ],
  containers: [{ name: "app" }, { name: "worker" }],
  ephemeralContainers: [{ name: "debugger" }],
};

describe("containersOf", () => {
  it("lists init (with sidecars), regular, then ephemeral, with roles, indexes and paths", () => {
    const base = ["spec", "template", "spec"];
    const got = containersOf(spec, base).map(({ name, role, index, path }) => ({ name, role, index, path }));
    expect(got).toEqual([
      { name: "migrate", role: "init", index: 0, path: [...base, "initContainers", 0] },
      { name: "proxy", role: "sidecar", index: 1, path: [...base, "initContainers", 1] },
      { name: "wait", role: "init", index: 2, path: [...base, "initContainers", 2] },
      { name: "app", role: "regular", index: 0, path: [...base, "containers", 0] },
      { name: "worker", role: "regular", index: 1, path: [...base, "containers", 1] },
      { name: "debugger", role: "ephemeral", index: 0, path: [...base, "ephemeralContainers", 0] },
    ]);
  });

  it("hands back the container object itself", () => {
    expect(containersOf(spec)[3]?.container).toBe(spec.containers[0]);
  });

  it("skips entries that are not objects but keeps the real index of the rest", () => {
    const got = containersOf({ containers: ["x", null, { image: "a" }, 3, { name: 5 }] });
    expect(got.map((c) => [c.index, c.name])).toEqual([
      [2, ""],
      [4, ""],
    ]);
  });

  it.each([
    ["a list where an object belongs", []],
    ["null", null],
    ["a string", "containers"],
    ["lists that are strings", { containers: "app", initContainers: { name: "x" } }],
  ])("returns nothing for %s", (_what, input) => {
    expect(containersOf(input)).toEqual([]);
  });

  it("long-running containers are regular ones and sidecars", () => {
    expect(longRunningContainersOf(spec).map((c) => c.name)).toEqual(["proxy", "app", "worker"]);
  });
});

describe("isSidecar", () => {
  it("needs exactly restartPolicy Always", () => {
    expect(isSidecar({ restartPolicy: "Always" })).toBe(true);
    expect(isSidecar({ restartPolicy: "always" })).toBe(false);
    expect(isSidecar({ restartPolicy: true })).toBe(false);
    expect(isSidecar("Always")).toBe(false);
    expect(isSidecar(null)).toBe(false);
  });
});
