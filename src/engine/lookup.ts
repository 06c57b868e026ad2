// Indexes over a snapshot that rules ask for, built lazily once per run.
import { metaString } from "../k8s/fields.js";
import { indexObjectsIn, type ObjectIndex } from "../k8s/owners.js";
import type { Lookup } from "../rules/types.js";
import type { KubeObject } from "../model/kube.js";
import { beginsWith, type Snapshot, type SourcedObject } from "../model/snapshot.js";

export function lookupOf(snapshot: Snapshot): Lookup {
  return growingLookupOf(snapshot).lookup;
}

/**
 * The lookup of a snapshot read in two parts (service/scan-early): made on the first part, then `grow` gives it
 * the whole, which begins with that part's objects in the same order; the indexes already built are kept.
 */
export function growingLookupOf(snapshot: Snapshot): {
  lookup: Lookup;
  grow(whole: Snapshot): void;
} {
  // The snapshot's fields are read when an index is made, as it holds them then.
  let source = snapshot;
  let kinds: Map<string, SourcedObject[]> | undefined;
  let uids: Map<string, SourcedObject> | undefined;
  const named = new Map<string, Map<string, SourcedObject[]>>();
  const names = new Map<string, Map<string, Map<string, SourcedObject>>>();
  let events: ((object: KubeObject) => KubeObject[]) | undefined;
  let nodes: Map<string, KubeObject[]> | undefined;
  let ownerIndex: ObjectIndex | undefined;
  const plainByKind = new Map<string, KubeObject[]>();
  const byKindMap = () => {
    if (!kinds) {
      kinds = new Map();
      // A live read lists kind after kind: the list of the kind before is most often the one wanted.
      let kind: unknown;
      let list: SourcedObject[] | undefined;
      const all = source.objects;
      // Indexed loops here and below: each runs once per run over a cluster's objects, mostly before the JIT has
      // compiled it, and a `for…of` there makes an iterator result per object.
      for (let i = 0; i < all.length; i++) {
        const o = all[i]!;
        if (list === undefined || o.object.kind !== kind) {
          kind = o.object.kind;
          const k = String(kind ?? "");
          list = kinds.get(k);
          if (!list) {
            list = [];
            kinds.set(k, list);
          }
        }
        list.push(o);
      }
    }
    return kinds;
  };
  const grow = (whole: Snapshot) => {
    const from = source.objects.length;
    if (!beginsWith(whole.objects, source.objects))
      throw new Error("a grown snapshot must begin with the objects of the first part");
    const added = whole.objects.slice(from);
    source = whole;
    const addedKinds = new Set<string>();
    for (const o of added) {
      const k = String(o.object.kind ?? "");
      addedKinds.add(k);
      if (kinds) {
        const list = kinds.get(k);
        if (list) list.push(o);
        else kinds.set(k, [o]);
      }
      if (uids && o.object.metadata?.uid) uids.set(o.object.metadata.uid, o);
    }
    for (const k of addedKinds) {
      named.delete(k);
      names.delete(k);
      plainByKind.delete(k);
    }
    if (addedKinds.has("Pod")) nodes = undefined;
    if (addedKinds.has("Event")) events = undefined;
    if ([...addedKinds].some((k) => k !== "Event")) ownerIndex = undefined;
  };
  const lookup: Lookup = {
    all: () => source.objects,
    byKind: (kind) => byKindMap().get(kind) ?? [],
    named(kind, name) {
      let index = named.get(kind);
      if (!index) {
        // Per kind, made when first asked for: every object of that name, in any namespace.
        index = new Map();
        const list = byKindMap().get(kind) ?? [];
        for (let i = 0; i < list.length; i++) {
          const o = list[i]!;
          const n = metaString(o.object, "name");
          if (n !== undefined) pushTo(index, n, o);
        }
        named.set(kind, index);
      }
      return index.get(name) ?? [];
    },
    byUid(uid) {
      if (!uids) {
        uids = new Map();
        const all = source.objects;
        for (let i = 0; i < all.length; i++) {
          const uid = all[i]!.object.metadata?.uid;
          if (uid) uids.set(uid, all[i]!);
        }
      }
      return uids.get(uid);
    },
    get(kind, namespace, name) {
      // Nothing looks an Event up by name, and they are most of a big cluster's objects.
      if (kind === "Event") return undefined;
      let index = names.get(kind);
      if (!index) {
        // Per kind, made when first asked for (Pods never are); the last object of a name wins.
        index = new Map();
        const list = byKindMap().get(kind) ?? [];
        for (let i = 0; i < list.length; i++) {
          const o = list[i]!;
          const ns = String(o.object.metadata?.namespace ?? "");
          const inNamespace = index.get(ns);
          if (inNamespace) inNamespace.set(String(o.object.metadata?.name ?? ""), o);
          else index.set(ns, new Map([[String(o.object.metadata?.name ?? ""), o]]));
        }
        names.set(kind, index);
      }
      return index.get(namespace ?? "")?.get(name);
    },
    eventsFor(object) {
      events ??= eventIndex(byKindMap().get("Event") ?? []);
      return events(object);
    },
    podsOnNode(node) {
      if (!nodes) {
        nodes = new Map();
        const pods = byKindMap().get("Pod") ?? [];
        for (let i = 0; i < pods.length; i++) {
          const p = pods[i]!;
          const n = (p.object.spec as { nodeName?: unknown } | undefined)?.nodeName;
          if (typeof n !== "string") continue;
          pushTo(nodes, n, p.object);
        }
      }
      return nodes.get(node) ?? [];
    },
    owners() {
      // Events own nothing; leaving them out keeps the index a fraction of a big cluster's objects.
      ownerIndex ??= indexObjectsIn(source.objects, (o) =>
        o.object.kind === "Event" ? undefined : o.object,
      );
      return ownerIndex;
    },
    objectsOfKind(kind) {
      let list = plainByKind.get(kind);
      if (!list) {
        list = (byKindMap().get(kind) ?? []).map((o) => o.object);
        plainByKind.set(kind, list);
      }
      return list;
    },
    previousLog: (ns, pod, container) => source.previousLogs?.get(`${ns}/${pod}/${container}`),
    currentLog: (ns, pod, container) => source.currentLogs?.get(`${ns}/${pod}/${container}`),
  };
  return { lookup, grow };
}

