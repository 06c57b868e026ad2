import { describe, expect, it } from "vitest";
import { controllerChain, controllerRefOf, indexObjects, replicaSetsOf, revisionOf } from "./owners.js";
import type { KubeObject } from "../model/kube.js";

function obj(
  kind: string,
  name: string,
  uid: string,
  owner?: { kind: string; name: string; uid?: string },
): KubeObject {
  return {
    kind,
    metadata: {
      name,
      namespace: "ge-agents",
      uid,
      ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}),
    },
  };
}

const deploy = obj("Deployment", "api", "d1");
const rs = obj("ReplicaSet", "api-7d9", "r1", { kind: "Deployment", name: "api", uid: "d1" });
const pod = obj("Pod", "api-7d9-x", "p1", { kind: "ReplicaSet", name: "api-7d9", uid: "r1" });
const cron = obj("CronJob", "nightly", "c1");
const job = obj("Job", "nightly-123", "j1", { kind: "CronJob", name: "nightly", uid: "c1" });
const jobPod = obj("Pod", "nightly-123-a", "p2", { kind: "Job", name: "nightly-123", uid: "j1" });
const all = [deploy, rs, pod, cron, job, jobPod];

describe("controllerChain", () => {
  const index = indexObjects(all);

  it("Pod → ReplicaSet → Deployment", () => {
    const chain = controllerChain(pod, index);
    expect(chain.map((l) => l.ref)).toEqual([
      { kind: "ReplicaSet", name: "api-7d9", namespace: "ge-agents" },
      { kind: "Deployment", name: "api", namespace: "ge-agents" },
    ]);
    expect(chain[1]?.object).toBe(deploy);
  });

  it("Pod → Job → CronJob", () => {
    expect(controllerChain(jobPod, index).map((l) => l.object)).toEqual([job, cron]);
  });

  it("keeps an owner that is not in the snapshot as a link without object, and stops there", () => {
    const chain = controllerChain(pod, indexObjects([pod]));
    expect(chain).toEqual([{ ref: { kind: "ReplicaSet", name: "api-7d9", namespace: "ge-agents" } }]);
  });

  it("finds owners by kind and name when the reference has no uid", () => {
    const orphanRef = obj("Pod", "p", "p9", { kind: "ReplicaSet", name: "api-7d9" });
    expect(controllerChain(orphanRef, index)[0]?.object).toBe(rs);
  });

  it("does not match by name when a uid is given but unknown (a replaced owner)", () => {
    const stale = obj("Pod", "p", "p9", { kind: "ReplicaSet", name: "api-7d9", uid: "old" });
    expect(controllerChain(stale, index)[0]?.object).toBeUndefined();
  });

  it("finds a Pod that owns something (an ephemeral volume's claim), Pods being indexed only when asked", () => {
    const claim = obj("PersistentVolumeClaim", "api-7d9-x-data", "v1", {
      kind: "Pod",
      name: "api-7d9-x",
      uid: "p1",
    });
    expect(controllerChain(claim, indexObjects([...all, claim]))[0]?.object).toBe(pod);
    // Other kinds answer first: the same uid on a Pod and on a ReplicaSet (a hand-made dump) gives the ReplicaSet.
    const twin = obj("Pod", "twin", "r1");
    expect(indexObjects([twin, ...all]).byUid.get("r1")).toBe(rs);
  });

  it("stops on a cycle", () => {
    const a = obj("ReplicaSet", "a", "ua", { kind: "ReplicaSet", name: "b", uid: "ub" });
    const b = obj("ReplicaSet", "b", "ub", { kind: "ReplicaSet", name: "a", uid: "ua" });
    const chain = controllerChain(a, indexObjects([a, b]));
    expect(chain.map((l) => l.ref.name)).toEqual(["b"]);
  });

  it("is empty for objects with no controller and for garbage", () => {
    expect(controllerChain(deploy, index)).toEqual([]);
    expect(controllerChain({ metadata: { ownerReferences: "x" } } as unknown as KubeObject, index)).toEqual(
      [],
    );
    expect(controllerChain(null as unknown as KubeObject, index)).toEqual([]);
  });
});

describe("controllerRefOf", () => {
  const withRefs = (refs: unknown) => ({ metadata: { ownerReferences: refs } }) as unknown as KubeObject;

  it("picks the reference marked controller", () => {
    const refs = [
      { kind: "A", name: "a", controller: false },
      { kind: "B", name: "b", controller: true, uid: "u", apiVersion: "v1" },
    ];
    expect(controllerRefOf(withRefs(refs))).toEqual({ kind: "B", name: "b", uid: "u", apiVersion: "v1" });
  });

  it("accepts a single unmarked owner (trimmed dumps) but not an explicit non-controller", () => {
    expect(controllerRefOf(withRefs([{ kind: "A", name: "a" }]))?.name).toBe("a");
    expect(controllerRefOf(withRefs([{ kind: "A", name: "a", controller: false }]))).toBeUndefined();
    expect(
      controllerRefOf(
        withRefs([
          { kind: "A", name: "a" },
          { kind: "B", name: "b" },
        ]),
      ),
    ).toBeUndefined();
  });

  it("skips malformed references", () => {
    expect(controllerRefOf(withRefs([null, "x", { kind: 1, name: "a", controller: true }]))).toBeUndefined();
  });
});

describe("revisionOf", () => {
  const rsWith = (annotations: unknown) => ({ kind: "ReplicaSet", metadata: { annotations } }) as KubeObject;
  it.each([
    [{ "deployment.kubernetes.io/revision": "7" }, 7],
    [{ "deployment.kubernetes.io/revision": "" }, undefined],
    [{ "deployment.kubernetes.io/revision": "7a" }, undefined],
    [{ "deployment.kubernetes.io/revision": 7 }, undefined],
    [{}, undefined],
    ["x", undefined],
  ])("%j → %s", (annotations, expected) => {
    expect(revisionOf(rsWith(annotations))).toBe(expected);
  });
});

describe("replicaSetsOf", () => {
  const rsRev = (name: string, revision: string | undefined, ownerUid: string, created = "") =>
    ({
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: "ge-agents",
        creationTimestamp: created,
        annotations: revision ? { "deployment.kubernetes.io/revision": revision } : {},
        ownerReferences: [{ kind: "Deployment", name: "api", uid: ownerUid, controller: true }],
      },
    }) as KubeObject;

  it("returns the Deployment's ReplicaSets by revision, numerically", () => {
    const r10 = rsRev("api-10", "10", "d1");
    const r2 = rsRev("api-2", "2", "d1");
    const r9 = rsRev("api-9", "9", "d1");
    const other = rsRev("other", "1", "d2");
    const elsewhere = {
      ...rsRev("api-1", "1", "d1"),
      metadata: { ...rsRev("api-1", "1", "d1").metadata, namespace: "x" },
    };
    expect(replicaSetsOf(deploy, [r10, other, r2, pod, elsewhere, r9]).map((r) => r.metadata?.name)).toEqual([
      "api-2",
      "api-9",
      "api-10",
    ]);
  });

  it("puts ReplicaSets without a revision first", () => {
    const r1 = rsRev("b", "1", "d1");
    const none = rsRev("a", undefined, "d1");
    expect(replicaSetsOf(deploy, [r1, none]).map((r) => r.metadata?.name)).toEqual(["a", "b"]);
  });

  it("is empty for garbage", () => {
    expect(replicaSetsOf({} as KubeObject, all)).toEqual([]);
    expect(replicaSetsOf(deploy, "x" as unknown as KubeObject[])).toEqual([]);
  });
});
