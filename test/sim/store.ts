// The simulator's object store: objects by resource in key order, a resourceVersion counter, a change history.
import type { KubeObject } from "../../src/model/kube.js";
import { resourceKey, resourceOfCrd, resourcesOf, typeByName, typeOfObject } from "./resources.js";
import { rfc3339 } from "./time.js";
import type { Cluster, ResourceType, SimLog } from "./types.js";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  type: ChangeType;
  rv: number;
  resource: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED change, to tell when it leaves or enters a watch's selector. */
  previous?: KubeObject;
}

interface Bucket {
  type: ResourceType;
  /** `namespace/name` or `name`, sorted as etcd keys are. */
  keys: string[];
  items: Map<string, KubeObject>;
}

export class StoreError extends Error {}

/** 32 bits of FNV-1a over `s`, starting from `seed`; cheap enough for tens of thousands of objects. */
function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A uid that stays the same for the same object across runs (UUID v4 layout, not random). */
export function stableUid(kind: string, namespace: string | undefined, name: string): string {
  const key = `${kind}/${namespace ?? ""}/${name}`;
  const hex = [0x811c9dc5, 0x01234567, 0x89abcdef, 0x5bd1e995]
    .map((seed) => fnv1a(key, seed).toString(16).padStart(8, "0"))
    .join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Index of the first key >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Store {
  readonly types: ResourceType[];
  readonly version: string;
  rv = 0;
  /** Watches from a resourceVersion below this get 410 Expired. */
  compactedRv = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  private readonly logs = new Map<string, string>();
  private readonly typeCache = new Map<string, ResourceType>();

  constructor(
    cluster: Cluster,
    private readonly historySize = 1000,
  ) {
    this.version = cluster.version;
    this.types = resourcesOf(cluster.objects);
    for (const t of this.types) this.bucketOf(t);
    for (const o of cluster.objects) {
      const t = this.typeOf(o);
      if (!t) throw new StoreError(`no resource serves ${o.apiVersion} ${o.kind}`);
      const stored = this.stamp(t, o, undefined);
      const b = this.bucketOf(t);
      const key = keyOf(stored.metadata?.namespace, String(stored.metadata?.name ?? ""));
      if (!b.items.has(key)) b.keys.push(key);
      b.items.set(key, stored);
    }
    for (const b of this.buckets.values()) b.keys.sort();
    for (const l of cluster.logs) this.setLog(l);
    this.compactedRv = this.rv;
  }

  /** The type serving an object's apiVersion and kind (cached: loading looks this up per object). */
  typeOf(o: KubeObject): ResourceType | undefined {
    const key = `${o.apiVersion}|${o.kind}`;
    let t = this.typeCache.get(key);
    if (!t) {
      t = typeOfObject(this.types, o);
      if (t) this.typeCache.set(key, t);
    }
    return t;
  }

  typeByName(name: string): ResourceType | undefined {
    return typeByName(this.types, name);
  }

  typeAt(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucketOf(t).items.get(keyOf(t.namespaced ? namespace : undefined, name));
  }

  /** Objects in key order, within `namespace` when given, starting after the key `after`. */
  *scan(
    t: ResourceType,
    namespace: string | undefined,
    after?: string,
  ): Generator<[key: string, KubeObject]> {
    const b = this.bucketOf(t);
    const prefix = t.namespaced && namespace ? `${namespace}/` : "";
    let i = lowerBound(b.keys, after !== undefined && after >= prefix ? after : prefix);
    if (after !== undefined && b.keys[i] === after) i++;
    for (; i < b.keys.length; i++) {
      const key = b.keys[i]!;
      if (prefix && !key.startsWith(prefix)) return;
      const o = b.items.get(key);
      if (o) yield [key, o];
    }
  }

  /** Creates or replaces an object; returns the stored copy. */
  apply(o: KubeObject): Change {
    // A new CRD makes its resource servable right away, as the apiextensions server does.
    const crdType = resourceOfCrd(o);
    if (
      crdType &&
      !typeOfObject(this.types, { apiVersion: `${crdType.group}/${crdType.version}`, kind: crdType.kind })
    ) {
      this.types.push(crdType);
      this.bucketOf(crdType);
    }
    const t = this.typeOf(o);
    if (!t) throw new StoreError(`no resource serves ${o.apiVersion} ${o.kind}`);
    const name = o.metadata?.name;
    if (!name) throw new StoreError(`${o.kind} has no metadata.name`);
    const b = this.bucketOf(t);
    const key = keyOf(t.namespaced ? (o.metadata?.namespace ?? "default") : undefined, name);
    const previous = b.items.get(key);
    const stored = this.stamp(t, o, previous);
    if (!previous) b.keys.splice(lowerBound(b.keys, key), 0, key);
    b.items.set(key, stored);
    return this.record(
      previous
        ? { type: "MODIFIED", rv: this.rv, resource: t, object: stored, previous }
        : { type: "ADDED", rv: this.rv, resource: t, object: stored },
    );
  }

  remove(t: ResourceType, namespace: string | undefined, name: string): Change | undefined {
    const b = this.bucketOf(t);
    const key = keyOf(t.namespaced ? namespace : undefined, name);
    const previous = b.items.get(key);
    if (!previous) return undefined;
    b.items.delete(key);
    b.keys.splice(lowerBound(b.keys, key), 1);
    this.rv++;
    const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(this.rv) } };
    return this.record({ type: "DELETED", rv: this.rv, resource: t, object });
  }

  /** Changes after `rv` for a resource, or "expired" when the history no longer reaches back that far. */
  changesSince(t: ResourceType, rv: number): Change[] | "expired" {
    if (rv < this.compactedRv) return "expired";
    return this.history.filter((c) => c.rv > rv && c.resource === t);
  }

  /** Forgets the change history, as etcd compaction does. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setLog(l: SimLog): void {
    this.logs.set(logKey(l.namespace, l.pod, l.container, l.previous), l.text);
  }

  log(namespace: string, pod: string, container: string, previous: boolean): string | undefined {
    return this.logs.get(logKey(namespace, pod, container, previous));
  }

  private record(c: Change): Change {
    this.history.push(c);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const l of this.listeners) l(c);
    return c;
  }

  /** A stored copy: new resourceVersion; uid and creationTimestamp kept or filled in. Spec and status are shared. */
  private stamp(t: ResourceType, o: KubeObject, previous: KubeObject | undefined): KubeObject {
    this.rv++;
    const meta = o.metadata ?? {};
    const name = String(meta.name ?? "");
    const namespace = t.namespaced ? (meta.namespace ?? "default") : undefined;
    const { namespace: _ignored, ...rest } = meta;
    return {
      ...o,
      apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
      kind: t.kind,
      metadata: {
        ...rest,
        ...(namespace ? { namespace } : {}),
        uid: previous?.metadata?.uid ?? meta.uid ?? stableUid(t.kind, namespace, name),
        creationTimestamp:
          previous?.metadata?.creationTimestamp ?? meta.creationTimestamp ?? rfc3339(Date.now()),
        resourceVersion: String(this.rv),
      },
    };
  }

  private bucketOf(t: ResourceType): Bucket {
    const k = resourceKey(t);
    let b = this.buckets.get(k);
    if (!b) {
      b = { type: t, keys: [], items: new Map() };
      this.buckets.set(k, b);
    }
    return b;
  }
}

function logKey(namespace: string, pod: string, container: string, previous: boolean): string {
  return `${namespace}/${pod}/${container}/${previous ? "previous" : "current"}`;
}
