// Indexes over a snapshot that rules ask for, built lazily once per run.
import { metaString } from "../k8s/fields.js";
import { indexObjects, type ObjectIndex } from "../k8s/owners.js";
import type { Lookup } from "../rules/types.js";
import type { KubeObject } from "../model/kube.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";

export function lookupOf(snapshot: Snapshot): Lookup {
  let kinds: Map<string, SourcedObject[]> | undefined;
  let uids: Map<string, SourcedObject> | undefined;
  let names: Map<string, SourcedObject> | undefined;
  let named: Map<string, SourcedObject[]> | undefined;
  let events: Map<string, KubeObject[]> | undefined;
  let nodes: Map<string, KubeObject[]> | undefined;
  let ownerIndex: ObjectIndex | undefined;
  const sortedEvents = new WeakSet<KubeObject[]>();
  const plainByKind = new Map<string, KubeObject[]>();
  const key = (kind: string, ns: string | undefined, name: string) => `${kind}\u0000${ns ?? ""}\u0000${name}`;
  const byKindMap = () => {
    if (!kinds) {
      kinds = new Map();
      for (const o of snapshot.objects) {
        const k = String(o.object.kind ?? "");
        pushTo(kinds, k, o);
      }
    }
    return kinds;
  };
  const eventKey = (o: { uid?: unknown; kind?: unknown; namespace?: unknown; name?: unknown }) =>
    typeof o.uid === "string" && o.uid
      ? o.uid
      : key(String(o.kind ?? ""), o.namespace as string | undefined, String(o.name ?? ""));
  return {
    all: () => snapshot.objects,
    byKind: (kind) => byKindMap().get(kind) ?? [],
    named(kind, name) {
      if (!named) {
        named = new Map();
        for (const o of snapshot.objects) {
          const n = metaString(o.object, "name");
          if (n !== undefined) pushTo(named, `${String(o.object.kind ?? "")}\u0000${n}`, o);
        }
      }
      return named.get(`${kind}\u0000${name}`) ?? [];
    },
    byUid(uid) {
      if (!uids) {
        uids = new Map();
        for (const o of snapshot.objects) if (o.object.metadata?.uid) uids.set(o.object.metadata.uid, o);
      }
      return uids.get(uid);
    },
    get(kind, namespace, name) {
      if (!names) {
        names = new Map();
        // Nothing looks an Event up by name, and they are most of a big cluster's objects.
        for (const o of snapshot.objects)
          if (o.object.kind !== "Event")
            names.set(
              key(
                String(o.object.kind ?? ""),
                o.object.metadata?.namespace,
                String(o.object.metadata?.name ?? ""),
              ),
              o,
            );
      }
      return kind === "Event" ? undefined : names.get(key(kind, namespace, name));
    },
    eventsFor(object) {
      if (!events) {
        events = new Map();
        for (const e of byKindMap().get("Event") ?? []) {
          const inv =
            (e.object as { involvedObject?: Record<string, unknown>; regarding?: Record<string, unknown> })
              .involvedObject ?? (e.object as { regarding?: Record<string, unknown> }).regarding;
          if (!inv) continue;
          for (const k of new Set([
            eventKey(inv),
            key(String(inv.kind ?? ""), inv.namespace as string | undefined, String(inv.name ?? "")),
          ]))
            pushTo(events, k, e.object);
        }
      }
      const m = object.metadata;
      const found =
        (m?.uid && events.get(m.uid)) ||
        events.get(key(String(object.kind ?? ""), m?.namespace, String(m?.name ?? "")));
      if (!found) return [];
      // Sorted when first asked for: most objects' events are never read.
      if (!sortedEvents.has(found)) {
        found.sort((a, b) => eventTime(a) - eventTime(b));
        sortedEvents.add(found);
      }
      return found;
    },
    podsOnNode(node) {
      if (!nodes) {
        nodes = new Map();
        for (const p of byKindMap().get("Pod") ?? []) {
          const n = (p.object.spec as { nodeName?: unknown } | undefined)?.nodeName;
          if (typeof n !== "string") continue;
          pushTo(nodes, n, p.object);
        }
      }
      return nodes.get(node) ?? [];
    },
    owners() {
      // Events own nothing; leaving them out keeps the index a fraction of a big cluster's objects.
      ownerIndex ??= indexObjects(
        snapshot.objects.filter((o) => o.object.kind !== "Event").map((o) => o.object),
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
    previousLog: (ns, pod, container) => snapshot.previousLogs?.get(`${ns}/${pod}/${container}`),
    currentLog: (ns, pod, container) => snapshot.currentLogs?.get(`${ns}/${pod}/${container}`),
  };
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
