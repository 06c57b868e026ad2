// OOMKilled: containers killed at their memory limit, and the page's anti-pattern of raising the limit each time.
import { containersOf } from "../k8s/containers.js";
import { asRecord, metaString, pathText } from "../k8s/fields.js";
import {
  controllerChain,
  controllerRefOf,
  indexObjects,
  type ObjectIndex,
  replicaSetsOf,
  revisionOf,
} from "../k8s/owners.js";
import { perRunKept } from "../k8s/per-run.js";
import { podSpecOf } from "../k8s/podspec.js";
import { parseBytes, formatBytes } from "../k8s/quantity.js";
import { containerResources } from "../k8s/requests.js";
import {
  type ContainerStatusAt,
  containerStatusesOf,
  currentTerminated,
  lastTerminated,
  restartCountOf,
  type Termination,
} from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import type { Evidence } from "../model/finding.js";
import { ageMs, ageText } from "../k8s/duration.js";
import { defineRule, type ReportOf, type RuleContext } from "./types.js";

export const OOM_PITFALL = "oomkilled";

// An OOM kill stays in lastState until the next restart: while the container runs again, a kill older than this
// is history rather than something happening now. A container not running after the kill is still being killed.
const OOM_RECENT_MS = 86_400_000;

export interface OomKill {
  at: ContainerStatusAt;
  termination: Termination;
  /** `lastState` (the previous run) or `state` (the container is stopped now). */
  where: "lastState" | "state";
  /** Since the kill; undefined when the status has no finish time. */
  agoMs: number | undefined;
}

/**
 * Containers of a pod killed for memory recently (reason OOMKilled, in the current or the previous run). Those of
 * a pod with kills are kept for the run: the Deployments' limit history (checkAll) asks for them again.
 */
export const recentOomKills: (pod: KubeObject, now: Date) => readonly OomKill[] = perRunKept(
  killsOf,
  (kills) => kills.length > 0,
);

function killsOf(pod: KubeObject, now: Date): OomKill[] {
  const out: OomKill[] = [];
  // Asked of every pod twice (per pod, and for the Deployments' limit history); most were never OOMKilled.
  if (!saysOomKilled(pod)) return out;
  for (const at of containerStatusesOf(pod)) {
    if (!at.name || at.role === "ephemeral") continue;
    const current = currentTerminated(at.status);
    const last = lastTerminated(at.status);
    const kill =
      current?.reason === "OOMKilled"
        ? { termination: current, where: "state" as const }
        : last?.reason === "OOMKilled"
          ? { termination: last, where: "lastState" as const }
          : undefined;
    if (!kill) continue;
    const agoMs = ageMs(kill.termination.finishedAt, now);
    const running = asRecord(asRecord(at.status.state)?.running) !== undefined;
    if (running && agoMs !== undefined && agoMs > OOM_RECENT_MS) continue;
    out.push({ at, ...kill, agoMs });
  }
  return out;
}

const STATUS_LISTS = ["initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"] as const;

/** Whether any container status of the pod says OOMKilled, in its state or its last state (nothing made to ask). */
function saysOomKilled(pod: KubeObject): boolean {
  const status = asRecord(pod.status);
  if (!status) return false;
  for (const key of STATUS_LISTS) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const s = asRecord(list[i]);
      if (!s) continue;
      if (terminatedReason(s.state) === "OOMKilled" || terminatedReason(s.lastState) === "OOMKilled")
        return true;
    }
  }
  return false;
}

function terminatedReason(state: unknown): unknown {
  return asRecord(asRecord(state)?.terminated)?.reason;
}

/** A container's memory limit in a pod spec (its own, else a pod-level one), with where it is written. */
export function memoryLimitOf(
  podSpec: unknown,
  container: string,
): { bytes: number; path: (string | number)[] } | undefined {
  const c = containersOf(podSpec).find((x) => x.name === container);
  const own = c ? containerResources(c.container).limits.memory : undefined;
  if (c && own !== undefined) return { bytes: own, path: [...c.path, "resources", "limits", "memory"] };
  const pod = parseBytes(asRecord(asRecord(asRecord(podSpec)?.resources)?.limits)?.memory);
  return pod === undefined ? undefined : { bytes: pod, path: ["resources", "limits", "memory"] };
}

export interface LimitRevision {
  replicaSet: string;
  revision: number | undefined;
  bytes: number | undefined;
}

