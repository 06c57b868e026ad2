// A live cluster turned into a Snapshot: every list the detectors need, paged, retried and bounded in time.
// What cannot be read (RBAC, a missing CRD, a slow server) is recorded in `incomplete`; the rest goes on.
import type { KubeConfig } from "@kubernetes/client-node";
import { distributionOf } from "../k8s/distribution.js";
import { asRecord, asString } from "../k8s/fields.js";
import { restartsOf, currentLogContainers, previousLogContainers } from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import type { Incomplete, Origin, Snapshot, SourcedObject } from "../model/snapshot.js";
import { createKubeApi, KubeApiError, type KubeApi, type Query } from "./kube-api.js";
import {
  externalSecretsResource,
  LIVE_RESOURCES,
  type LiveResource,
  type LogRequest,
  listPages,
  NAMESPACES,
  readLogTail,
  resourcePath,
  withKind,
} from "./kube-read.js";
import { useContext } from "./kubeconfig.js";
import { mapLimit, type RetryOptions, withRetry } from "./paging.js";

export interface LiveLogOptions {
  /** Previous-instance logs of crash-looping or restarted containers. */
  previous: boolean;
  /** Current log tails of running containers (to find e.g. `connect: connection refused`). */
  current?: boolean;
  /** Default 50. */
  tailLines?: number;
  /** Pods whose logs are fetched, per kind of log; those restarting most come first. Default 50. */
  maxPods?: number;
  /** Which containers' logs are fetched; default: previousLogContainers and currentLogContainers. */
  containers?: { previous(pod: KubeObject): string[]; current(pod: KubeObject): string[] };
}

export interface ReadClusterOptions {
  kubeConfig: KubeConfig;
  /** Made current in `kubeConfig` when given; default: its current context. */
  context?: string;
  /** Only this namespace (nodes, being cluster-scoped, are still read). */
  namespace?: string;
  /** The whole read; what is not done by then is recorded as incomplete. Default 120 s. */
  timeoutMs?: number;
  /** One request, body included. Default 30 s (never more than `timeoutMs`). */
  requestTimeoutMs?: number;
  /** Items per list page (`limit`). Default 500. */
  pageSize?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Default: previous logs only. `false`: no logs. */
  logs?: LiveLogOptions | false;
  /** Only these resources (plurals, e.g. `["pods"]`); default: all the detectors need. */
  resources?: readonly string[];
  onProgress?: (message: string) => void;
  /** Default: 4 tries, back-off from 500 ms. */
  retry?: Pick<RetryOptions, "attempts" | "baseDelayMs"> & Partial<RetryOptions>;
  /**
   * Called once when every list but the events is read while the events (the longest list of a big cluster,
   * paged one page after another) still are: what is read so far, in the snapshot's order, without events and
   * logs. A scan checks those objects meanwhile (service/scan-early). Not called when nodes could not be read.
   */
  whileEventsRead?: (partial: Snapshot) => void;
}

/** Events come last in a live snapshot: what is read before them can be checked while they are read. */
const OBJECT_ORDER = [
  ...LIVE_RESOURCES.map((r) => r.plural).filter((p) => p !== "events"),
  "externalsecrets",
  "events",
];

/** Fresh starts of a list whose continue token expired. */
const RELISTS = 2;

const DEFAULTS = {
  timeoutMs: 120_000,
  requestTimeoutMs: 30_000,
  pageSize: 500,
  concurrency: 4,
  tailLines: 50,
  maxPods: 50,
  retry: { attempts: 4, baseDelayMs: 500 },
};

/** Everything one read shares: the API, the deadline, the settings. */
interface Reader {
  api: KubeApi;
  deadline: AbortSignal;
  timeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryOptions;
  progress: (message: string) => void;
  incomplete: Incomplete[];
}

