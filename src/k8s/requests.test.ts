import { describe, expect, it } from "vitest";
import { containerResources, podLimits, podRequests, replicasOf, requestsPerNode } from "./requests.js";
import type { KubeObject } from "../model/kube.js";

const MI = 1024 ** 2;

function c(cpu?: string, memory?: string, extra: Record<string, unknown> = {}) {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return { name: "c", ...extra, resources: { requests, ...(extra.resources as object) } };
}
const sidecar = (cpu: string, memory: string) => c(cpu, memory, { restartPolicy: "Always" });

describe("podRequests", () => {
  const cases: [string, unknown, { cpu: number; memory: number }][] = [
    [
      "sum of regular containers",
      { containers: [c("100m", "64Mi"), c("200m", "128Mi")] },
      { cpu: 300, memory: 192 * MI },
    ],
    [
      "an init container larger than the sum wins",
      { initContainers: [c("500m", "32Mi")], containers: [c("100m", "64Mi"), c("200m", "128Mi")] },
      { cpu: 500, memory: 192 * MI },
    ],
    [
      "sidecars add to the sum",
      { initContainers: [sidecar("50m", "16Mi")], containers: [c("100m", "64Mi")] },
      { cpu: 150, memory: 80 * MI },
    ],
    [
      "an init container after a sidecar runs beside it",
      { initContainers: [sidecar("50m", "16Mi"), c("400m", "8Mi")], containers: [c("100m", "64Mi")] },
      { cpu: 450, memory: 80 * MI },
    ],
    [
      "an init container before a sidecar runs alone",
      { initContainers: [c("400m", "8Mi"), sidecar("50m", "16Mi")], containers: [c("100m", "64Mi")] },
      { cpu: 400, memory: 80 * MI },
    ],
    [
      "sidecars alone can make the init peak (KEP-753 example shape)",
      {
        initContainers: [sidecar("1", "1Gi"), c("1", "1Gi"), sidecar("1", "1Gi"), c("2", "2Gi")],
        containers: [c("1", "1Gi")],
      },
      // during the last init: 2 sidecars + 2 = 4; steady state: 2 sidecars + 1 = 3
      { cpu: 4000, memory: 4096 * MI },
    ],
    [
      "overhead is added on top",
      { containers: [c("100m", "64Mi")], overhead: { cpu: "250m", memory: "120Mi" } },
      { cpu: 350, memory: 184 * MI },
    ],
    [
      "a request left out takes the limit (API defaulting)",
      { containers: [{ resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "200m" } } }] },
      { cpu: 200, memory: 1024 * MI },
    ],
    [
      "pod-level requests replace the container sum",
      { resources: { requests: { cpu: "2" } }, containers: [c("100m", "64Mi")] },
      { cpu: 2000, memory: 64 * MI },
    ],
    [
      "pod-level limits stand in for requests when no container asks",
      { resources: { limits: { memory: "1Gi" } }, containers: [{ name: "a" }] },
      { cpu: 0, memory: 1024 * MI },
    ],
    ["nothing requested is zero", { containers: [{ name: "a" }] }, { cpu: 0, memory: 0 }],
    [
      "garbage quantities and entries are ignored",
      {
        containers: [c("lots", "64Mi"), "x", null, { resources: "big" }, { resources: { requests: ["1"] } }],
        initContainers: "none",
        overhead: 5,
      },
      { cpu: 0, memory: 64 * MI },
    ],
    [
      "numbers are quantities too",
      { containers: [{ resources: { requests: { cpu: 1.5, memory: 1024 } } }] },
      { cpu: 1500, memory: 1024 },
    ],
    ["not a spec", "spec", { cpu: 0, memory: 0 }],
    ["null", null, { cpu: 0, memory: 0 }],
  ];
  it.each(cases)("%s", (_what, spec, expected) => {
    expect(podRequests(spec)).toEqual(expected);
  });
});