/**
 * The container's memory limit in each revision of the pod's Deployment up to the pod's own ReplicaSet, oldest
 * first; undefined when the pod is not a Deployment's.
 */
function limitHistory(
  pod: KubeObject,
  container: string,
  replicaSetsOf: (deployment: KubeObject) => readonly KubeObject[],
  index: ObjectIndex,
): { deployment: KubeObject; revisions: LimitRevision[] } | undefined {
  const chain = controllerChain(pod, index);
  const rs = chain[0]?.ref.kind === "ReplicaSet" ? chain[0].object : undefined;
  const deployment = chain[1]?.ref.kind === "Deployment" ? chain[1].object : undefined;
  if (!rs || !deployment) return undefined;
  const revisions: LimitRevision[] = [];
  for (const r of replicaSetsOf(deployment)) {
    const spec = podSpecOf(r)?.spec;
    revisions.push({
      replicaSet: metaString(r, "name") ?? "",
      revision: revisionOf(r),
      bytes: spec ? memoryLimitOf(spec, container)?.bytes : undefined,
    });
    if (r === rs) return { deployment, revisions };
  }
  return undefined;
}

/** Raised when the pod's revision has a higher limit than an earlier one. */
export function limitRaised(revisions: readonly LimitRevision[]): { from: number; to: number } | undefined {
  const known = revisions.filter((r): r is LimitRevision & { bytes: number } => r.bytes !== undefined);
  const current = known[known.length - 1];
  if (!current || known.length < 2) return undefined;
  const lowest = Math.min(...known.slice(0, -1).map((r) => r.bytes));
  return current.bytes > lowest ? { from: lowest, to: current.bytes } : undefined;
}

function killEvidence(kill: OomKill): Evidence {
  const t = kill.termination;
  const parts = [`${t.reason}`];
  if (t.exitCode !== undefined) parts.push(`exit code ${t.exitCode}`);
  if (kill.agoMs !== undefined) parts.push(`finished ${ageText(kill.agoMs)} ago`);
  return {
    kind: "status",
    text: parts.join(", "),
    source: pathText([...kill.at.path, kill.where, "terminated"]),
  };
}

