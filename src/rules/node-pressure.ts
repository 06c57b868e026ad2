// Resource starvation on live nodes: requests over the page's 80%, pressure conditions, evicted pods.
// (Containers without requests or limits are the `resources` rule's, which runs live too.)
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { formatCpu, formatBytes } from "../k8s/quantity.js";
import {
  type NodeRequests,
  nodeUsage,
  podRequests,
  type Requested,
  requestedPerNode,
} from "../k8s/requests.js";
import { conditionsOf, isTerminated } from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import type { Evidence } from "../model/finding.js";
import { ageMs, ageText } from "../k8s/duration.js";
import { clip } from "../model/redact.js";
import { fractionSetting } from "./options.js";
import { defineRule, type Lookup, type ReportOf } from "./types.js";

export const STARVATION_PITFALL = "resource-starvation";

const PRESSURES = ["MemoryPressure", "DiskPressure", "PIDPressure"] as const;
// Evicted pods listed per node in the evidence; the rest are counted.
const MAX_LISTED = 10;
// The largest requesters named in the evidence of a node over the threshold.
const TOP_REQUESTERS = 3;

/** A pod the kubelet evicted (phase Failed, reason Evicted). */
function isEvicted(pod: KubeObject): boolean {
  return asString(asRecord(pod.status)?.reason) === "Evicted";
}

type Resource = "cpu" | "memory";
const FORMAT: Record<Resource, (n: number) => string> = { cpu: formatCpu, memory: formatBytes };

