import { describe, expect, it } from "vitest";
import { podMetadataOf, podSpecOf, podSpecPathOf } from "./podspec.js";
import type { KubeObject } from "../model/kube.js";

const inner = { containers: [{ name: "app", image: "app:1" }] };
const template = { metadata: { labels: { app: "x" } }, spec: inner };

describe("podSpecOf", () => {
  const cases: [string, KubeObject, (string | number)[]][] = [
    ["Pod", { kind: "Pod", spec: inner }, ["spec"]],
    ["Deployment", { kind: "Deployment", spec: { template } }, ["spec", "template", "spec"]],
    ["StatefulSet", { kind: "StatefulSet", spec: { template } }, ["spec", "template", "spec"]],
    ["DaemonSet", { kind: "DaemonSet", spec: { template } }, ["spec", "template", "spec"]],
    ["ReplicaSet", { kind: "ReplicaSet", spec: { template } }, ["spec", "template", "spec"]],
    [
      "ReplicationController",
      { kind: "ReplicationController", spec: { template } },
      ["spec", "template", "spec"],
    ],
    ["Job", { kind: "Job", spec: { template } }, ["spec", "template", "spec"]],
    [
      "CronJob",
      { kind: "CronJob", spec: { jobTemplate: { spec: { template } } } },
      ["spec", "jobTemplate", "spec", "template", "spec"],
    ],
    ["PodTemplate", { kind: "PodTemplate", template }, ["template", "spec"]],
  ];
  it.each(cases)("%s", (_kind, obj, path) => {
    const at = podSpecOf(obj);
    expect(at?.path).toEqual(path);
    expect(at?.spec).toBe(inner);
  });

  it("returns a fresh path each time, so callers may extend it", () => {
    const obj: KubeObject = { kind: "Deployment", spec: { template } };
    podSpecOf(obj)?.path.push("containers");
    expect(podSpecOf(obj)?.path).toEqual(["spec", "template", "spec"]);
  });

  const silent: [string, unknown][] = [
    ["kind without pod spec", { kind: "Service", spec: { ports: [] } }],
    ["no kind", { spec: inner }],
    ["kind is not a string", { kind: 7, spec: inner }],
    ["prototype key as kind", { kind: "toString", spec: inner }],
    ["template is a string", { kind: "Deployment", spec: { template: "nope" } }],
    ["template spec is a list", { kind: "Deployment", spec: { template: { spec: [] } } }],
    ["spec is null", { kind: "Pod", spec: null }],
    ["CronJob without jobTemplate", { kind: "CronJob", spec: { template } }],
    ["not an object", "Pod"],
    ["null", null],
    ["an array", [{ kind: "Pod", spec: inner }]],
  ];
  it.each(silent)("undefined for %s", (_what, obj) => {
    expect(podSpecOf(obj as KubeObject)).toBeUndefined();
  });
});

describe("podSpecPathOf", () => {
  it("a PodTemplate has a pod spec but is not a workload", () => {
    expect(podSpecPathOf("PodTemplate")).toEqual(["template", "spec"]);
    expect(podSpecPathOf("Service")).toBeUndefined();
  });
});

describe("podMetadataOf", () => {
  it("is the template's metadata for controllers and the Pod's own for a Pod", () => {
    expect(podMetadataOf({ kind: "Deployment", spec: { template } })).toEqual({
      metadata: template.metadata,
      path: ["spec", "template", "metadata"],
    });
    expect(podMetadataOf({ kind: "CronJob", spec: { jobTemplate: { spec: { template } } } })?.path).toEqual([
      "spec",
      "jobTemplate",
      "spec",
      "template",
      "metadata",
    ]);
    expect(podMetadataOf({ kind: "Pod", metadata: { name: "p" }, spec: inner })?.path).toEqual(["metadata"]);
  });

  it("is undefined when missing or malformed", () => {
    expect(podMetadataOf({ kind: "Deployment", spec: { template: { spec: inner } } })).toBeUndefined();
    expect(podMetadataOf({ kind: "Deployment", spec: { template: { metadata: "x" } } })).toBeUndefined();
    expect(podMetadataOf({ kind: "Service", metadata: { name: "s" } })).toBeUndefined();
  });
});
