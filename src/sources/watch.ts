// A live cluster kept under observation: list each resource, then watch it from the list's resourceVersion, the
// way client-node's cache.ts and client-go's reflector do. A 410 Gone (the history was compacted) starts a fresh
// list; a failed request or a dropped stream backs off (injectable delay) and restarts explicitly, resuming from
// the last resourceVersion seen. Objects are kept exactly as the API sends them, like `readCluster`.
import { setMaxListeners } from "node:events";
import type { KubeConfig } from "@kubernetes/client-node";
import { asRecord, asString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import type { Incomplete } from "../model/snapshot.js";
import { createKubeApi, describeError, KubeApiError, type KubeApi } from "./kube-api.js";
import {
  externalSecretsResource,
  LIVE_RESOURCES,
  type LiveResource,
  listPages,
  NAMESPACES,
  readLogTail,
  resourcePath,
  withKind,
} from "./kube-read.js";
import { useContext } from "./kubeconfig.js";
import { isExpired } from "./paging.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change to the cached objects, from a watch event or from comparing a fresh list with the cache. */
export interface WatchEvent {
  type: WatchEventType;
  resource: string;
  /** The object now (for DELETED: as it was last seen). */
  object: KubeObject;
  /** The object before a MODIFIED or DELETED change. */
  previous?: KubeObject;
}

export interface BackoffOptions {
  /** First wait after a failure. Default 500 ms. */
  baseMs: number;
  /** Longest wait. Default 30 s. */
  maxMs: number;
}

export interface WatchClusterOptions {
  kubeConfig: KubeConfig;
  /** Made current in `kubeConfig` when given. */
  context?: string;
  /** Only this namespace (nodes, being cluster-scoped, are still watched). */
  namespace?: string;
  /** Default `LIVE_RESOURCES` plus ExternalSecrets when their CRD is served. */
  resources?: readonly LiveResource[];
  /** Items per list page. Default 500. */
  pageSize?: number;
  /** How long the server keeps one watch open before we resume it. Default 300 s. */
  watchTimeoutSeconds?: number;
  backoff?: Partial<BackoffOptions>;
  /** The delay between restarts; injectable so tests do not wait. Must resolve early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** One request of a list (or a log), body included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Told about failures before the back-off, e.g. for metrics and progress. */
  onError?: (resource: string, error: unknown, delayMs: number) => void;
  /** Told when a resource is listed again, and why. */
  onRelist?: (resource: string, reason: string) => void;
  onProgress?: (message: string) => void;
}

export interface ClusterWatch {
  readonly context: string;
  /** The API server URL. */
  readonly server: string;
  /** Resolves once every resource has been listed once, or has failed its first list (then it is incomplete). */
  readonly synced: Promise<void>;
  /** Called with every batch of changes (one watch event, or the differences a fresh list found). */
  subscribe(listener: (events: WatchEvent[]) => void): () => void;
  /** The cached objects, resources in the order `readCluster` uses. */
  objects(): KubeObject[];
  /** Resources that cannot be read now, and why. */
  incomplete(): Incomplete[];
  /** A container's log tail (previous instance when asked), or undefined when there is none or it failed. */
  readLog(namespace: string, pod: string, container: string, previous: boolean): Promise<string | undefined>;
  stop(): Promise<void>;
}

const DEFAULTS = {
  pageSize: 500,
  watchTimeoutSeconds: 300,
  requestTimeoutMs: 30_000,
  baseMs: 500,
  maxMs: 30_000,
};
/** A stream silent this much longer than its server-side timeout is taken as a half-open connection. */
const IDLE_GRACE_MS = 30_000;

/** 410 Gone inside a watch stream (an ERROR event), or as the watch request's answer. */
class ExpiredError extends Error {
  override name = "ExpiredError";
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

/** Starts watching the cluster of the current (or given) context; `synced` tells when the first lists are in. */
export async function watchCluster(opts: WatchClusterOptions): Promise<ClusterWatch> {
  const kc = opts.kubeConfig;
  const context = useContext(kc, opts.context);
  const api = await createKubeApi(kc);
  const stopper = new AbortController();
  // Every open watch, list and back-off listens on it: one per resource and a few more, by design.
  setMaxListeners(100, stopper.signal);
  const sleep = opts.sleep ?? defaultSleep;
  const backoff: BackoffOptions = {
    baseMs: opts.backoff?.baseMs ?? DEFAULTS.baseMs,
    maxMs: opts.backoff?.maxMs ?? DEFAULTS.maxMs,
  };
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const progress = opts.onProgress ?? (() => {});
  const listeners = new Set<(events: WatchEvent[]) => void>();
  const caches = new Map<string, Map<string, KubeObject>>();
  const failing = new Map<string, string>();
  const order: string[] = [];

  const emit = (events: WatchEvent[]) => {
    if (!events.length || stopper.signal.aborted) return;
    for (const l of [...listeners]) l(events);
  };

  const resources = opts.resources
    ? [...opts.resources]
    : await defaultResources(api, stopper.signal, requestTimeoutMs, failing);
  const loops = resources.map((r) => {
    order.push(r.plural);
    const cache = new Map<string, KubeObject>();
    caches.set(r.plural, cache);
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => {
      markSynced = resolve;
    });
    const loop =
      r.plural === "namespaces" && opts.namespace
        ? readOneNamespace(api, opts.namespace, cache, emit, failing, requestTimeoutMs, markSynced)
        : runResource({
            api,
            resource: r,
            namespace: opts.namespace,
            cache,
            emit,
            failing,
            signal: stopper.signal,
            sleep,
            backoff,
            pageSize: opts.pageSize ?? DEFAULTS.pageSize,
            watchTimeoutSeconds: opts.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
            requestTimeoutMs,
            markSynced,
            onError: opts.onError,
            onRelist: opts.onRelist,
            progress,
          });
    return { synced, loop };
  });

  return {
    context,
    server: api.server,
    synced: Promise.all(loops.map((l) => l.synced)).then(() => undefined),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    objects() {
      const out: KubeObject[] = [];
      for (const plural of order) for (const o of caches.get(plural)?.values() ?? []) out.push(o);
      return out;
    },
    incomplete: () => [...failing].map(([resource, reason]) => ({ resource, reason })),
    async readLog(namespace, pod, container, previous) {
      try {
        return await readLogTail(
          api,
          { namespace, pod, container, previous },
          { signal: stopper.signal, timeoutMs: requestTimeoutMs },
        );
      } catch {
        // No previous instance yet, RBAC on pods/log, a slow kubelet: the finding goes out without the log.
        return undefined;
      }
    },
    async stop() {
      stopper.abort();
      await Promise.allSettled(loops.map((l) => l.loop));
    },
  };
}

/** LIVE_RESOURCES, plus ExternalSecrets in the version the cluster serves (recorded as incomplete when absent). */
async function defaultResources(
  api: KubeApi,
  signal: AbortSignal,
  timeoutMs: number,
  failing: Map<string, string>,
): Promise<LiveResource[]> {
  const out = [...LIVE_RESOURCES];
  try {
    const served = await externalSecretsResource((path, query) =>
      api.getJson(path, { ...(query ? { query } : {}), signal, timeoutMs }),
    );
    if ("resource" in served) out.push(served.resource);
    else failing.set("externalsecrets", served.problem);
  } catch (error) {
    failing.set("externalsecrets", describeError(error));
  }
  return out;
}

/** With `-n`, the one Namespace object, read once (watching namespaces needs cluster-wide rights). */
async function readOneNamespace(
  api: KubeApi,
  namespace: string,
  cache: Map<string, KubeObject>,
  emit: (events: WatchEvent[]) => void,
  failing: Map<string, string>,
  timeoutMs: number,
  markSynced: () => void,
): Promise<void> {
  try {
    const o = withKind(
      NAMESPACES,
      await api.getJson(`/api/v1/namespaces/${encodeURIComponent(namespace)}`, { timeoutMs }),
    );
    if (o) {
      cache.set(keyOf(o), o);
      emit([{ type: "ADDED", resource: NAMESPACES.plural, object: o }]);
    }
  } catch (error) {
    failing.set("namespaces", describeError(error));
  } finally {
    markSynced();
  }
}

interface ResourceLoop {
  api: KubeApi;
  resource: LiveResource;
  namespace: string | undefined;
  cache: Map<string, KubeObject>;
  emit: (events: WatchEvent[]) => void;
  failing: Map<string, string>;
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  backoff: BackoffOptions;
  pageSize: number;
  watchTimeoutSeconds: number;
  requestTimeoutMs: number;
  markSynced: () => void;
  onError: WatchClusterOptions["onError"];
  onRelist: WatchClusterOptions["onRelist"];
  progress: (message: string) => void;
}

/** Exponential back-off from `baseMs`, capped at `maxMs`. */
function backoffDelay(failures: number, b: BackoffOptions): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, failures - 1));
}

