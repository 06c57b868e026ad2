// Who controls whom: Pod → ReplicaSet → Deployment, Pod → Job → CronJob, by owner references.
import { asList, asRecord, asString, metaMap, metaString } from "./fields.js";
import type { KubeObject, ObjectRef } from "../model/kube.js";

export interface ObjectIndex {
  /** The object of a uid: the first with it, Pods after every other kind (see indexObjectsIn). */
  byUid: { get(uid: string): KubeObject | undefined };
  /** Keyed `kind/namespace/name`, for owner references without a uid (hand-written fixtures, trimmed dumps). */
  byName: Map<string, KubeObject>;
}

function nameKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

export function indexObjects(objects: readonly KubeObject[]): ObjectIndex {
  return indexObjectsIn(Array.isArray(objects) ? objects : [], (o) => o);
}

/** `indexObjects` over what `objectOf` gives for each item, skipping those it gives none for, without a list made. */
export function indexObjectsIn<T>(
  items: readonly T[],
  objectOf: (item: T) => KubeObject | undefined,
): ObjectIndex {
  // Pods are most of a cluster's objects and own almost nothing: their uids are indexed only once a uid is not
  // found among the other kinds' (a pod that owns an ephemeral volume's claim).
  const others = new Map<string, KubeObject>();
  let pods: Map<string, KubeObject> | undefined;
  let anyPod = false;
  for (let i = 0; i < items.length; i++) {
    const obj = objectOf(items[i]!);
    if (obj === undefined) continue;
    if (obj.kind === "Pod") {
      anyPod = true;
      continue;
    }
    const uid = metaString(obj, "uid");
    if (uid && !others.has(uid)) others.set(uid, obj);
  }
  const byUid = {
    get(uid: string): KubeObject | undefined {
      const found = others.get(uid);
      if (found !== undefined || !anyPod) return found;
      if (!pods) {
        pods = new Map();
        for (let i = 0; i < items.length; i++) {
          const obj = objectOf(items[i]!);
          if (obj?.kind !== "Pod") continue;
          const podUid = metaString(obj, "uid");
          if (podUid && !pods.has(podUid)) pods.set(podUid, obj);
        }
      }
      return pods.get(uid);
    },
  };
  let byName: Map<string, KubeObject> | undefined;
  return {
    byUid,
    // Made when first asked for: owner references carry uids wherever an API server wrote them.
    get byName() {
      if (!byName) {
        byName = new Map();
        for (let i = 0; i < items.length; i++) {
          const obj = objectOf(items[i]!);
          if (obj === undefined) continue;
          const kind = asString(asRecord(obj)?.kind);
          const name = metaString(obj, "name");
          if (!kind || !name) continue;
          const key = nameKey(kind, metaString(obj, "namespace"), name);
          if (!byName.has(key)) byName.set(key, obj);
        }
      }
      return byName;
    },
  };
}

export interface OwnerRef {
  kind: string;
  name: string;
  uid?: string;
  apiVersion?: string;
}

/**
 * The owner reference marked `controller: true`. When none is marked and there is a single owner whose
 * `controller` field is absent (a trimmed dump), that one. References without a kind or name do not count.
 */
export function controllerRefOf(obj: KubeObject): OwnerRef | undefined {
  const r = controllerEntryOf(obj);
  return r ? ownerRefOf(r) : undefined;
}

/** The owner reference `controllerRefOf` reads, as written. */
function controllerEntryOf(obj: KubeObject): Record<string, unknown> | undefined {
  const refs = asList(asRecord(asRecord(obj)?.metadata)?.ownerReferences);
  // One pass, no list made: every pod and ReplicaSet of a cluster is asked for its controller.
  let valid = 0;
  let only: Record<string, unknown> | undefined;
  for (let i = 0; i < refs.length; i++) {
    const r = asRecord(refs[i]);
    if (!r || !asString(r.kind) || !asString(r.name)) continue;
    if (r.controller === true) return r;
    valid++;
    only = r;
  }
  return valid === 1 && only!.controller === undefined ? only : undefined;
}

function ownerRefOf(r: Record<string, unknown>): OwnerRef {
  const ref: OwnerRef = { kind: r.kind as string, name: r.name as string };
  const uid = asString(r.uid);
  const apiVersion = asString(r.apiVersion);
  if (uid) ref.uid = uid;
  if (apiVersion) ref.apiVersion = apiVersion;
  return ref;
}

export interface ControllerLink {
  ref: ObjectRef;
  /** Undefined when the owner is not among the indexed objects. */
  object?: KubeObject;
}

/**
 * The controllers above an object, nearest first: a Pod's ReplicaSet then its Deployment. Stops at an owner
 * that is not indexed (kept as a link without object) or at a cycle.
 */
