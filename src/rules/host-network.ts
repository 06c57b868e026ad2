// hostNetwork: true binds the pod's ports on the node; a rollout that surges starts the new pod beside the old one.
import { longRunningContainersOf } from "../k8s/containers.js";
import { asInteger, asList, asRecord, asString, metaString } from "../k8s/fields.js";
import { podSpecOf } from "../k8s/podspec.js";
import { POD_KINDS } from "../k8s/podspec.js";
import { defineRule, type Report } from "./types.js";

/** The Deployment default for `maxSurge`. */
const DEFAULT_MAX_SURGE = "25%";

export const hostNetworkRule = defineRule({
  meta: {
    id: "host-network",
    pitfall: "hostnetwork-causes-port-conflicts",
    runs: ["manifest"],
    description:
      "A pod or pod template with hostNetwork: true, and whether its rollouts collide on host ports.",
    looksAt: "spec.hostNetwork, spec.strategy / spec.updateStrategy, containers[].ports",
    kinds: [...POD_KINDS],
    messages: {
      "surge-collides":
        "hostNetwork: true on {{kind}} {{name}}: a rolling update starts {{surge}} while the old pod still runs, and on the same node the new pod cannot bind {{ports}}, which the old pod holds",
      "binds-host-ports":
        "hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node{{why}}; a second such pod on that node, or anything else using those ports, cannot start",
    },
  },
  check(_ctx, o) {
    const at = podSpecOf(o.object);
    if (at?.spec.hostNetwork !== true) return [];
    const kind = String(o.object.kind);
    const base = { kind, name: metaString(o.object, "name") ?? "(unnamed)", ports: portsText(at.spec) };
    const path = [...at.path, "hostNetwork"];
    const surge = surgeOf(o.object.spec, kind);
    const report: Report =
      surge.pods > 0
        ? { messageId: "surge-collides", data: { ...base, surge: surge.text }, path }
        : { messageId: "binds-host-ports", data: { ...base, why: surge.text }, path };
    return [report];
  },
});

/** Extra pods a rollout starts beside the old ones, and how to say it. */
function surgeOf(spec: unknown, kind: string): { pods: number; text: string } {
  const s = asRecord(spec);
  if (kind === "Deployment") {
    const strategy = asRecord(s?.strategy);
    if (strategy?.type === "Recreate")
      return { pods: 0, text: " (Recreate stops the old pod first, so rollouts do not collide)" };
    const raw = asRecord(strategy?.rollingUpdate)?.maxSurge;
    const replicas = asInteger(s?.replicas) ?? 1;
    const given = raw === undefined || raw === null ? DEFAULT_MAX_SURGE : raw;
    const pods = scaled(given, replicas);
    if (pods === 0) return { pods, text: " (maxSurge 0 stops an old pod first, so rollouts do not collide)" };
    const source =
      raw === undefined || raw === null
        ? `the default maxSurge ${DEFAULT_MAX_SURGE}`
        : `maxSurge ${String(raw)}`;
    return {
      pods,
      text: `${pods} extra pod${pods === 1 ? "" : "s"} (${source} of ${replicas} replica${replicas === 1 ? "" : "s"})`,
    };
  }
  if (kind === "DaemonSet") {
    // A DaemonSet surges on the same node by design: the new pod always meets the old one.
    const update = asRecord(s?.updateStrategy);
    const raw = update?.type === "OnDelete" ? 0 : asRecord(update?.rollingUpdate)?.maxSurge;
    const pods = raw === undefined || raw === null ? 0 : scaled(raw, 1);
    if (pods > 0) return { pods, text: `a second pod on each node (maxSurge ${String(raw)})` };
    return { pods: 0, text: " (a DaemonSet replaces its pod in place, so rollouts do not collide)" };
  }
  if (kind === "StatefulSet")
    return { pods: 0, text: " (a StatefulSet replaces pods one at a time, so rollouts do not collide)" };
  if (kind === "CronJob" && asString(s?.concurrencyPolicy) !== "Forbid")
    return {
      pods: 0,
      text: " (runs that overlap on one node collide too; concurrencyPolicy: Forbid prevents that)",
    };
  return { pods: 0, text: "" };
}

/** An int-or-percent against a count, rounded up as the Deployment controller does for maxSurge. */
function scaled(value: unknown, total: number): number {
  const n = asInteger(value);
  if (n !== undefined) return Math.max(0, n);
  const pct = typeof value === "string" ? /^(\d+)%$/.exec(value.trim()) : null;
  if (pct) return Math.ceil((Number(pct[1]) / 100) * Math.max(total, 1));
  // An unreadable value is rejected by the API server; assume the default rather than stay silent.
  return scaled(DEFAULT_MAX_SURGE, total);
}

/** `ports 8080, 9090`, or a phrase when the containers declare none. */
function portsText(podSpec: Record<string, unknown>): string {
  const ports = new Set<number>();
  for (const c of longRunningContainersOf(podSpec)) {
    for (const p of asList(c.container.ports)) {
      const n = asInteger(asRecord(p)?.containerPort);
      if (n !== undefined) ports.add(n);
    }
  }
  if (!ports.size) return "its ports";
  const list = [...ports].sort((a, b) => a - b);
  return `${list.length === 1 ? "port" : "ports"} ${list.join(", ")}`;
}
