// A live cluster turned into a Snapshot: every list the detectors need, paged, retried and bounded in time.
// What cannot be read (RBAC, a missing CRD, a slow server) is recorded in `incomplete`; the rest goes on.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Origin, Snapshot, SourcedObject } from "../engine/types.js";
import { distributionOf } from "../k8s/distribution.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import type { KubeObject } from "../k8s/types.js";
import { redact } from "../model/redact.js";
import type { Incomplete } from "../rules/finding.js";
import { createKubeApi, KubeApiError, type KubeApi } from "./kube-api.js";
import { useContext } from "./kubeconfig.js";
import { listAll, mapLimit, type RetryOptions, withRetry } from "./paging.js";
import { withoutSecretValues } from "./secret-values.js";

/** A resource the scan lists. */
export interface LiveResource {
  plural: string;
  kind: string;
  /** "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
}

function resource(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): LiveResource {
  return { group, version, plural, kind, namespaced };
}

/** What the detectors read, in the order the snapshot holds them. */
export const LIVE_RESOURCES: readonly LiveResource[] = [
  resource("", "v1", "nodes", "Node", false),
  resource("", "v1", "namespaces", "Namespace", false),
  resource("", "v1", "pods", "Pod"),
  resource("", "v1", "events", "Event"),
  resource("", "v1", "services", "Service"),
  resource("", "v1", "endpoints", "Endpoints"),
  resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
  resource("apps", "v1", "replicasets", "ReplicaSet"),
  resource("apps", "v1", "deployments", "Deployment"),
  resource("apps", "v1", "statefulsets", "StatefulSet"),
  resource("apps", "v1", "daemonsets", "DaemonSet"),
  resource("batch", "v1", "jobs", "Job"),
  resource("batch", "v1", "cronjobs", "CronJob"),
  resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
];

/** External Secrets Operator's group; v1 since ESO 0.17, v1beta1 before. */
export const EXTERNAL_SECRETS_GROUP = "external-secrets.io";
const EXTERNAL_SECRETS_VERSIONS = ["v1", "v1beta1"];

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
}

/** Fresh starts of a list whose continue token expired. */
const RELISTS = 2;
/** A log tail is lines, but one line can be huge (a JSON dump on one line). */
const LOG_LIMIT_BYTES = 1024 * 1024;

const DEFAULTS = {
  timeoutMs: 120_000,
  requestTimeoutMs: 30_000,
  pageSize: 500,
  concurrency: 4,
  tailLines: 50,
  maxPods: 50,
  retry: { attempts: 4, baseDelayMs: 500 },
};

/** `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/deployments`. */
export function resourcePath(r: LiveResource, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = namespace && r.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${scope}/${r.plural}`;
}

function apiVersionOf(r: LiveResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Items of a list come without `kind` and `apiVersion`; the detectors need both. */
function withKind(r: LiveResource, item: unknown): KubeObject {
  return withoutSecretValues({
    apiVersion: apiVersionOf(r),
    kind: r.kind,
    ...(asRecord(item) ?? {}),
  } as KubeObject);
}

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

async function getJson(
  reader: Reader,
  path: string,
  query?: Record<string, string | number>,
): Promise<unknown> {
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
  const path = resourcePath(r, namespace);
  let relisted = 0;
  const fetchPage = async (token: string | undefined) => {
    const query = { limit: pageSize, ...(token ? { continue: token } : {}) };
    const body = asRecord(await getJson(reader, path, query));
    const metadata = asRecord(body?.metadata);
    const continueToken = asString(metadata?.continue);
    const resourceVersion = asString(metadata?.resourceVersion);
    return {
      items: asList(body?.items),
      ...(continueToken ? { continueToken } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    };
  };
  try {
    const result = await listAll(fetchPage, {
      relists: RELISTS,
      onRelist: (n) => {
        relisted = n;
        reader.progress(`${r.plural}: continue token expired, listing again (${n})`);
      },
    });
    reader.progress(`${r.plural}: ${result.items.length} in ${result.pages} page(s)`);
    return result.items.map((item) => withKind(r, item));
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

/** The served version of ExternalSecret, or undefined (recorded) when the CRD is not installed. */
async function externalSecretsResource(reader: Reader): Promise<LiveResource | undefined> {
  let group: Record<string, unknown> | undefined;
  try {
    group = asRecord(await getJson(reader, `/apis/${EXTERNAL_SECRETS_GROUP}`));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      reader.incomplete.push({
        resource: "externalsecrets",
        reason: `CRD not installed: the API server does not serve ${EXTERNAL_SECRETS_GROUP}`,
      });
      return undefined;
    }
    throw error;
  }
  const served = asList(group?.versions).map((v) => asString(asRecord(v)?.version));
  const version = EXTERNAL_SECRETS_VERSIONS.find((v) => served.includes(v));
  if (!version) {
    reader.incomplete.push({
      resource: "externalsecrets",
      reason: `CRD version not supported: ${EXTERNAL_SECRETS_GROUP} serves ${served.join(", ") || "no versions"}, pitfall reads ${EXTERNAL_SECRETS_VERSIONS.join(" or ")}`,
    });
    return undefined;
  }
  return resource(EXTERNAL_SECRETS_GROUP, version, "externalsecrets", "ExternalSecret");
}

/** With `-n`, the one Namespace object (listing namespaces needs cluster-wide rights). */
async function readNamespace(reader: Reader, namespace: string): Promise<KubeObject[]> {
  const r = LIVE_RESOURCES.find((x) => x.plural === "namespaces")!;
  const body = await getJson(reader, `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
  return [withKind(r, body)];
}

