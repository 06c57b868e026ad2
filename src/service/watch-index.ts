// The watched objects of one cluster and who depends on whom: entries by key, pods by node, children by owner,
// Ingresses by namespace. Pure: events in, keys out; no I/O and no timers.
import { asList, asRecord, asString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { objectKey } from "./finding-changes.js";

/** One cached object, wrapped twice: as a subject to check, and as context the checks may read. */
export interface IndexEntry {
  key: string;
  object: KubeObject;
  subject: SourcedObject;
  // `role: "nodes"` is the engine's "read by rules, not checked itself" (lint --nodes); it fits context objects.
  context: SourcedObject;
}

export interface IndexEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

export function keyOfObject(o: KubeObject): string {
  return objectKey(String(o.kind ?? ""), o.metadata?.namespace, String(o.metadata?.name ?? ""));
}

function nodeNameOf(o: KubeObject): string | undefined {
  return asString(asRecord(o.spec)?.nodeName);
}

function ownerUids(o: KubeObject): string[] {
  return asList(o.metadata?.ownerReferences)
    .map((r) => asString(asRecord(r)?.uid))
    .filter((u): u is string => !!u);
}

function addTo(index: Map<string, Set<string>>, at: string | undefined, key: string): void {
  if (!at) return;
  const set = index.get(at);
  if (set) set.add(key);
  else index.set(at, new Set([key]));
}

function removeFrom(index: Map<string, Set<string>>, at: string | undefined, key: string): void {
  if (!at) return;
  const set = index.get(at);
  set?.delete(key);
  if (set?.size === 0) index.delete(at);
}

/** How far owner chains are followed (Pod → ReplicaSet → Deployment, Pod → Job → CronJob, and a margin). */
const MAX_DEPTH = 3;

export class ObjectIndex {
  readonly entries = new Map<string, IndexEntry>();
  private readonly keyByUid = new Map<string, string>();
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly childrenByOwner = new Map<string, Set<string>>();
  private readonly ingressesByNamespace = new Map<string, Set<string>>();
  private readonly subjectOrigin: SourcedObject["origin"];
  private readonly contextOrigin: SourcedObject["origin"];

  constructor(context: string) {
    this.subjectOrigin = { context };
    this.contextOrigin = { context, role: "nodes" };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached objects of a kind. */
  ofKind(kind: string): KubeObject[] {
    return [...this.entries.values()].filter((e) => e.object.kind === kind).map((e) => e.object);
  }

  /** Applies one change; returns the object as it was before it (undefined when it is new). */
  apply(ev: IndexEvent): KubeObject | undefined {
    const o = ev.object;
    const key = keyOfObject(o);
    const before = this.entries.get(key)?.object;
    if (before) this.index(before, key, false);
    if (ev.type === "DELETED") this.entries.delete(key);
    else {
      this.entries.set(key, {
        key,
        object: o,
        subject: { object: o, origin: this.subjectOrigin },
        context: { object: o, origin: this.contextOrigin },
      });
      this.index(o, key, true);
    }
    return before;
  }

  /**
   * The objects whose per-object checks read `o`: its pod's node (pressure), a node's pods (image pulls), an
   * owner's pods (rollouts, limit history), the Ingresses of a namespace whose Services or Endpoints changed, the
   * object an Event is about, every pod when `kubernetes.default` changes. Owners and owned objects too: the
   * engine keeps a DETECT match only on the topmost object of an owner chain. What this misses, the resync catches.
   */
  dependents(o: KubeObject, before: KubeObject | undefined): Set<string> {
    const out = new Set<string>([keyOfObject(o)]);
    const kind = o.kind;
    if (kind === "Event") {
      const inv = asRecord(o.involvedObject) ?? asRecord(o.regarding);
      if (inv) {
        const k = objectKey(String(inv.kind ?? ""), asString(inv.namespace), String(inv.name ?? ""));
        out.add(
          this.entries.has(k) ? k : objectKey(String(inv.kind ?? ""), undefined, String(inv.name ?? "")),
        );
      }
    } else if (kind === "Pod") {
      for (const n of [nodeNameOf(o), before && nodeNameOf(before)])
        if (n) out.add(objectKey("Node", undefined, n));
    } else if (kind === "Node") {
      for (const p of this.podsByNode.get(String(o.metadata?.name ?? "")) ?? []) out.add(p);
    } else if (kind === "Service" || kind === "Endpoints" || kind === "EndpointSlice") {
      for (const i of this.ingressesByNamespace.get(o.metadata?.namespace ?? "") ?? []) out.add(i);
      if (kind === "Service" && o.metadata?.namespace === "default" && o.metadata?.name === "kubernetes")
        for (const e of this.entries.values()) if (e.object.kind === "Pod") out.add(e.key);
    }
    this.descendants(o.metadata?.uid, out);
    this.ancestors(o, out);
    if (before) this.ancestors(before, out);
    return out;
  }

  private index(o: KubeObject, key: string, add: boolean): void {
    const op = add ? addTo : removeFrom;
    const uid = o.metadata?.uid;
    if (uid) {
      if (add) this.keyByUid.set(uid, key);
      else this.keyByUid.delete(uid);
    }
    if (o.kind === "Pod") op(this.podsByNode, nodeNameOf(o), key);
    if (o.kind === "Ingress") op(this.ingressesByNamespace, o.metadata?.namespace ?? "", key);
    for (const owner of ownerUids(o)) op(this.childrenByOwner, owner, key);
  }

  private descendants(uid: string | undefined, into: Set<string>, depth = 0): void {
    if (!uid || depth > MAX_DEPTH) return;
    for (const child of this.childrenByOwner.get(uid) ?? []) {
      into.add(child);
      this.descendants(this.entries.get(child)?.object.metadata?.uid, into, depth + 1);
    }
  }

  private ancestors(o: KubeObject | undefined, into: Set<string>, depth = 0): void {
    if (!o || depth > MAX_DEPTH) return;
    for (const uid of ownerUids(o)) {
      const key = this.keyByUid.get(uid);
      if (!key || into.has(key)) continue;
      into.add(key);
      this.ancestors(this.entries.get(key)?.object, into, depth + 1);
    }
  }
}
