// A fixture cluster (test/fixtures/clusters/*.yaml, the simulator's format) created in a real API server: objects
// through the API in the order a cluster makes them, then each `status` through the status subresource, events,
// and the container logs on the harness's kubelet endpoint.
import type { KubeObject } from "../../src/model/kube.js";
import { mapLimit } from "../../src/sources/paging.js";
import { loadCluster } from "../sim/load.js";
import { groupVersionOf, resourcesOf, typeOfObject } from "../sim/resources.js";
import type { ResourceType, Cluster as SimCluster } from "../sim/types.js";
import { apiCall, apiRequest, backdateObjects, type Cluster, setContainerLog } from "./harness.js";

export interface LoadOptions {
  /** The instant the fixture's `{{now…}}` placeholders are relative to; default: now. */
  now?: Date;
  /** Renames every namespace to `<prefix><name>`, so one server holds several copies side by side. */
  namespacePrefix?: string;
  /** Gives objects the fixture's creationTimestamps (rewritten in etcd). Default true. */
  backdate?: boolean;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
}

export interface Loaded {
  /** The fixture as loaded (namespaces renamed when asked). */
  fixture: SimCluster;
  /** Objects created (or replaced) through the API. */
  created: number;
  /** Statuses written through a status subresource. */
  statuses: number;
  /** The fixture's uid → the uid the API server gave. */
  uids: Map<string, string>;
}

type Json = Record<string, unknown>;

/** Built-in kinds with a `status` subresource that the fixtures use; CRs have one when their CRD says so. */
const STATUS_SUBRESOURCE = new Set([
  "Pod",
  "Node",
  "Service",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "Ingress",
]);

/** `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/nodes`: where objects of a type are created. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  const base = t.group ? `/apis/${groupVersionOf(t)}` : `/api/${t.version}`;
  return `${base}${t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ""}/${t.plural}`;
}

export function objectPath(t: ResourceType, o: KubeObject): string {
  return `${collectionPath(t, o.metadata?.namespace)}/${encodeURIComponent(String(o.metadata?.name))}`;
}

/**
 * Renames namespaces everywhere an object names one (its own, the Namespace, an event's involvedObject), and
 * leaves Services' cluster IPs to the server.
 */
export function prefixNamespaces(cluster: SimCluster, prefix: string): SimCluster {
  const rename = (ns: unknown) => (typeof ns === "string" && ns ? `${prefix}${ns}` : ns);
  const objects = cluster.objects.map((o) => {
    const copy = structuredClone(o) as KubeObject & { involvedObject?: Json };
    const meta = copy.metadata as Json;
    // Events about cluster-wide objects (nodes) must stay in `default`, as the API server validates.
    const clusterEvent = copy.kind === "Event" && !copy.involvedObject?.namespace;
    if (copy.kind === "Namespace") meta.name = rename(meta.name);
    else if (meta.namespace && !clusterEvent) meta.namespace = rename(meta.namespace);
    if (copy.kind === "Event" && copy.involvedObject?.namespace)
      copy.involvedObject.namespace = rename(copy.involvedObject.namespace);
    // A ClusterIP is unique in the server: a second copy of the fixture gets its own.
    if (copy.kind === "Service" && copy.spec) {
      const spec = copy.spec as Json;
      if (spec.clusterIP !== "None") {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
    }
    return copy;
  });
  const logs = cluster.logs.map((l) => ({ ...l, namespace: String(rename(l.namespace)) }));
  return { ...cluster, objects, logs };
}

/** What a client may send on create: no server-owned metadata, owners and events pointing at the new uids. */
function createBody(o: KubeObject, uids: Map<string, string>): Json {
  const body = structuredClone(o) as Json & { metadata: Json; involvedObject?: Json };
  for (const k of ["uid", "resourceVersion", "creationTimestamp", "managedFields", "selfLink", "generation"])
    delete body.metadata[k];
  delete body.status;
  const owners = body.metadata.ownerReferences as Json[] | undefined;
  if (owners) {
    body.metadata.ownerReferences = owners
      .filter((r) => uids.has(String(r.uid)))
      .map((r) => ({ ...r, uid: uids.get(String(r.uid)) }));
  }
  if (o.kind === "Event") microTimes(body);
  if (body.involvedObject?.uid) {
    const uid = uids.get(String(body.involvedObject.uid));
    if (uid) body.involvedObject.uid = uid;
    else delete body.involvedObject.uid;
  }
  return body;
}

/** Event times of type MicroTime must carry six fraction digits; `{{now}}` placeholders give whole seconds. */
function microTimes(event: Json): void {
  const micro = (v: unknown) =>
    typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v) ? v.replace("Z", ".000000Z") : v;
  event.eventTime = micro(event.eventTime);
  const series = event.series as Json | undefined;
  if (series) series.lastObservedTime = micro(series.lastObservedTime);
}

