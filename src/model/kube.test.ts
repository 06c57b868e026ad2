import { describe, expect, it } from "vitest";
import { kubeObjectOf } from "./kube.js";

describe("kubeObjectOf", () => {
  it("takes an object whose typed fields have their types, as it is", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "a",
        namespace: "b",
        labels: { tier: 2 },
        ownerReferences: [{ kind: "Job", name: "j" }],
      },
      spec: ["whatever a custom kind holds"],
    };
    expect(kubeObjectOf(pod)).toBe(pod);
    expect(kubeObjectOf({ apiVersion: "v1", kind: "Namespace" })).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
    });
  });

  it.each([
    [["a list"], "is a sequence"],
    ["text", "is a scalar"],
    [{ kind: "Pod" }, "has no string `apiVersion` and `kind`"],
    [{ apiVersion: "v1", kind: "Pod", metadata: [] }, "has a `metadata` that is not a mapping"],
    [{ apiVersion: "v1", kind: "Pod", metadata: { name: 5 } }, "has a `metadata.name` that is not a string"],
    [
      { apiVersion: "v1", kind: "Pod", metadata: { namespace: true } },
      "has a `metadata.namespace` that is not a string",
    ],
    [
      { apiVersion: "v1", kind: "Pod", metadata: { labels: "a=b" } },
      "has `metadata.labels` that are not a mapping",
    ],
    [
      { apiVersion: "v1", kind: "Pod", metadata: { ownerReferences: {} } },
      "has `metadata.ownerReferences` that are not a list",
    ],
    [
      { apiVersion: "v1", kind: "Pod", metadata: { ownerReferences: [{ kind: "Job", uid: 7 }] } },
      "has an owner reference that is not a mapping of strings (apiVersion, kind, name, uid)",
    ],
  ])("says what is wrong with %j", (value, problem) => {
    expect(kubeObjectOf(value)).toBe(problem);
  });
});
