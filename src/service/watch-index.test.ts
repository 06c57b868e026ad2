import { describe, expect, it } from "vitest";
import type { KubeObject } from "../model/kube.js";
import { objectKey } from "./finding-changes.js";
import { keyOfObject, ObjectIndex } from "./watch-index.js";

const pod = (name: string, node: string | undefined, owner?: string, ns = "apps"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: ns,
    uid: `uid-${name}`,
    ...(owner ? { ownerReferences: [{ kind: "ReplicaSet", name: owner, uid: `uid-${owner}` }] } : {}),
  },
  spec: node ? { nodeName: node } : {},
});
const node = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, uid: `uid-${name}` },
});
const replicaSet = (name: string, deployment: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: {
    name,
    namespace: "apps",
    uid: `uid-${name}`,
    ownerReferences: [{ kind: "Deployment", name: deployment, uid: `uid-${deployment}` }],
  },
});
const deployment = (name: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "apps", uid: `uid-${name}` },
});
const ofKind = (
  kind: string,
  name: string,
  ns?: string,
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, ...(ns ? { namespace: ns } : {}) },
  ...extra,
});

function indexOf(...objects: KubeObject[]): ObjectIndex {
  const index = new ObjectIndex("ctx");
  for (const object of objects) index.apply({ type: "ADDED", object });
  return index;
}

const key = keyOfObject;
const sorted = (set: Set<string>) => [...set].sort();

describe("ObjectIndex", () => {
  it("keeps one entry per object, as a subject and as context of its cluster, and tells what it was before", () => {
    const index = new ObjectIndex("office");
    expect(index.apply({ type: "ADDED", object: pod("a", "n1") })).toBeUndefined();
    const moved = pod("a", "n2");
    expect(index.apply({ type: "MODIFIED", object: moved })?.spec).toEqual({ nodeName: "n1" });
    const entry = index.entries.get(key(moved))!;
    expect(entry.subject).toEqual({ object: moved, origin: { context: "office" } });
    expect(entry.context).toEqual({ object: moved, origin: { context: "office", role: "nodes" } });
    expect(index.apply({ type: "DELETED", object: moved })).toBe(moved);
    expect(index.size).toBe(0);
  });

  it("a pod's checks read its node, the old one too when it moved; a node's, its pods", () => {
    const index = indexOf(node("n1"), node("n2"), pod("a", "n1"), pod("b", "n1"), pod("c", "n2"));
    expect(sorted(index.dependents(pod("a", "n1"), undefined))).toEqual(
      [key(pod("a", "n1")), objectKey("Node", undefined, "n1")].sort(),
    );
    const before = index.apply({ type: "MODIFIED", object: pod("a", "n2") });
    expect(index.dependents(pod("a", "n2"), before)).toEqual(
      new Set([key(pod("a", "n2")), objectKey("Node", undefined, "n2"), objectKey("Node", undefined, "n1")]),
    );
    // The index follows the move: n1 has b left, n2 has a and c.
    expect(sorted(index.dependents(node("n1"), undefined))).toEqual(
      [key(node("n1")), key(pod("b", "n1"))].sort(),
    );
    expect(sorted(index.dependents(node("n2"), undefined))).toEqual(
      [key(node("n2")), key(pod("a", "n2")), key(pod("c", "n2"))].sort(),
    );
    index.apply({ type: "DELETED", object: pod("b", "n1") });
    expect(sorted(index.dependents(node("n1"), undefined))).toEqual([key(node("n1"))]);
  });

  it("an owner chain is read both ways: a ReplicaSet's pods below it, its Deployment above it", () => {
    const index = indexOf(deployment("web"), replicaSet("web-1", "web"), pod("web-1-a", "n1", "web-1"));
    expect(sorted(index.dependents(replicaSet("web-1", "web"), undefined))).toEqual(
      [key(replicaSet("web-1", "web")), key(pod("web-1-a", "n1", "web-1")), key(deployment("web"))].sort(),
    );
    expect(index.dependents(deployment("web"), undefined)).toEqual(
      new Set([key(deployment("web")), key(replicaSet("web-1", "web")), key(pod("web-1-a", "n1", "web-1"))]),
    );
  });

  it("Services and Endpoints matter to their namespace's Ingresses; kubernetes.default to every pod", () => {
    const ingress = ofKind("Ingress", "shop", "apps");
    const other = ofKind("Ingress", "blog", "web");
    const index = indexOf(ingress, other, pod("a", "n1"), pod("b", undefined, undefined, "web"));
    for (const kind of ["Service", "Endpoints", "EndpointSlice"])
      expect(index.dependents(ofKind(kind, "api", "apps"), undefined)).toEqual(
        new Set([key(ofKind(kind, "api", "apps")), key(ingress)]),
      );
    const apiServer = ofKind("Service", "kubernetes", "default");
    expect(sorted(index.dependents(apiServer, undefined))).toEqual(
      [key(apiServer), key(pod("a", "n1")), key(pod("b", undefined, undefined, "web"))].sort(),
    );
  });

  it("an Event matters to the object it is about, namespaced or cluster-scoped", () => {
    const index = indexOf(pod("a", "n1"), node("n1"));
    const aboutPod = ofKind("Event", "a.1", "apps", {
      involvedObject: { kind: "Pod", namespace: "apps", name: "a" },
    });
    expect(index.dependents(aboutPod, undefined)).toEqual(new Set([key(aboutPod), key(pod("a", "n1"))]));
    // events.k8s.io events say `regarding`; a Node's event carries the namespace it was recorded in.
    const aboutNode = ofKind("Event", "n1.1", "default", {
      regarding: { kind: "Node", namespace: "default", name: "n1" },
    });
    expect(index.dependents(aboutNode, undefined)).toEqual(new Set([key(aboutNode), key(node("n1"))]));
  });
});