/** Nodes point the API server at the harness's kubelet endpoint: InternalIP 127.0.0.1 and its port. */
function nodeStatus(status: Json, kubeletPort: number): Json {
  const addresses = ((status.addresses as Json[] | undefined) ?? []).filter((a) => a.type !== "InternalIP");
  return {
    ...status,
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }, ...addresses],
    daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
  };
}

/** Owners before what they own, so every ownerReference can carry its owner's new uid. */
function ownerTiers(objects: readonly KubeObject[]): KubeObject[][] {
  const byUid = new Map(objects.map((o) => [String(o.metadata?.uid), o]));
  const depth = new Map<KubeObject, number>();
  const depthOf = (o: KubeObject, seen: Set<KubeObject>): number => {
    const known = depth.get(o);
    if (known !== undefined) return known;
    if (seen.has(o)) return 0;
    seen.add(o);
    const owners = (o.metadata?.ownerReferences ?? []).map((r) => byUid.get(String(r.uid))).filter(Boolean);
    const d = owners.length ? 1 + Math.max(...owners.map((x) => depthOf(x!, seen))) : 0;
    depth.set(o, d);
    return d;
  };
  const tiers: KubeObject[][] = [];
  for (const o of objects) {
    const d = depthOf(o, new Set());
    tiers[d] = [...(tiers[d] ?? []), o];
  }
  return tiers.filter(Boolean);
}

/** The API server makes the `kubernetes` Service itself soon after it starts; the fixture's copy replaces it. */
function isServerOwned(o: KubeObject): boolean {
  return o.kind === "Service" && o.metadata?.namespace === "default" && o.metadata?.name === "kubernetes";
}

async function waitExists(cluster: Cluster, path: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await apiRequest(cluster, "GET", path)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the API server did not make ${path} within 30 s`);
}

/** Waits until the API server serves the resource a CRD declares (discovery catches up asynchronously). */
async function waitServed(cluster: Cluster, t: ResourceType): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await apiRequest(cluster, "GET", `${collectionPath(t)}?limit=1`);
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the API server did not start serving ${t.plural}.${t.group} within 30 s of its CRD`);
}

/** Replaces an object's status through its status subresource, as a kubelet or controller does. */
export async function writeStatus(cluster: Cluster, path: string, status: unknown): Promise<Json> {
  const live = await apiCall(cluster, "GET", path);
  return apiCall(cluster, "PUT", `${path}/status`, { ...live, status });
}