describe("podLimits", () => {
  const lim = (cpu?: string, memory?: string, extra: Record<string, unknown> = {}) => ({
    ...extra,
    resources: { limits: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
  });

  it("sums the limits that exist, max with init containers", () => {
    expect(
      podLimits({ initContainers: [lim("3", "1Gi")], containers: [lim("1", "2Gi"), lim("1", "2Gi")] }),
    ).toEqual({
      cpu: 3000,
      memory: 4096 * MI,
    });
  });

  it("is undefined for a resource no container limits, and overhead does not create one", () => {
    expect(
      podLimits({ containers: [lim(undefined, "1Gi")], overhead: { cpu: "100m", memory: "1Mi" } }),
    ).toEqual({
      cpu: undefined,
      memory: 1025 * MI,
    });
  });

  it("sidecar limits count in the sum", () => {
    expect(
      podLimits({
        initContainers: [lim("500m", undefined, { restartPolicy: "Always" })],
        containers: [lim("1")],
      }).cpu,
    ).toBe(1500);
  });

  it("pod-level limits replace the sum", () => {
    expect(podLimits({ resources: { limits: { cpu: "4" } }, containers: [lim("1", "1Gi")] })).toEqual({
      cpu: 4000,
      memory: 1024 * MI,
    });
  });

  it("garbage gives no limits", () => {
    expect(podLimits([])).toEqual({ cpu: undefined, memory: undefined });
    expect(podLimits({ containers: [{ resources: { limits: { cpu: "x" } } }] })).toEqual({
      cpu: undefined,
      memory: undefined,
    });
  });
});

describe("containerResources", () => {
  it("reports what is missing and what is unreadable, as written", () => {
    const r = containerResources({
      resources: { requests: { cpu: "100m", memory: "lots" }, limits: { memory: "1Gi" } },
    });
    expect(r.requests).toEqual({ cpu: 100, memory: undefined });
    expect(r.limits).toEqual({ cpu: undefined, memory: 1024 * MI });
    expect(r.missing).toEqual(["limits.cpu"]);
    expect(r.invalid).toEqual(["requests.memory"]);
  });

  it("a complete container misses nothing", () => {
    const r = containerResources({
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    });
    expect(r.missing).toEqual([]);
    expect(r.invalid).toEqual([]);
  });

  it.each([
    [{}],
    [{ resources: null }],
    [{ resources: "x" }],
    [{ resources: { requests: [] } }],
    [null],
    ["c"],
  ])("%j misses all four", (container) => {
    expect(containerResources(container).missing).toEqual([
      "requests.cpu",
      "requests.memory",
      "limits.cpu",
      "limits.memory",
    ]);
  });
});

describe("requestsPerNode", () => {
  const node = (name: string, status: Record<string, unknown>): KubeObject => ({
    kind: "Node",
    metadata: { name },
    status,
  });
  const pod = (nodeName: unknown, phase: string, cpu: string, memory: string): KubeObject => ({
    kind: "Pod",
    metadata: { name: `p-${String(nodeName)}-${phase}` },
    spec: { nodeName, containers: [c(cpu, memory)] },
    status: { phase },
  });

  const nodes = [
    node("a", { allocatable: { cpu: "2", memory: "4Gi" }, capacity: { cpu: "4", memory: "8Gi" } }),
    node("b", { capacity: { cpu: "1", memory: "1Gi" } }),
    node("c", {}),
  ];
  const pods = [
    pod("a", "Running", "500m", "1Gi"),
    pod("a", "Pending", "500m", "1Gi"),
    pod("a", "Succeeded", "1", "1Gi"),
    pod("a", "Failed", "1", "1Gi"),
    pod("b", "Running", "250m", "256Mi"),
    pod(undefined, "Pending", "1", "1Gi"),
    pod("elsewhere", "Running", "1", "1Gi"),
    pod(42, "Running", "1", "1Gi"),
    pod("c", "Running", "100m", "1Mi"),
  ];
  const got = requestsPerNode(nodes, pods);

  it("sums pods bound to each node that have not finished", () => {
    const a = got.find((n) => n.node === "a");
    expect(a?.requested).toEqual({ cpu: 1000, memory: 2048 * MI });
    expect(a?.pods).toBe(2);
    expect(a?.allocatable).toEqual({ cpu: 2000, memory: 4096 * MI });
    expect(a?.percent).toEqual({ cpu: 50, memory: 50 });
  });

  it("falls back to capacity when allocatable is missing", () => {
    const b = got.find((n) => n.node === "b");
    expect(b?.allocatable).toEqual({ cpu: 1000, memory: 1024 * MI });
    expect(b?.percent).toEqual({ cpu: 25, memory: 25 });
  });

  it("gives no percentage for a node that reports nothing", () => {
    const cNode = got.find((n) => n.node === "c");
    expect(cNode?.pods).toBe(1);
    expect(cNode?.percent).toEqual({ cpu: undefined, memory: undefined });
  });

  it("one entry per named node, in input order", () => {
    const withGarbage = [...nodes, { kind: "Node" }, node("a", {}), null as unknown as KubeObject];
    expect(requestsPerNode(withGarbage, []).map((n) => n.node)).toEqual(["a", "b", "c"]);
  });
});

describe("replicasOf", () => {
  const table: [string, KubeObject, number, number | undefined][] = [
    ["Pod", { kind: "Pod" }, 3, 1],
    ["Deployment default", { kind: "Deployment", spec: {} }, 3, 1],
    ["Deployment replicas", { kind: "Deployment", spec: { replicas: 4 } }, 3, 4],
    ["scaled to zero", { kind: "StatefulSet", spec: { replicas: 0 } }, 3, 0],
    ["replicas as a string", { kind: "Deployment", spec: { replicas: "4" } }, 3, 1],
    ["negative replicas", { kind: "ReplicaSet", spec: { replicas: -2 } }, 3, 1],
    ["DaemonSet: one per node", { kind: "DaemonSet", spec: {} }, 5, 5],
    ["Job default", { kind: "Job", spec: {} }, 3, 1],
    ["Job parallelism", { kind: "Job", spec: { parallelism: 4 } }, 3, 4],
    ["Job capped by completions", { kind: "Job", spec: { parallelism: 4, completions: 2 } }, 3, 2],
    ["CronJob", { kind: "CronJob", spec: { jobTemplate: { spec: { parallelism: 3 } } } }, 3, 3],
    ["Service", { kind: "Service" }, 3, undefined],
    ["PodTemplate", { kind: "PodTemplate" }, 3, undefined],
    ["spec is garbage", { kind: "Deployment", spec: "x" as unknown as Record<string, unknown> }, 3, 1],
  ];
  it.each(table)("%s", (_what, obj, nodeCount, expected) => {
    expect(replicasOf(obj, nodeCount)).toBe(expected);
  });
});