/** List, then watch from the list's resourceVersion, until stopped. */
async function runResource(l: ResourceLoop): Promise<void> {
  const r = l.resource;
  let rv: string | undefined;
  let failures = 0;
  let first = true;
  while (!l.signal.aborted) {
    try {
      if (rv === undefined) {
        rv = await relist(l);
        l.failing.delete(r.plural);
        if (first) l.markSynced();
        first = false;
      }
      const seen = await watchOnce(l, rv, (next) => {
        rv = next;
        failures = 0;
        l.failing.delete(r.plural);
      });
      if (seen) failures = 0;
    } catch (error) {
      if (l.signal.aborted) break;
      // A list that keeps expiring (it changes faster than it pages) backs off like any other failure.
      if ((error instanceof ExpiredError || isExpired(error)) && rv !== undefined) {
        // The history no longer reaches back to our resourceVersion: only a fresh list is whole again.
        l.onRelist?.(
          r.plural,
          `410 Gone: ${error instanceof Error ? error.message : "resourceVersion too old"}`,
        );
        l.progress(`${r.plural}: resourceVersion ${rv} expired, listing again`);
        rv = undefined;
        continue;
      }
      failures++;
      const delay = backoffDelay(failures, l.backoff);
      // Objects may be stale: the list failed, or the server refuses the watch (RBAC without `watch`, say).
      if (rv === undefined || (error instanceof KubeApiError && error.kind === "http"))
        l.failing.set(r.plural, describeError(error));
      if (first) {
        // A resource that cannot be listed (RBAC, a slow server) is incomplete; the others need not wait for it.
        l.markSynced();
        first = false;
      }
      l.onError?.(r.plural, error, delay);
      l.progress(`${r.plural}: ${describeError(error)}; restarting in ${delay} ms`);
      await l.sleep(delay, l.signal);
    }
  }
}