/** One task per resource; a failure becomes an incomplete entry for that resource only. */
async function readResources(
  reader: Reader,
  namespace: string | undefined,
  pageSize: number,
  concurrency: number,
  only?: readonly string[],
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
        const r = await externalSecretsResource(reader);
        return r ? listResource(reader, r, namespace, pageSize) : [];
      },
    });
  const read = new Map<string, KubeObject[]>();
  await mapLimit(tasks, concurrency, async (task) => {
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
  });
  return read;
}

interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

function containerStatuses(pod: KubeObject): Record<string, unknown>[] {
  const status = asRecord(pod.status);
  return [...asList(status?.initContainerStatuses), ...asList(status?.containerStatuses)]
    .map((c) => asRecord(c))
    .filter((c): c is Record<string, unknown> => c !== undefined);
}

function restartsOf(pod: KubeObject): number {
  return containerStatuses(pod).reduce(
    (n, c) => n + (typeof c.restartCount === "number" ? c.restartCount : 0),
    0,
  );
}

/** Containers whose previous instance has something to say: crash-looping, or terminated before. */
export function previousLogContainers(pod: KubeObject): string[] {
  return containerStatuses(pod)
    .filter((c) => {
      const waiting = asRecord(asRecord(c.state)?.waiting);
      return (
        waiting?.reason === "CrashLoopBackOff" || asRecord(asRecord(c.lastState)?.terminated) !== undefined
      );
    })
    .map((c) => asString(c.name))
    .filter((name): name is string => !!name);
}

/** Containers running now, in a running pod. */
export function currentLogContainers(pod: KubeObject): string[] {
  if (asString(asRecord(pod.status)?.phase) !== "Running") return [];
  return asList(asRecord(pod.status)?.containerStatuses)
    .map((c) => asRecord(c))
    .filter((c) => asRecord(asRecord(c?.state)?.running) !== undefined)
    .map((c) => asString(c?.name))
    .filter((name): name is string => !!name);
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
    const path = `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/pods/${encodeURIComponent(r.pod)}/log`;
    try {
      const text = await withRetry(
        () =>
          reader.api.getText(path, {
            query: {
              container: r.container,
              tailLines,
              limitBytes: LOG_LIMIT_BYTES,
              ...(r.previous ? { previous: true } : {}),
            },
            signal: reader.deadline,
            timeoutMs: reader.requestTimeoutMs,
          }),
        reader.retry,
      );
      // Redacted whole, before anything splits it into lines: a private key spans lines.
      (r.previous ? out.previous : out.current).set(key, redact(text));
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
    const read = await readResources(
      reader,
      opts.namespace,
      opts.pageSize ?? DEFAULTS.pageSize,
      concurrency,
      opts.resources,
    );
    const origin: Origin = { context };
    const objects: SourcedObject[] = [];
    for (const name of [...LIVE_RESOURCES.map((r) => r.plural), "externalsecrets"]) {
      for (const object of read.get(name) ?? []) objects.push({ object, origin });
    }
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
