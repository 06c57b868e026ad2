// The streamed lint's looked-up objects kept as text: made again equal to what was read (numbers JSON cannot write
// included), answering lookups as the engine's lookup over the same objects does, and crossing to a worker as data.
import { describe, expect, it } from "vitest";
import { lookupOf } from "../engine/lookup.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { ContextDigest, ContextStore } from "./lint-context.js";

function sourced(object: Record<string, unknown>, line: number, helmSource?: string): SourcedObject {
  return {
    object: object as KubeObject,
    origin: { file: "in.yaml", line, column: 1, ...(helmSource ? { helmSource } : {}) },
  };
}

const objects: SourcedObject[] = [
  sourced(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "redis", namespace: "a" },
      spec: { ports: [{ port: 6381 }] },
    },
    1,
  ),
  sourced(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "redis", namespace: "b" },
      spec: { ports: [{ port: 6379 }] },
    },
    9,
    "chart/templates/svc.yaml",
  ),
  sourced(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "env", namespace: "a" }, data: { A: "1" } },
    20,
  ),
  // The last of a name wins, as with the engine's lookup.
  sourced(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "env", namespace: "a" }, data: { A: "2" } },
    30,
  ),
  sourced(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "odd" },
      data: { n: Number.POSITIVE_INFINITY, z: -0, nan: Number.NaN },
    },
    40,
  ),
  sourced(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "rb", namespace: "a" },
      subjects: [],
    },
    50,
  ),
  sourced({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: 7, namespace: "a" } }, 60),
];

function storeOf(list: SourcedObject[]): ContextStore {
  const store = new ContextStore();
  for (const o of list) store.add(o);
  return store;
}

describe("ContextStore", () => {
  it("makes each object again as it was read, with where it was read", () => {
    const store = storeOf(objects);
    expect(store.size).toBe(objects.length);
    objects.forEach((o, i) => {
      expect(store.object(i)).toStrictEqual(o.object);
      expect(store.object(i)).not.toBe(o.object);
      expect(store.origin(i)).toStrictEqual(o.origin);
    });
    expect(Object.is((store.object(4).data as Record<string, number>).z, -0)).toBe(true);
  });

  it("keeps what JSON cannot write (a bigint, a value of a custom tag) as it was, and digests it", () => {
    const odd = [
      sourced(
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "big" },
          data: { n: 12345678901234567890n },
        },
        1,
      ),
      sourced(
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "bin" },
          binaryData: { b: new Uint8Array([1, 2]) },
        },
        9,
      ),
    ];
    const store = storeOf(odd);
    for (const [i, o] of odd.entries()) expect(store.object(i)).toStrictEqual(o.object);
    const digest = new ContextDigest();
    for (const o of odd) digest.add(o, false);
    expect(store.digest().digest).toBe(digest.digest());
  });

  it("answers lookups as the engine's lookup over the same objects", () => {
    const kinds = new Set(["Service", "ConfigMap", "RoleBinding", "ServiceAccount"]);
    const lookup = storeOf(objects).lookup(kinds);
    const engine = lookupOf({
      target: { kind: "manifests", name: "" },
      objects,
      diagnostics: [],
      incomplete: [],
    });
    const plain = (list: SourcedObject[]) => list.map((o) => ({ object: o.object, origin: o.origin }));
    for (const kind of kinds) {
      expect(plain(lookup.byKind(kind))).toStrictEqual(plain(engine.byKind(kind)));
      expect(lookup.objectsOfKind(kind)).toStrictEqual(engine.objectsOfKind(kind));
    }
    expect(plain(lookup.named("Service", "redis"))).toStrictEqual(plain(engine.named("Service", "redis")));
    expect(lookup.named("Service", "none")).toStrictEqual([]);
    expect(lookup.get("ConfigMap", "a", "env")?.object.data).toStrictEqual({ A: "2" });
    expect(lookup.get("ConfigMap", undefined, "odd")?.origin.line).toBe(40);
    expect(lookup.get("ServiceAccount", "a", "7")?.origin.line).toBe(60);
    expect(lookup.named("ServiceAccount", "7")).toStrictEqual(engine.named("ServiceAccount", "7"));
    // Asked for by kind, an object stays the same one, whichever way it is asked for later.
    const [binding] = lookup.byKind("RoleBinding");
    expect(lookup.get("RoleBinding", "a", "rb")).toBe(binding);
    expect(lookup.objectsOfKind("RoleBinding")[0]).toBe(binding!.object);
    expect(() => lookup.byKind("Node")).toThrow(
      /answers lookups of .* only, not kind Node: add it to the rule's meta.reads/,
    );
    expect(() => lookup.all()).toThrow(/not all objects/);
  });

  it("crosses to a worker as data, pieces and all", () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      sourced(
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `cm-${i}` },
          data: { text: "x".repeat(700) },
        },
        i * 10 + 1,
      ),
    );
    const store = storeOf(many);
    // More than one piece of joined text: objects at their edges come back whole.
    expect(store.data.pieces.length).toBeGreaterThan(1);
    const copy = new ContextStore(structuredClone(store.data));
    for (const i of [0, 1497, 1498, 1499, 1500, 2999]) expect(copy.object(i)).toStrictEqual(many[i]!.object);
    expect(copy.digest()).toStrictEqual(store.digest());
    const digest = new ContextDigest();
    for (const o of many) digest.add(o, false);
    expect(store.digest().digest).toBe(digest.digest());
    expect(store.digest(new Set(["other.yaml"])).count).toBe(0);
  });
});
