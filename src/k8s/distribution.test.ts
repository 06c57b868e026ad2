import { describe, expect, it } from "vitest";
import { compareVersions, distributionOf, isK3sNode, parseK8sVersion } from "./distribution.js";
import type { KubeObject } from "../model/kube.js";

const node = (
  kubeletVersion: unknown,
  metadata: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) =>
  ({
    kind: "Node",
    metadata: { name: "n", ...metadata },
    status: { nodeInfo: { kubeletVersion, ...extra } },
  }) as KubeObject;

describe("isK3sNode / distributionOf", () => {
  const k3s: [string, KubeObject][] = [
    ["kubelet version", node("v1.34.1+k3s1")],
    ["instance-type label", node("v1.34.1", { labels: { "node.kubernetes.io/instance-type": "k3s" } })],
    ["k3s.io annotation", node("v1.34.1", { annotations: { "k3s.io/node-args": "[]" } })],
    ["containerd built by k3s", node(undefined, {}, { containerRuntimeVersion: "containerd://1.7.23-k3s2" })],
  ];
  it.each(k3s)("k3s from %s", (_what, n) => {
    expect(isK3sNode(n)).toBe(true);
    expect(distributionOf([n])).toBe("k3s");
  });

  const managed: [string, KubeObject][] = [
    ["plain version", node("v1.33.5")],
    ["other vendor build", node("v1.30.4-eks-a737599")],
    [
      "other instance type",
      node("v1.34.1", { labels: { "node.kubernetes.io/instance-type": "DEV-1xCPU-2GB" } }),
    ],
    ["k3s only in a value", node("v1.34.1", { annotations: { note: "k3s.io/x" } })],
    ["garbage status", { kind: "Node", status: "broken" } as unknown as KubeObject],
    ["version not a string", node(134)],
    ["labels not a map", node("v1.34.1", { labels: ["k3s"] })],
  ];
  it.each(managed)("managed for %s", (_what, n) => {
    expect(isK3sNode(n)).toBe(false);
    expect(distributionOf([n])).toBe("managed");
  });

  it("one k3s node makes the cluster k3s", () => {
    expect(distributionOf([node("v1.33.5"), node("v1.33.5+k3s1")])).toBe("k3s");
  });

  it("is undefined without nodes", () => {
    expect(distributionOf([])).toBeUndefined();
    expect(distributionOf(null as unknown as KubeObject[])).toBeUndefined();
  });
});

describe("parseK8sVersion", () => {
  const table: [string, Partial<ReturnType<typeof parseK8sVersion>> | undefined][] = [
    ["v1.34.1+k3s1", { major: 1, minor: 34, patch: 1, build: "k3s1" }],
    ["1.33.5", { major: 1, minor: 33, patch: 5 }],
    ["v1.30.4-eks-a737599", { major: 1, minor: 30, patch: 4, pre: "eks-a737599" }],
    ["v1.35.0-rc.1+k3s1", { major: 1, minor: 35, patch: 0, pre: "rc.1", build: "k3s1" }],
    ["v1.34.x", { major: 1, minor: 34, patch: undefined }],
    ["v1.34", { major: 1, minor: 34, patch: undefined }],
  ];
  it.each(table)("%s", (text, expected) => {
    expect(parseK8sVersion(text)).toMatchObject(expected ?? {});
  });

  it.each(["", "v1", "latest", "v1.x.2", "1.2.3.4", "v1.34.1+", "v 1.34"])("rejects %j", (text) => {
    expect(parseK8sVersion(text)).toBeUndefined();
  });

  it("rejects non-strings", () => {
    expect(parseK8sVersion(1.34)).toBeUndefined();
    expect(parseK8sVersion(null)).toBeUndefined();
  });
});

describe("compareVersions", () => {
  const ordered = [
    "v1.9.0",
    "v1.33.5",
    "v1.34.0-rc.1",
    "v1.34.0-rc.2",
    "v1.34.0-rc.10",
    "v1.34.0",
    "v1.34.1+k3s1",
    "v1.34.1+k3s2",
    "v1.34.2",
    "v2.0.0",
  ];
  it("orders a list the way releases come out", () => {
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareVersions(a, b) ?? 0)).toEqual(ordered);
  });

  it("is symmetric and treats a missing patch as 0", () => {
    expect(compareVersions("v1.33.5", "v1.34.1+k3s1")).toBe(-1);
    expect(compareVersions("v1.34.1+k3s1", "v1.33.5")).toBe(1);
    expect(compareVersions("1.34", "v1.34.0")).toBe(0);
  });

  it("is undefined when a side is not a version", () => {
    expect(compareVersions("v1.34", "banana")).toBeUndefined();
    expect(compareVersions(null as unknown as string, "v1.34")).toBeUndefined();
    expect(compareVersions({} as never, "v1.34")).toBeUndefined();
  });
});
