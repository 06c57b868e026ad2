// What the cluster and Redis say about what a command touches, read-only, for the GUARD lines that ask:
// `target` (the object a kubectl command names: does it exist, was it OOMKilled) and `stream` (a Redis stream:
// which consumers are dead and hold entries).
import type { RedisConfig } from "../config/model.js";
import { formatDuration } from "../k8s/duration.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import type { CommandValue } from "../sources/command.js";
import type { LiveResource } from "../sources/kube-read.js";
import type { KubeAccess } from "../sources/kubeconfig.js";
import type { RedisSource } from "./scan.js";

export interface TargetFacts {
  kind: string;
  name: string;
  namespace: string;
  context: string;
  exists: boolean;
  /** Pods of the object (itself for a Pod) that the cluster lists now. */
  pods: number;
  restarts: number;
  /** A container of one of its pods was OOMKilled (last state or current). */
  oomKilled: boolean;
  /** `pod/container` of each OOMKilled container. */
  oomKilledContainers: string[];
}

export interface StreamFacts {
  key: string;
  group: string;
  exists: boolean;
  /** Consumers judged dead (not seen for the idle threshold) that hold entries. */
  deadConsumers: string[];
  /** Entries those consumers hold. */
  deadPending: number;
  /** Ids of the entries they hold (as far as read). */
  deadIds: string[];
  liveConsumers: string[];
  /** How dead was judged, for the answer. */
  judgedBy: string;
}

/** Kinds a guard looks up besides those a live read lists (sources/kube-read.ts). */
const MORE_KINDS: readonly LiveResource[] = [
  { group: "argoproj.io", version: "v1alpha1", plural: "rollouts", kind: "Rollout", namespaced: true },
];
/** Kinds whose pods a guard reads: a Pod itself, or a workload through its selector. */
const LOOKED_UP = new Set([
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Rollout",
]);

export class FactError extends Error {
  override name = "FactError";
}

/**
 * The object a kubectl command names, read from the cluster the command would talk to (its `--context`, else the
 * source's). Throws FactError with what could not be read.
 */
export async function readTargetFacts(
  command: CommandValue,
  access: KubeAccess & { context?: string },
  timeoutMs: number,
): Promise<TargetFacts> {
  const { LIVE_RESOURCES, listPages, resourcePath } = await import("../sources/kube-read.js");
  const api = LOOKED_UP.has(command.kind)
    ? [...LIVE_RESOURCES, ...MORE_KINDS].find((r) => r.kind === command.kind)
    : undefined;
  if (!command.name || !api)
    throw new FactError(
      command.kind && !api
        ? `the guard does not look up ${command.kind} objects`
        : "the command names no object to look up (give it as kind/name)",
    );
  const { kubeAccessOf, loadKubeConfig, KubeConfigError } = await import("../sources/kubeconfig.js");
  const { createKubeApi, KubeApiError } = await import("../sources/kube-api.js");
  let kc: Awaited<ReturnType<typeof loadKubeConfig>>;
  const context = command.context || access.context;
  try {
    kc = await loadKubeConfig({ ...kubeAccessOf(access), ...(context ? { context } : {}) });
  } catch (e) {
    if (e instanceof KubeConfigError) throw new FactError(`no cluster to ask: ${e.message}`);
    throw e;
  }
  const namespace = command.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || "default";
  const facts: TargetFacts = {
    kind: command.kind,
    name: command.name,
    namespace,
    context: kc.getCurrentContext(),
    exists: false,
    pods: 0,
    restarts: 0,
    oomKilled: false,
    oomKilledContainers: [],
  };
  const client = await createKubeApi(kc);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const object = asRecord(
      await client.getJson(`${resourcePath(api, namespace)}/${encodeURIComponent(command.name)}`, {
        signal,
        timeoutMs,
      }),
    );
    facts.exists = true;
    let pods: unknown[] = [object];
    if (command.kind !== "Pod") {
      const labelSelector = selectorOf(object);
      if (!labelSelector) return facts;
      const podsResource = LIVE_RESOURCES.find((r) => r.kind === "Pod")!;
      const list = await listPages(
        (path, query) => client.getJson(path, { query: { ...query, labelSelector }, signal, timeoutMs }),
        resourcePath(podsResource, namespace),
        { pageSize: 500 },
      );
      pods = list.items;
    }
    facts.pods = pods.length;
    for (const pod of pods) addPod(facts, pod);
    return facts;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return facts;
    if (e instanceof KubeApiError)
      throw new FactError(`the cluster (${facts.context}) could not be read: ${e.describe()}`);
    throw e;
  }
}