/** Creates `cluster` (a fixture path or a loaded fixture) in the API server. */
export async function loadFixture(
  cluster: Cluster,
  fixture: string | SimCluster,
  opts: LoadOptions = {},
): Promise<Loaded> {
  let loaded =
    typeof fixture === "string" ? loadCluster(fixture, opts.now ? { now: opts.now } : {}) : fixture;
  if (opts.namespacePrefix) loaded = prefixNamespaces(loaded, opts.namespacePrefix);
  const types = resourcesOf(loaded.objects);
  const uids = new Map<string, string>();
  const limit = opts.concurrency ?? 16;
  let created = 0;
  let statuses = 0;

  const createOne = async (o: KubeObject) => {
    const t = typeOfObject(types, o)!;
    let res: { status: number; body: unknown; text: string };
    if (isServerOwned(o)) {
      await waitExists(cluster, objectPath(t, o));
      res = { status: 409, body: undefined, text: "" };
    } else
      res = await apiRequest(cluster, "POST", collectionPath(t, o.metadata?.namespace), createBody(o, uids));
    let live = res.body as Json;
    if (res.status === 409) {
      // Made by the API server itself (default, kube-system, the kubernetes Service): the fixture's copy wins.
      const existing = await apiCall(cluster, "GET", objectPath(t, o));
      if (o.kind === "Namespace") live = existing;
      else {
        const body = createBody(o, uids) as Json & { metadata: Json };
        body.metadata.resourceVersion = (existing.metadata as Json).resourceVersion;
        live = await apiCall(cluster, "PUT", objectPath(t, o), body);
      }
    } else if (res.status < 200 || res.status > 299) {
      const message = (res.body as { message?: string } | undefined)?.message ?? res.text;
      throw new Error(
        `create ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${res.status} ${message}`,
      );
    }
    created++;
    const meta = live.metadata as Json;
    if (o.metadata?.uid) uids.set(String(o.metadata.uid), String(meta.uid));
    if (o.status && hasStatusSubresource(o, types, loaded.objects)) {
      const status = o.kind === "Node" ? nodeStatus(o.status as Json, cluster.kubeletPort) : o.status;
      await apiCall(cluster, "PUT", `${objectPath(t, o)}/status`, { ...live, status });
      statuses++;
    }
  };

  const namespaces = loaded.objects.filter((o) => o.kind === "Namespace");
  const crds = loaded.objects.filter((o) => o.kind === "CustomResourceDefinition");
  const accounts = loaded.objects.filter((o) => o.kind === "ServiceAccount");
  const events = loaded.objects.filter((o) => o.kind === "Event");
  const first = new Set([...namespaces, ...crds, ...accounts, ...events]);
  const rest = loaded.objects.filter((o) => !first.has(o));

  await mapLimit(namespaces, limit, createOne);
  // Pods name their ServiceAccount, and admission refuses a pod whose account is not there yet.
  await mapLimit(accounts, limit, createOne);
  await missingServiceAccounts(cluster, loaded, limit);
  await mapLimit(crds, limit, createOne);
  for (const crd of crds) {
    const t = types.find((x) => x.kind === (crd.spec as { names?: { kind?: string } }).names?.kind)!;
    await waitServed(cluster, t);
  }
  for (const tier of ownerTiers(rest)) await mapLimit(tier, limit, createOne);
  await mapLimit(events, limit, createOne);
  await mapLimit(loaded.logs, limit, (log) => setContainerLog(cluster, log));
  if (opts.backdate !== false) {
    const times: Record<string, string> = {};
    for (const o of loaded.objects) {
      const uid = uids.get(String(o.metadata?.uid));
      if (uid && o.metadata?.creationTimestamp) times[uid] = o.metadata.creationTimestamp;
    }
    await backdateObjects(cluster, times);
  }
  return { fixture: loaded, created, statuses, uids };
}

function hasStatusSubresource(o: KubeObject, types: ResourceType[], objects: readonly KubeObject[]): boolean {
  if (STATUS_SUBRESOURCE.has(o.kind ?? "")) return true;
  const t = typeOfObject(types, o);
  const crd = objects.find(
    (c) =>
      c.kind === "CustomResourceDefinition" &&
      (c.spec as { names?: { kind?: string }; group?: string }).names?.kind === t?.kind &&
      (c.spec as { group?: string }).group === t?.group,
  );
  const versions = (crd?.spec as { versions?: { name?: string; subresources?: { status?: unknown } }[] })
    ?.versions;
  return Boolean(versions?.find((v) => v.name === t?.version)?.subresources?.status);
}

/**
 * The ServiceAccount admission plugin refuses a pod whose ServiceAccount does not exist. A real cluster has them
 * (the controller manager makes `default`, installers the rest); fixtures list only some, so the loader makes the others.
 */
async function missingServiceAccounts(cluster: Cluster, fixture: SimCluster, limit: number): Promise<void> {
  const wanted = new Set<string>();
  for (const o of fixture.objects) {
    if (o.kind !== "Pod" || !o.metadata?.namespace) continue;
    const name = (o.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? "default";
    wanted.add(`${o.metadata.namespace}/${name}`);
  }
  for (const o of fixture.objects)
    if (o.kind === "ServiceAccount") wanted.delete(`${o.metadata?.namespace}/${o.metadata?.name}`);
  await mapLimit([...wanted], limit, async (key) => {
    const [namespace, name] = key.split("/") as [string, string];
    const res = await apiRequest(cluster, "POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace },
    });
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`create ServiceAccount ${key}: ${res.text}`);
  });
}
