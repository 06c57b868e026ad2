// The manifests' total requests against the nodes' allocatable: the page keeps them at or under 80%.
import { objectContainersOf } from "../k8s/containers.js";
import { asRecord, valueAt } from "../k8s/fields.js";
import { podSpecOf } from "../k8s/podspec.js";
import { formatBytes, formatCpu, parseBytes, parseCpu } from "../k8s/quantity.js";
import { type Resources, podRequests, replicasOf, requestsPerNode } from "../k8s/requests.js";
import type { SourcedObject } from "../model/snapshot.js";
import { fractionSetting } from "./options.js";
import { defineRule, type ReportOf } from "./types.js";

type Resource = keyof Resources;

const FORMAT: Record<Resource, (n: number) => string> = { cpu: formatCpu, memory: formatBytes };
const PARSE: Record<Resource, (v: unknown) => number | undefined> = { cpu: parseCpu, memory: parseBytes };

const MESSAGES = {
  "over-threshold":
    "the manifests request {{total}} {{resource}} in total, {{percent}}% of the {{allocatable}} {{resource}} the {{nodes}} node(s) can allocate (the page allows {{threshold}}%); {{kind}} {{name}} asks for the most: {{share}}",
  "over-capacity":
    "the manifests request {{total}} {{resource}} in total, more than the {{allocatable}} {{resource}} the {{nodes}} node(s) can allocate ({{percent}}%): some pods will never schedule; {{kind}} {{name}} asks for the most: {{share}}",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const nodeCapacityRule = defineRule({
  meta: {
    id: "node-capacity",
    pitfall: "resource-starvation",
    runs: ["manifest"],
    latent: false,
    reads: ["Node"],
    description:
      "The manifests' total CPU or memory requests above the share of the nodes' allocatable the page allows.",
    looksAt:
      "requests × replicas of every workload (DaemonSets × nodes) against Node status.allocatable (lint --nodes)",
    messages: MESSAGES,
  },
  options: (config) => ({ threshold: fractionSetting(config.expect, "requestsThreshold") }),
  checkAll(ctx) {
    const nodes = ctx.lookup
      .byKind("Node")
      .filter((n) => asRecord(asRecord(n.object)?.spec)?.unschedulable !== true)
      .map((n) => n.object);
    if (!nodes.length) return [];
    const allocatable: Resources = { cpu: 0, memory: 0 };
    for (const n of requestsPerNode(nodes, [])) {
      allocatable.cpu += n.allocatable.cpu;
      allocatable.memory += n.allocatable.memory;
    }
    const workloads: { o: SourcedObject; replicas: number; requests: Resources }[] = [];
    for (const o of ctx.lookup.all()) {
      if (o.origin.role === "nodes") continue;
      const replicas = replicasOf(o.object, nodes.length);
      const at = replicas === undefined ? undefined : podSpecOf(o.object);
      if (at && replicas !== undefined && replicas > 0)
        workloads.push({ o, replicas, requests: podRequests(at.spec) });
    }
    const threshold = ctx.options.threshold;
    const out: (Reported & { object: SourcedObject })[] = [];
    for (const resource of ["cpu", "memory"] as const) {
      const amount = (w: (typeof workloads)[number]) => w.requests[resource] * w.replicas;
      const total = workloads.reduce((sum, w) => sum + amount(w), 0);
      const cap = allocatable[resource];
      if (cap <= 0 || total <= threshold * cap) continue;
      const top = workloads.reduce((a, b) => (amount(b) > amount(a) ? b : a));
      const fmt = FORMAT[resource];
      const name = String(asRecord(top.o.object.metadata)?.name ?? "(unnamed)");
      out.push({
        messageId: total > cap ? "over-capacity" : "over-threshold",
        data: {
          resource,
          total: fmt(total),
          allocatable: fmt(cap),
          percent: Math.round((total / cap) * 100),
          threshold: Math.round(threshold * 100),
          nodes: nodes.length,
          kind: String(top.o.object.kind),
          name,
          share: `${fmt(amount(top))} ${resource} (${top.replicas} × ${fmt(top.requests[resource])})`,
        },
        path: largestRequestPath(top.o, resource),
        object: top.o,
        evidence: [
          {
            kind: "field",
            text: `${fmt(total)} ${resource} requested of ${fmt(cap)} allocatable on ${nodes.length} node(s)`,
            source: "requests × replicas, Node status.allocatable",
          },
        ],
      });
    }
    return out;
  },
});

/** The `requests.<resource>` of the container asking for the most, else the pod spec. */
function largestRequestPath(o: SourcedObject, resource: Resource): (string | number)[] | undefined {
  let best: { path: (string | number)[]; amount: number } | undefined;
  for (const c of objectContainersOf(o.object)) {
    for (const field of ["requests", "limits"] as const) {
      const path = [...c.path, "resources", field, resource];
      const amount = PARSE[resource](valueAt(o.object, path));
      if (amount !== undefined && (!best || amount > best.amount)) best = { path, amount };
      // A request left out takes the limit's value; point at the request when there is one.
      if (amount !== undefined) break;
    }
  }
  return best?.path ?? podSpecOf(o.object)?.path;
}