/** A fresh list compared with the cache: what appeared, changed or went. Returns the list's resourceVersion. */
async function relist(l: ResourceLoop): Promise<string> {
  const r = l.resource;
  const result = await listPages(
    (path, query) =>
      l.api.getJson(path, { ...(query ? { query } : {}), signal: l.signal, timeoutMs: l.requestTimeoutMs }),
    resourcePath(r, l.namespace),
    { pageSize: l.pageSize },
  );
  const events: WatchEvent[] = [];
  const fresh = new Map<string, KubeObject>();
  for (const item of result.items) {
    const o = withKind(r, item);
    if (!o) continue;
    const key = keyOf(o);
    fresh.set(key, o);
    const old = l.cache.get(key);
    if (!old) events.push({ type: "ADDED", resource: r.plural, object: o });
    else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion)
      events.push({ type: "MODIFIED", resource: r.plural, object: o, previous: old });
  }
  for (const [key, old] of l.cache)
    if (!fresh.has(key)) events.push({ type: "DELETED", resource: r.plural, object: old, previous: old });
  l.cache.clear();
  for (const [key, o] of fresh) l.cache.set(key, o);
  l.progress(`${r.plural}: ${fresh.size} listed`);
  l.emit(events);
  return result.resourceVersion ?? "0";
}

/**
 * One watch request, events applied to the cache as they come. Returns normally when the server ends the
 * stream (its timeout), with whether any event arrived; throws ExpiredError on 410, and the failure otherwise.
 */
async function watchOnce(l: ResourceLoop, rv: string, advance: (rv: string) => void): Promise<boolean> {
  const r = l.resource;
  const query = {
    watch: "true",
    resourceVersion: rv,
    allowWatchBookmarks: "true",
    timeoutSeconds: String(l.watchTimeoutSeconds),
  };
  let seen = false;
  const onLine = (line: string) => {
    let event: { type?: unknown; object?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      throw new KubeApiError("network", 0, `watch of ${r.plural}: an event is not JSON`);
    }
    const type = event.type;
    const object = asRecord(event.object);
    if (type === "ERROR") {
      const code = typeof object?.code === "number" ? object.code : 0;
      const message = asString(object?.message) ?? "watch error";
      if (code === 410) throw new ExpiredError(message);
      throw new KubeApiError("http", code, message, asString(object?.reason));
    }
    const next = asString(asRecord(object?.metadata)?.resourceVersion);
    seen = true;
    if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
      const o = withKind(r, object);
      if (!o) return;
      const key = keyOf(o);
      const old = l.cache.get(key);
      if (type === "DELETED") l.cache.delete(key);
      else l.cache.set(key, o);
      l.emit([{ type, resource: r.plural, object: o, ...(old ? { previous: old } : {}) }]);
    }
    if (next) advance(next);
  };
  await l.api.streamLines(resourcePath(r, l.namespace), {
    query,
    signal: l.signal,
    idleMs: l.watchTimeoutSeconds * 1000 + IDLE_GRACE_MS,
    onLine,
  });
  return seen;
}