export function controllerChain(obj: KubeObject, index: ObjectIndex): ControllerLink[] {
  const chain: ControllerLink[] = [];
  const seen = new Set<unknown>([obj]);
  let cur: KubeObject | undefined = obj;
  while (cur) {
    const ref = controllerRefOf(cur);
    if (!ref) break;
    const namespace = metaString(cur, "namespace");
    const owner = ownerIn(index, ref, namespace);
    if (owner && seen.has(owner)) break;
    const link: ControllerLink = { ref: refFromOwner(ref, owner, namespace) };
    if (owner) link.object = owner;
    chain.push(link);
    if (!owner) break;
    seen.add(owner);
    cur = owner;
  }
  return chain;
}

/** The object an owner reference points at, by uid, else (no uid) by kind and name; owners live in the same
 * namespace as what they own, or are cluster-scoped. */
function ownerIn(index: ObjectIndex, ref: OwnerRef, namespace: string | undefined): KubeObject | undefined {
  if (ref.uid) return index.byUid.get(ref.uid);
  return (
    index.byName.get(nameKey(ref.kind, namespace, ref.name)) ??
    index.byName.get(nameKey(ref.kind, undefined, ref.name))
  );
}

/**
 * The object's controller when it is among the indexed objects (and is not the object itself): the first link of
 * `controllerChain` with an object, without making the chain.
 */
export function controllerOf(obj: KubeObject, index: ObjectIndex): KubeObject | undefined {
  const r = controllerEntryOf(obj);
  if (!r) return undefined;
  // By uid without making the reference: every pod and ReplicaSet of a cluster is asked (the latent risks).
  const uid = asString(r.uid);
  const owner = uid ? index.byUid.get(uid) : ownerIn(index, ownerRefOf(r), metaString(obj, "namespace"));
  return owner === obj ? undefined : owner;
}

function refFromOwner(
  ref: OwnerRef,
  owner: KubeObject | undefined,
  childNamespace: string | undefined,
): ObjectRef {
  const out: ObjectRef = { kind: ref.kind, name: ref.name };
  const namespace = owner ? metaString(owner, "namespace") : childNamespace;
  if (namespace) out.namespace = namespace;
  if (ref.apiVersion) out.apiVersion = ref.apiVersion;
  return out;
}

/** The rollout revision of a ReplicaSet, from `deployment.kubernetes.io/revision`. */
export function revisionOf(replicaSet: KubeObject): number | undefined {
  const raw = metaMap(replicaSet, "annotations")["deployment.kubernetes.io/revision"];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The ReplicaSets a Deployment controls, oldest revision first (those without a revision before the rest). */
export function replicaSetsOf(deployment: KubeObject, objects: readonly KubeObject[]): KubeObject[] {
  const uid = metaString(deployment, "uid");
  const name = metaString(deployment, "name");
  const namespace = metaString(deployment, "namespace");
  if (!name && !uid) return [];
  const owned = (Array.isArray(objects) ? objects : []).filter((o) => {
    if (asRecord(o)?.kind !== "ReplicaSet" || metaString(o, "namespace") !== namespace) return false;
    const ref = controllerRefOf(o);
    if (ref?.kind !== "Deployment") return false;
    return ref.uid && uid ? ref.uid === uid : ref.name === name;
  });
  return owned
    .map((rs) => ({ rs, revision: revisionOf(rs) ?? -1, created: metaString(rs, "creationTimestamp") ?? "" }))
    .sort(
      (a, b) =>
        a.revision - b.revision ||
        a.created.localeCompare(b.created) ||
        (metaString(a.rs, "name") ?? "").localeCompare(metaString(b.rs, "name") ?? ""),
    )
    .map((x) => x.rs);
}

/**
 * The topmost controller above an object, as far as the owner references and the indexed objects tell: a Pod's
 * Deployment (through its ReplicaSet), a Job's CronJob. A ReplicaSet that is not indexed stands for the Deployment
 * its name and the pod's `pod-template-hash` give (`web-5d8c7b9f6d` → `web`). Undefined without a controller.
 */
export function topControllerOf(obj: KubeObject, index: ObjectIndex): ObjectRef | undefined {
  const chain = controllerChain(obj, index);
  const top = chain[chain.length - 1];
  if (!top) return undefined;
  if (top.ref.kind === "ReplicaSet" && !top.object && chain.length === 1) {
    const hash = metaMap(obj, "labels")["pod-template-hash"];
    if (hash && top.ref.name.endsWith(`-${hash}`)) {
      const out: ObjectRef = { kind: "Deployment", name: top.ref.name.slice(0, -(hash.length + 1)) };
      if (top.ref.namespace) out.namespace = top.ref.namespace;
      return out;
    }
  }
  return top.ref;
}