type Involved = { uid?: unknown; kind?: unknown; namespace?: unknown; name?: unknown };

function involvedOf(e: KubeObject): Involved | undefined {
  const o = e as { involvedObject?: Involved; regarding?: Involved };
  return o.involvedObject ?? o.regarding;
}

/** `kind/namespace/name` of an object or an involvedObject, as one key. */
function nameKey(kind: unknown, namespace: unknown, name: unknown): string {
  return `${String(kind ?? "")}\u0000${(namespace as string | undefined) ?? ""}\u0000${String(name ?? "")}`;
}

/**
 * The events of an object, oldest first: those naming its uid, else (no uid, or none names it) those naming its
 * kind, namespace and name. Indexed by uid and by bare name, which needs no key built per event (a big cluster's
 * events are most of its objects); kind and namespace are compared on the few that share the name.
 */
function eventIndex(events: readonly SourcedObject[]): (object: KubeObject) => KubeObject[] {
  const byUid = new Map<string, KubeObject[]>();
  let byName: Map<string, KubeObject[]> | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!.object;
    const uid = involvedOf(e)?.uid;
    if (typeof uid === "string" && uid) pushTo(byUid, uid, e);
  }
  const byFullName = new Map<string, KubeObject[]>();
  const ofName = (object: KubeObject): KubeObject[] | undefined => {
    const m = object.metadata;
    const wanted = nameKey(object.kind, m?.namespace, m?.name);
    let found = byFullName.get(wanted);
    if (found) return found;
    if (!byName) {
      byName = new Map();
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!.object;
        const inv = involvedOf(e);
        if (inv) pushTo(byName, String(inv.name ?? ""), e);
      }
    }
    found = byName.get(String(m?.name ?? ""))?.filter((e) => {
      const inv = involvedOf(e)!;
      return nameKey(inv.kind, inv.namespace, inv.name) === wanted;
    });
    if (!found?.length) return undefined;
    byFullName.set(wanted, found);
    return found;
  };
  const sorted = new WeakSet<KubeObject[]>();
  return (object) => {
    const uid = object.metadata?.uid;
    const found = (uid && byUid.get(uid)) || ofName(object);
    if (!found) return [];
    // Sorted when first asked for: most objects' events are never read.
    if (!sorted.has(found)) {
      sortByTime(found);
      sorted.add(found);
    }
    return found;
  };
}

/**
 * Oldest first, stably. Each time is read once, not at every comparison; a list already in order (most are: one or
 * two events, written as they happened) is left as it is.
 */
function sortByTime(events: KubeObject[]): void {
  if (events.length < 2) return;
  const times = events.map(eventTime);
  if (times.every((t, i) => i === 0 || times[i - 1]! <= t)) return;
  const order = times.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at);
  const before = [...events];
  order.forEach((o, j) => {
    events[j] = before[o.i]!;
  });
}

function eventTime(e: KubeObject): number {
  const r = e as {
    lastTimestamp?: string;
    eventTime?: string;
    firstTimestamp?: string;
    metadata?: { creationTimestamp?: string };
  };
  const t = r.lastTimestamp ?? r.eventTime ?? r.firstTimestamp ?? r.metadata?.creationTimestamp;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