const MESSAGES = {
  "requests-over":
    "pods on node {{node}} request {{percent}}% of its allocatable {{resource}} ({{requested}} of {{allocatable}}), over the {{threshold}}% limit",
  pressure: "node {{node}} reports {{condition}} ({{reason}})",
  evicted: "node {{node}} has evicted {{count}} pod(s), most recently {{pod}}",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const nodePressureRule = defineRule({
  meta: {
    id: "node-pressure",
    pitfall: STARVATION_PITFALL,
    runs: ["live"],
    description:
      "Nodes whose pods request more than the page's share of allocatable CPU or memory, nodes under memory, disk or PID pressure, and pods evicted from them.",
    looksAt:
      "Node status.allocatable and status.conditions; requests of the non-terminated pods bound to each node; Pod status.reason Evicted",
    kinds: ["Node"],
    messages: MESSAGES,
  },
  options: (config) => ({ threshold: fractionSetting(config.expect, "requestsThreshold") }),
  check(ctx, object) {
    const node = object.object;
    const nodeName = metaString(node, "name");
    if (!nodeName) return [];
    const values = { node: nodeName };
    const out: Reported[] = [];
    const usage = usageOf(ctx.lookup, node);
    const threshold = ctx.options.threshold;
    for (const resource of ["cpu", "memory"] as const) {
      const percent = usage?.percent[resource];
      if (!usage || percent === undefined || percent <= threshold * 100) continue;
      const fmt = FORMAT[resource];
      const evidence: Evidence[] = [
        {
          kind: "status",
          text: `${usage.pods} non-terminated pods request ${fmt(usage.requested[resource])} ${resource} of ${fmt(usage.allocatable[resource])} allocatable (${Math.floor(percent)}%)`,
          source: "status.allocatable, pods' requests (as kubectl describe node)",
        },
      ];
      const top = topRequesters(ctx.lookup.podsOnNode(nodeName), resource, usage.allocatable[resource]);
      if (top)
        evidence.push({ kind: "status", text: `largest requests: ${top}`, source: "pods on the node" });
      out.push({
        messageId: "requests-over",
        data: {
          node: nodeName,
          resource,
          // As `kubectl describe node` prints it: the share cut to a whole percent.
          percent: Math.floor(percent),
          requested: fmt(usage.requested[resource]),
          allocatable: fmt(usage.allocatable[resource]),
          threshold: Math.round(threshold * 100),
        },
        path: ["status", "allocatable", resource],
        evidence,
        values,
      });
    }
    conditionsOf(node).forEach((c, i) => {
      if (!(PRESSURES as readonly string[]).includes(c.type) || c.status !== true) return;
      const since = ageMs(c.lastTransitionTime, ctx.now);
      out.push({
        messageId: "pressure",
        data: { node: nodeName, condition: c.type, reason: c.reason ?? "no reason given" },
        path: ["status", "conditions", i],
        evidence: [
          {
            kind: "condition",
            text: `${c.type} True${since !== undefined ? ` for ${ageText(since)}` : ""}: ${clip(c.message ?? "")}`,
            source: `status.conditions[${c.type}]`,
          },
        ],
        values,
      });
    });
    return out;
  },
  checkAll(ctx) {
    const byNode = new Map<string, SourcedObject[]>();
    const out: (Reported & { object: SourcedObject })[] = [];
    const all = ctx.lookup.byKind("Pod");
    // Indexed: once per run over a cluster's pods (see engine/lookup).
    for (let i = 0; i < all.length; i++) {
      const pod = all[i]!;
      if (!isEvicted(pod.object)) continue;
      const nodeName = asString(asRecord(pod.object.spec)?.nodeName) ?? "";
      const list = byNode.get(nodeName);
      if (list) list.push(pod);
      else byNode.set(nodeName, [pod]);
    }
    for (const [nodeName, pods] of byNode) {
      pods.sort((a, b) => evictedAt(b.object) - evictedAt(a.object));
      const latest = pods[0]!;
      const node = nodeName ? ctx.lookup.get("Node", undefined, nodeName) : undefined;
      const evidence: Evidence[] = pods.slice(0, MAX_LISTED).map((p) => ({
        kind: "status",
        text: `${metaString(p.object, "namespace") ?? ""}/${metaString(p.object, "name") ?? ""}: ${clip(asString(asRecord(p.object.status)?.message) ?? "Evicted")}`,
        source: "status.message",
      }));
      if (pods.length > MAX_LISTED) {
        evidence.push({
          kind: "status",
          text: `and ${pods.length - MAX_LISTED} more evicted pods`,
          source: "pods",
        });
      }
      const podName = metaString(latest.object, "name") ?? "";
      out.push({
        messageId: "evicted",
        data: { count: pods.length, node: nodeName || "(unknown)", pod: podName },
        evidence,
        values: {
          node: nodeName,
          "pod-name": podName,
          namespace: metaString(latest.object, "namespace") ?? "",
        },
        object: node ?? latest,
      });
    }
    return out;
  },
});

// Per run, the pods' requests per node (keyed by the run's list of pods): one pass over a cluster's pods in their own
// order, then each node looks its own up.
const requestedIn = new WeakMap<readonly KubeObject[], Map<string, Requested>>();

function usageOf(lookup: Lookup, node: KubeObject): NodeRequests | undefined {
  const pods = lookup.objectsOfKind("Pod");
  let requested = requestedIn.get(pods);
  if (!requested) {
    requested = requestedPerNode(pods);
    requestedIn.set(pods, requested);
  }
  return nodeUsage(node, requested);
}

/** When a pod was evicted, as well as the status tells: its Ready condition's last change, else its start. */
function evictedAt(pod: KubeObject): number {
  const ready = conditionsOf(pod).find((c) => c.type === "Ready" || c.type === "DisruptionTarget");
  const t = Date.parse(ready?.lastTransitionTime ?? asString(asRecord(pod.status)?.startTime) ?? "");
  return Number.isNaN(t) ? 0 : t;
}

function topRequesters(
  pods: readonly KubeObject[],
  resource: Resource,
  allocatable: number,
): string | undefined {
  const rows = pods
    .filter((p) => !isTerminated(p))
    .map((p) => ({
      name: `${metaString(p, "namespace") ?? ""}/${metaString(p, "name") ?? ""}`,
      amount: podRequests(p.spec)[resource],
    }))
    .filter((r) => r.amount > 0)
    .sort((a, b) => b.amount - a.amount || a.name.localeCompare(b.name))
    .slice(0, TOP_REQUESTERS);
  if (!rows.length || allocatable <= 0) return undefined;
  return rows
    .map((r) => `${r.name} ${FORMAT[resource](r.amount)} (${Math.floor((r.amount / allocatable) * 100)}%)`)
    .join(", ");
}