/** `app=x,tier=y` from `spec.selector.matchLabels` (or a CronJob's pod template labels). */
function selectorOf(object: Record<string, unknown> | undefined): string | undefined {
  const spec = asRecord(object?.spec);
  const labels =
    asRecord(asRecord(spec?.selector)?.matchLabels) ??
    asRecord(
      asRecord(asRecord(asRecord(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template)?.metadata)?.labels),
    );
  const pairs = Object.entries(labels ?? {}).filter(([, v]) => typeof v === "string");
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(",") : undefined;
}

function addPod(facts: TargetFacts, pod: unknown): void {
  const name = asString(asRecord(asRecord(pod)?.metadata)?.name) ?? "";
  const status = asRecord(asRecord(pod)?.status);
  for (const s of [...asList(status?.initContainerStatuses), ...asList(status?.containerStatuses)]) {
    const cs = asRecord(s);
    const restarts = cs?.restartCount;
    if (typeof restarts === "number") facts.restarts += restarts;
    const reasons = [asRecord(cs?.lastState), asRecord(cs?.state)].map((st) =>
      asString(asRecord(st?.terminated)?.reason),
    );
    if (reasons.includes("OOMKilled")) {
      facts.oomKilled = true;
      facts.oomKilledContainers.push(`${name}/${asString(cs?.name) ?? ""}`);
    }
  }
}

/** The Redis a redis-cli command talks to, and the password the guard may send it. */
export interface StreamSource {
  redis: RedisSource;
  /** The configured Redis (`redis:` in the config, `--redis`). */
  config?: RedisConfig;
  defaultPort: number;
  /** May the guard connect to a server the command names that is not the configured one? */
  otherServers: boolean;
}

/**
 * A stream's consumer groups read with XINFO and XPENDING (never a write): which consumers are dead and what they
 * hold. The configured password goes only to the configured server.
 */
export async function readStreamFacts(command: CommandValue, source: StreamSource): Promise<StreamFacts> {
  if (!command.stream) throw new FactError("the command names no stream key");
  const redis = await import("../sources/redis.js");
  const own = redis.redisTargetOf({
    ...(source.redis.url ? { url: source.redis.url } : {}),
    ...(source.config ? { config: source.config } : {}),
    ...(source.redis.password ? { password: source.redis.password } : {}),
    defaultPort: source.defaultPort,
  });
  let target = own;
  if (command.host || command.port) {
    const asked = redis.redisTargetOf({
      url: `redis://${command.host || own.host}:${command.port || own.port}`,
      defaultPort: source.defaultPort,
    });
    const same = asked.host.toLowerCase() === own.host.toLowerCase() && asked.port === own.port;
    if (!same && !source.otherServers)
      throw new FactError(
        `the command talks to ${redis.describeTarget(asked)}, not the Redis the guard may read (${redis.describeTarget(own)})`,
      );
    if (!same) target = asked;
  }
  const where = redis.describeTarget(target);
  let client: Awaited<ReturnType<typeof redis.connectRedis>>;
  try {
    client = await redis.connectRedis(target, { timeoutMs: source.redis.timeoutMs });
  } catch (e) {
    throw new FactError(
      `Redis at ${where} could not be read: ${redis.safeMessage(String((e as Error).message), target)}`,
    );
  }
  try {
    const snapshot = await redis.readStreams(client, {
      pattern: command.stream.replace(/[*?[\]\\]/g, "\\$&"),
      ...(command.group ? { groups: [command.group] } : {}),
    });
    const { judgeConsumers } = await import("../rules/stream-consumers.js");
    const stream = snapshot.streams.find((s) => s.key === command.stream);
    const facts: StreamFacts = {
      key: command.stream,
      group: command.group,
      exists: Boolean(stream),
      deadConsumers: [],
      deadPending: 0,
      deadIds: [],
      liveConsumers: [],
      judgedBy: `not seen for ${formatDuration(source.redis.idleMs)} (Redis at ${where})`,
    };
    for (const group of stream?.groups ?? []) {
      for (const v of judgeConsumers(group, { idleMs: source.redis.idleMs })) {
        if (v.live) facts.liveConsumers.push(v.consumer.name);
        else if (v.consumer.pending > 0) {
          facts.deadConsumers.push(v.consumer.name);
          facts.deadPending += v.consumer.pending;
          facts.deadIds.push(...group.entries.filter((e) => e.consumer === v.consumer.name).map((e) => e.id));
        }
      }
    }
    return facts;
  } finally {
    await client.close();
  }
}
