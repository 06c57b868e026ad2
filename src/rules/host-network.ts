// hostNetwork: true binds the pod's ports on the node; a rollout that surges starts the new pod beside the old one.
import type { ContainerAt } from "../k8s/containers.js";
import { asInteger, asList, asRecord, asString, metaString } from "../k8s/fields.js";
import { podTemplatesOf } from "../k8s/pod-template.js";
import { defineRule, type ReportOf } from "./types.js";

/** The Deployment default for `maxSurge`. */
const DEFAULT_MAX_SURGE = "25%";

const COLLIDES =
  "while the old pod still runs, and on the same node the new pod cannot bind {{ports}}, which the old pod holds";
const CANNOT_START = "a second such pod on that node, or anything else using those ports, cannot start";

const MESSAGES = {
  "surge-collides": `hostNetwork: true on {{kind}} {{name}}: a rolling update starts new pods while old ones still run (maxSurge {{maxSurge}}, replicas {{replicas}}: {{extraPods}} at a time), and on the same node a new pod cannot bind {{ports}}, which an old pod holds`,
  "surge-collides-default": `hostNetwork: true on {{kind}} {{name}}: a rolling update starts new pods while old ones still run (the default maxSurge {{maxSurge}}, replicas {{replicas}}: {{extraPods}} at a time), and on the same node a new pod cannot bind {{ports}}, which an old pod holds`,
  "surge-collides-daemonset": `hostNetwork: true on {{kind}} {{name}}: a rolling update starts a second pod on each node (maxSurge {{maxSurge}}) ${COLLIDES}`,
  "binds-host-ports": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node; ${CANNOT_START}`,
  "binds-host-ports-recreate": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node (Recreate stops the old pod first, so rollouts do not collide); ${CANNOT_START}`,
  "binds-host-ports-no-surge": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node (maxSurge 0 stops an old pod first, so rollouts do not collide); ${CANNOT_START}`,
  "binds-host-ports-daemonset": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node (a DaemonSet replaces its pod in place, so rollouts do not collide); ${CANNOT_START}`,
  "binds-host-ports-statefulset": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node (a StatefulSet replaces pods one at a time, so rollouts do not collide); ${CANNOT_START}`,
  "binds-host-ports-cronjob": `hostNetwork: true on {{kind}} {{name}} binds {{ports}} directly on the node (runs that overlap on one node collide too; concurrencyPolicy: Forbid prevents that); ${CANNOT_START}`,
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const hostNetworkRule = defineRule({
  meta: {
    id: "host-network",
    pitfall: "hostnetwork-causes-port-conflicts",
    runs: ["manifest"],
    description:
      "A pod or pod template with hostNetwork: true, and whether its rollouts collide on host ports.",
    looksAt:
      "spec.hostNetwork of every pod template (workloads, Argo Rollouts and Workflows, Knative, KEDA ScaledJobs, any spec.template.spec), spec.strategy / spec.updateStrategy, containers[].ports",
    messages: MESSAGES,
  },
  check(_ctx, o) {
    // One report per object: its pods share the host network setting's consequence.
    const t = podTemplatesOf(o.object).find((p) => p.spec.hostNetwork === true);
    if (!t) return [];
    const kind = String(o.object.kind);
    const data = { kind, name: metaString(o.object, "name") ?? "(unnamed)", ports: portsText(t.containers) };
    const path = t.fieldPath("hostNetwork");
    return [{ ...rolloutReport(o.object.spec, kind, data), path }];
  },
});

type Data = { kind: string; name: string; ports: string };

/** Whether a rollout starts the new pod beside the old one, and the message that says why (not). */
function rolloutReport(spec: unknown, kind: string, data: Data): Reported {
  const s = asRecord(spec);
  if (kind === "Deployment") {
    const strategy = asRecord(s?.strategy);
    if (strategy?.type === "Recreate") return { messageId: "binds-host-ports-recreate", data };
    const raw = asRecord(strategy?.rollingUpdate)?.maxSurge;
    const replicas = asInteger(s?.replicas) ?? 1;
    const defaulted = raw === undefined || raw === null;
    const maxSurge = defaulted ? DEFAULT_MAX_SURGE : raw;
    const extraPods = scaled(maxSurge, replicas);
    if (extraPods === 0) return { messageId: "binds-host-ports-no-surge", data };
    return {
      messageId: defaulted ? "surge-collides-default" : "surge-collides",
      data: { ...data, extraPods, maxSurge: String(maxSurge), replicas },
    };
  }
  if (kind === "DaemonSet") {
    // A DaemonSet surges on the same node by design: the new pod always meets the old one.
    const update = asRecord(s?.updateStrategy);
    const raw = update?.type === "OnDelete" ? 0 : asRecord(update?.rollingUpdate)?.maxSurge;
    const pods = raw === undefined || raw === null ? 0 : scaled(raw, 1);
    if (pods > 0) return { messageId: "surge-collides-daemonset", data: { ...data, maxSurge: String(raw) } };
    return { messageId: "binds-host-ports-daemonset", data };
  }
  if (kind === "StatefulSet") return { messageId: "binds-host-ports-statefulset", data };
  if (kind === "CronJob" && asString(s?.concurrencyPolicy) !== "Forbid")
    return { messageId: "binds-host-ports-cronjob", data };
  return { messageId: "binds-host-ports", data };
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
function portsText(containers: ContainerAt[]): string {
  const ports = new Set<number>();
  for (const c of containers.filter((k) => k.role === "regular" || k.role === "sidecar")) {
    for (const p of asList(c.container.ports)) {
      const n = asInteger(asRecord(p)?.containerPort);
      if (n !== undefined) ports.add(n);
    }
  }
  if (!ports.size) return "its ports";
  const list = [...ports].sort((a, b) => a - b);
  return `${list.length === 1 ? "port" : "ports"} ${list.join(", ")}`;
}