const MESSAGES = {
  "oom-killed":
    "container {{container}} of pod {{pod}} was OOMKilled {{ago}} ago at its memory limit of {{limit}} ({{restarts}} restarts)",
  "oom-killed-no-limit":
    "container {{container}} of pod {{pod}} was OOMKilled {{ago}} ago; it has no memory limit, so the node itself ran short of memory ({{restarts}} restarts)",
  "limit-raised":
    "the memory limit of container {{container}} in Deployment {{deployment}} was raised from {{from}} to {{to}} over {{revisions}} revisions and pod {{pod}} is still OOMKilled: look for the leak before raising it again",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const oomKilledRule = defineRule({
  meta: {
    id: "oom-killed",
    pitfall: OOM_PITFALL,
    runs: ["live"],
    description:
      "Containers OOMKilled and not running again, or killed in the last day, with their memory limit; and the memory limit raised over the Deployment's revisions while the kills go on.",
    looksAt:
      "status.containerStatuses[].lastState.terminated.reason, resources.limits.memory, the Deployment's ReplicaSets by revision",
    kinds: ["Pod"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const pod = object.object;
    const podName = metaString(pod, "name") ?? "";
    const namespace = metaString(pod, "namespace") ?? "";
    const spec = asRecord(pod.spec);
    const out: Reported[] = [];
    for (const kill of recentOomKills(pod, ctx.now)) {
      const name = kill.at.name;
      const limit = memoryLimitOf(spec, name);
      const evidence: Evidence[] = [killEvidence(kill)];
      if (limit) {
        evidence.push({
          kind: "status",
          text: `memory limit ${formatBytes(limit.bytes)}`,
          source: pathText(["spec", ...limit.path]),
        });
      }
      const data = {
        container: name,
        pod: podName,
        ago: kill.agoMs === undefined ? "some time" : ageText(kill.agoMs),
        restarts: restartCountOf(kill.at.status),
      };
      out.push({
        ...(limit
          ? { messageId: "oom-killed", data: { ...data, limit: formatBytes(limit.bytes) } }
          : { messageId: "oom-killed-no-limit", data }),
        path: [...kill.at.path, kill.where, "terminated"],
        container: name,
        evidence,
        values: { "pod-name": podName, namespace, container: name },
      });
    }
    return out;
  },
  // One report per Deployment and container, however many of its pods are being killed.
  checkAll(ctx) {
    let revisions: Revisions | undefined;
    const seen = new Set<string>();
    const out: (Reported & { object: SourcedObject })[] = [];
    const pods = ctx.lookup.objectsOfKind("Pod");
    // Indexed: once per run over a cluster's pods (see engine/lookup).
    for (let i = 0; i < pods.length; i++) {
      const pod = pods[i]!;
      const kills = recentOomKills(pod, ctx.now);
      for (let k = 0; k < kills.length; k++) {
        const kill = kills[k]!;
        revisions ??= revisionsOf(ctx.lookup);
        const report = limitRaisedReport(ctx, pod, kill, revisions, seen);
        if (report) out.push(report);
      }
    }
    return out;
  },
});

/** What the limit history reads: a Deployment's ReplicaSets, and the owner links from a pod to them. */
interface Revisions {
  replicaSetsOf: (deployment: KubeObject) => readonly KubeObject[];
  owners: ObjectIndex;
}

/**
 * Made once per run, at the first kill. Revisions are ReplicaSets of the Deployment's namespace (grouped once,
 * each Deployment's sorted once however many of its pods were killed), and the owner links followed (pod →
 * ReplicaSet → Deployment) need an index of those two kinds only, a third of a cluster's objects without its pods.
 */
function revisionsOf(lookup: RuleContext["lookup"]): Revisions {
  const replicaSets = lookup.objectsOfKind("ReplicaSet");
  // Candidates by the uid and by the name their controller reference gives; replicaSetsOf still decides which
  // are the Deployment's, over these few (in snapshot order) instead of every ReplicaSet.
  const byUid = new Map<string, number[]>();
  const byName = new Map<string, number[]>();
  replicaSets.forEach((rs, i) => {
    const ref = controllerRefOf(rs);
    if (ref?.uid) push(byUid, ref.uid, i);
    if (ref) push(byName, ref.name, i);
  });
  const sorted = new Map<KubeObject, KubeObject[]>();
  return {
    owners: indexObjects([...replicaSets, ...lookup.objectsOfKind("Deployment")]),
    replicaSetsOf(deployment) {
      let list = sorted.get(deployment);
      if (!list) {
        const uid = metaString(deployment, "uid");
        const name = metaString(deployment, "name");
        const at = new Set([
          ...(uid ? (byUid.get(uid) ?? []) : []),
          ...(name ? (byName.get(name) ?? []) : []),
        ]);
        const candidates = [...at].sort((a, b) => a - b).map((i) => replicaSets[i]!);
        list = replicaSetsOf(deployment, candidates);
        sorted.set(deployment, list);
      }
      return list;
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function limitRaisedReport(
  ctx: RuleContext,
  pod: KubeObject,
  kill: OomKill,
  revisions: Revisions,
  seen: Set<string>,
): (Reported & { object: SourcedObject }) | undefined {
  const container = kill.at.name;
  const history = limitHistory(pod, container, revisions.replicaSetsOf, revisions.owners);
  if (!history) return undefined;
  const raised = limitRaised(history.revisions);
  if (!raised) return undefined;
  const namespace = metaString(pod, "namespace") ?? "";
  const deploymentName = metaString(history.deployment, "name") ?? "";
  const key = `${namespace}/${deploymentName}/${container}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const deployment = ctx.lookup.get("Deployment", namespace, deploymentName);
  if (!deployment) return undefined;
  const podName = metaString(pod, "name") ?? "";
  const evidence: Evidence[] = history.revisions.map((r) => ({
    kind: "history",
    text: `revision ${r.revision ?? "?"} (${r.replicaSet}): memory limit ${r.bytes === undefined ? "none" : formatBytes(r.bytes)}`,
    source: `ReplicaSet ${r.replicaSet}`,
  }));
  evidence.push(killEvidence(kill));
  // Point at the limit in the Deployment's template: that is what was raised.
  const template = podSpecOf(history.deployment);
  const limitPath = template ? memoryLimitOf(template.spec, container)?.path : undefined;
  return {
    messageId: "limit-raised",
    ...(template && limitPath ? { path: [...template.path, ...limitPath] } : {}),
    data: {
      container,
      deployment: deploymentName,
      pod: podName,
      from: formatBytes(raised.from),
      to: formatBytes(raised.to),
      revisions: history.revisions.length,
    },
    container,
    evidence,
    values: { "pod-name": podName, namespace, container },
    object: deployment,
  };
}