/** The reason an incomplete entry gives: the server's answer when there was one, else the deadline. */
function describeFailure(reader: Reader, error: unknown): string {
  if (error instanceof KubeApiError && error.kind !== "aborted") return error.describe();
  if (reader.deadline.aborted || error instanceof KubeApiError) {
    return `timed out: the read did not finish within ${reader.timeoutMs} ms`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function getJson(reader: Reader, path: string, query?: Query): Promise<unknown> {
  return withRetry(
    () =>
      reader.api.getJson(path, {
        ...(query ? { query } : {}),
        signal: reader.deadline,
        timeoutMs: reader.requestTimeoutMs,
      }),
    reader.retry,
  );
}

async function listResource(
  reader: Reader,
  r: LiveResource,
  namespace: string | undefined,
  pageSize: number,
): Promise<KubeObject[]> {
  let relisted = 0;
  try {
    const result = await listPages(
      async (path, query) => kindedPage(r, await getJson(reader, path, query)),
      resourcePath(r, namespace),
      {
        pageSize,
        relists: RELISTS,
        onRelist: (n) => {
          relisted = n;
          reader.progress(`${r.plural}: continue token expired, listing again (${n})`);
        },
      },
    );
    reader.progress(`${r.plural}: ${result.items.length} in ${result.pages} page(s)`);
    return (result.items as (KubeObject | undefined)[]).filter((o) => o !== undefined);
  } catch (error) {
    // The Status text of a 410 is long and generic; say what happened and what helps.
    if (relisted === RELISTS && error instanceof KubeApiError && error.status === 410) {
      throw new KubeApiError(
        "http",
        410,
        `the continue token expired on each of ${RELISTS + 1} tries (the list changes faster than it can be paged); a larger page size needs fewer pages`,
        error.reason,
      );
    }
    throw error;
  }
}

/**
 * A page with its items made objects of the resource's kind (withKind; undefined where one cannot be) as it comes
 * in, between the reads of the pages, rather than all at once after the last: at 50,000 events, the read ended
 * some 50 ms after its last page; now some 15 ms (bench:scan's simulator).
 */
function kindedPage(r: LiveResource, body: unknown): unknown {
  const page = asRecord(body);
  if (!page || !Array.isArray(page.items)) return body;
  return { ...page, items: page.items.map((item: unknown) => withKind(r, item)) };
}

/** The served version of ExternalSecret, or undefined (recorded) when it cannot be read. */
async function externalSecrets(reader: Reader): Promise<LiveResource | undefined> {
  const served = await externalSecretsResource((path, query) => getJson(reader, path, query));
  if ("resource" in served) return served.resource;
  reader.incomplete.push({ resource: "externalsecrets", reason: served.problem });
  return undefined;
}

/** With `-n`, the one Namespace object (listing namespaces needs cluster-wide rights). */
async function readNamespace(reader: Reader, namespace: string): Promise<KubeObject[]> {
  const body = await getJson(reader, `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
  return [withKind(NAMESPACES, body)].filter((o) => o !== undefined);
}

/** One task per resource; a failure becomes an incomplete entry for that resource only. */
async function readResources(
  reader: Reader,
  namespace: string | undefined,
  pageSize: number,
  concurrency: number,
  only?: readonly string[],
  whileEvents?: (read: Map<string, KubeObject[]>) => void,
): Promise<Map<string, KubeObject[]>> {
  const tasks: { name: string; run: () => Promise<KubeObject[]> }[] = LIVE_RESOURCES.filter(
    (r) => !only || only.includes(r.plural),
  ).map((r) => ({
    name: r.plural,
    run: () =>
      r.plural === "namespaces" && namespace
        ? readNamespace(reader, namespace)
        : listResource(reader, r, namespace, pageSize),
  }));
  if (!only || only.includes("externalsecrets"))
    tasks.push({
      name: "externalsecrets",
      run: async () => {
        const r = await externalSecrets(reader);
        return r ? listResource(reader, r, namespace, pageSize) : [];
      },
    });
  const read = new Map<string, KubeObject[]>();
  const pending = new Set(tasks.map((t) => t.name));
  await mapLimit(tasks, concurrency, async (task) => {
    try {
      if (reader.deadline.aborted) {
        reader.incomplete.push({ resource: task.name, reason: describeFailure(reader, undefined) });
        return;
      }
      try {
        read.set(task.name, await task.run());
      } catch (error) {
        reader.incomplete.push({ resource: task.name, reason: describeFailure(reader, error) });
        reader.progress(`${task.name}: not read`);
      }
    } finally {
      pending.delete(task.name);
      if (whileEvents && pending.size === 1 && pending.has("events")) {
        try {
          whileEvents(read);
        } catch (error) {
          // What is done meanwhile is the caller's; the read goes on without it.
          reader.progress(
            `while the events are read: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  });
  return read;
}

/** Pods with something to log, most restarts first, at most `maxPods` of them. */
function logRequests(
  pods: readonly KubeObject[],
  previous: boolean,
  maxPods: number,
  containers?: LiveLogOptions["containers"],
): { requests: LogRequest[]; pods: number; skipped: number } {
  const pick = previous
    ? (containers?.previous ?? previousLogContainers)
    : (containers?.current ?? currentLogContainers);
  const candidates = pods
    .map((pod) => ({ pod, containers: pick(pod), restarts: restartsOf(pod) }))
    .filter((c) => c.containers.length > 0)
    .sort(
      (a, b) =>
        b.restarts - a.restarts ||
        String(a.pod.metadata?.namespace).localeCompare(String(b.pod.metadata?.namespace)) ||
        String(a.pod.metadata?.name).localeCompare(String(b.pod.metadata?.name)),
    );
  const chosen = candidates.slice(0, Math.max(0, maxPods));
  const requests = chosen.flatMap(({ pod, containers }) =>
    containers.map((container) => ({
      namespace: String(pod.metadata?.namespace ?? ""),
      pod: String(pod.metadata?.name ?? ""),
      container,
      previous,
    })),
  );
  return { requests, pods: chosen.length, skipped: candidates.length - chosen.length };
}

/** Fetches logs; failures are recorded, a 403 once for all (RBAC on pods/log is all or nothing per namespace). */
async function readLogs(
  reader: Reader,
  pods: readonly KubeObject[],
  opts: LiveLogOptions,
  concurrency: number,
): Promise<{ previous: Map<string, string>; current: Map<string, string> }> {
  const out = { previous: new Map<string, string>(), current: new Map<string, string>() };
  const tailLines = opts.tailLines ?? DEFAULTS.tailLines;
  const maxPods = opts.maxPods ?? DEFAULTS.maxPods;
  const requests: LogRequest[] = [];
  for (const previous of [true, false]) {
    if (previous ? !opts.previous : !opts.current) continue;
    const picked = logRequests(pods, previous, maxPods, opts.containers);
    for (const r of picked.requests) requests.push(r);
    if (picked.skipped > 0) {
      reader.incomplete.push({
        resource: "pods/log",
        reason: `${previous ? "previous" : "current"} logs read for ${picked.pods} of ${picked.pods + picked.skipped} pods (the first ${maxPods}, most restarts first)`,
      });
    }
  }
  if (requests.length === 0) return out;
  reader.progress(`logs: reading ${requests.length}`);
  let forbidden = false;
  let timedOut = 0;
  await mapLimit(requests, concurrency, async (r) => {
    if (forbidden) return;
    if (reader.deadline.aborted) {
      timedOut++;
      return;
    }
    const key = `${r.namespace}/${r.pod}/${r.container}`;
    try {
      const text = await withRetry(
        () =>
          readLogTail(reader.api, r, {
            signal: reader.deadline,
            timeoutMs: reader.requestTimeoutMs,
            tailLines,
          }),
        reader.retry,
      );
      (r.previous ? out.previous : out.current).set(key, text);
    } catch (error) {
      if (reader.deadline.aborted) {
        timedOut++;
        return;
      }
      if (error instanceof KubeApiError && error.status === 403) {
        if (!forbidden) reader.incomplete.push({ resource: "pods/log", reason: error.describe() });
        forbidden = true;
        return;
      }
      const which = r.previous ? "previous" : "current";
      reader.incomplete.push({
        resource: "pods/log",
        reason: `${key} (${which}): ${describeFailure(reader, error)}`,
      });
    }
  });
  if (timedOut > 0) {
    reader.incomplete.push({
      resource: "pods/log",
      reason: `${timedOut} log(s) not read: the read did not finish within ${reader.timeoutMs} ms`,
    });
  }
  return out;
}

/** When nodes cannot be read, a k3s server still says so in its version (`v1.34.1+k3s1`). */
async function distributionFromVersion(reader: Reader): Promise<"k3s" | undefined> {
  if (reader.deadline.aborted) return undefined;
  try {
    const version = asString(asRecord(await getJson(reader, "/version"))?.gitVersion);
    return version?.includes("+k3s") ? "k3s" : undefined;
  } catch {
    return undefined;
  }
}

/** Reads what the detectors need from the cluster of the current (or given) context. */
export async function readCluster(opts: ReadClusterOptions): Promise<Snapshot> {
  const takenAt = new Date().toISOString();
  const kc = opts.kubeConfig;
  const context = useContext(kc, opts.context);
  const api = await createKubeApi(kc);
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const progress = opts.onProgress ?? (() => {});
  const reader: Reader = {
    api,
    deadline: controller.signal,
    timeoutMs,
    requestTimeoutMs: Math.min(opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs, timeoutMs),
    retry: {
      ...DEFAULTS.retry,
      ...opts.retry,
      signal: controller.signal,
      onRetry: (error, attempt, delayMs) =>
        progress(`retrying in ${delayMs} ms (try ${attempt + 1}): ${describeFailure(reader, error)}`),
    },
    progress,
    incomplete: [],
  };
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULTS.concurrency);

  try {
    progress(
      `reading ${context}${opts.namespace ? ` (namespace ${opts.namespace})` : ""} at ${reader.api.server}`,
    );
    const origin: Origin = { context };
    const objectsOf = (read: Map<string, KubeObject[]>) => {
      const objects: SourcedObject[] = [];
      for (const name of OBJECT_ORDER)
        for (const object of read.get(name) ?? []) objects.push({ object, origin });
      return objects;
    };
    const whileEvents = opts.whileEventsRead;
    /** The objects given to `whileEvents`: the snapshot begins with these very ones. */
    let firstPart: SourcedObject[] | undefined;
    const read = await readResources(
      reader,
      opts.namespace,
      opts.pageSize ?? DEFAULTS.pageSize,
      concurrency,
      opts.resources,
      whileEvents &&
        ((partial) => {
          if (!partial.has("nodes")) return;
          const distribution = distributionOf(partial.get("nodes")!);
          firstPart = objectsOf(partial);
          whileEvents({
            target: { kind: "cluster", name: context, context, ...(distribution ? { distribution } : {}) },
            objects: firstPart,
            diagnostics: [],
            incomplete: [...reader.incomplete],
            takenAt,
          });
        }),
    );
    const objects = firstPart ? [...firstPart] : objectsOf(read);
    if (firstPart) for (const object of read.get("events") ?? []) objects.push({ object, origin });
    const nodes = read.get("nodes") ?? [];
    const distribution = read.has("nodes")
      ? distributionOf(nodes)
      : opts.resources
        ? undefined
        : await distributionFromVersion(reader);

    const snapshot: Snapshot = {
      target: { kind: "cluster", name: context, context, ...(distribution ? { distribution } : {}) },
      objects,
      diagnostics: [],
      incomplete: reader.incomplete,
      takenAt,
    };
    const logs = opts.logs === undefined ? { previous: true } : opts.logs;
    const pods = read.get("pods");
    if (logs && pods) {
      const fetched = await readLogs(reader, pods, logs, concurrency);
      snapshot.previousLogs = fetched.previous;
      snapshot.currentLogs = fetched.current;
    }
    return snapshot;
  } finally {
    clearTimeout(timer);
  }
}
