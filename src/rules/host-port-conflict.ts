// hostNetwork port conflicts: a new pod cannot be scheduled because the old one still holds its ports on the node.
import { containersOf } from "../k8s/containers.js";
import { asInteger, asList, asRecord, asString, metaString } from "../k8s/fields.js";
import { controllerChain, replicaSetsOf, revisionOf } from "../k8s/owners.js";
import { podConditions, podPhase } from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { eventEvidence, eventsOf } from "./live-evidence.js";
import { defineRule } from "./types.js";

export const HOST_PORT_PITFALL = "hostnetwork-causes-port-conflicts";

const NO_FREE_PORTS = /didn't have free ports/;

export interface RolloutState {
  desired: number;
  updated: number;
  /** ReplicaSets that still have pods, oldest revision first. */
  active: { name: string; revision: number | undefined; replicas: number }[];
  /** More than one ReplicaSet with pods, or fewer updated pods than desired. */
  midRollout: boolean;
}

/** Where a Deployment's rollout stands, from its status and its ReplicaSets' replica counts. */
export function rolloutStateOf(deployment: KubeObject, objects: readonly KubeObject[]): RolloutState {
  const spec = asRecord(deployment.spec);
  const status = asRecord(deployment.status);
  const desired = asInteger(spec?.replicas) ?? 1;
  const updated = asInteger(status?.updatedReplicas) ?? 0;
  const active = replicaSetsOf(deployment, objects)
    .map((rs) => ({
      name: metaString(rs, "name") ?? "",
      revision: revisionOf(rs),
      replicas: asInteger(asRecord(rs.status)?.replicas) ?? 0,
    }))
    .filter((rs) => rs.replicas > 0);
  return { desired, updated, active, midRollout: active.length > 1 || updated < desired };
}

/** `8080/TCP, 9090/UDP`: the ports a pod binds on the host. */
function hostPortsOf(podSpec: unknown): string {
  const ports: string[] = [];
  for (const c of containersOf(podSpec)) {
    for (const p of asList(c.container.ports)) {
      const port = asInteger(asRecord(p)?.hostPort) ?? asInteger(asRecord(p)?.containerPort);
      if (port !== undefined) ports.push(`${port}/${asString(asRecord(p)?.protocol) ?? "TCP"}`);
    }
  }
  return [...new Set(ports)].join(", ") || "its ports";
}

const MESSAGES = {
  "rollout-port-conflict":
    "pod {{pod}} of Deployment {{owner}} is Pending mid-rollout: it uses hostNetwork and no node has {{ports}} free while the old pods hold them",
  "port-conflict": "pod {{pod}} ({{owner}}) is Pending: it uses hostNetwork and no node has {{ports}} free",
} as const;

export const hostPortConflictRule = defineRule({
  meta: {
    id: "host-port-conflict",
    pitfall: HOST_PORT_PITFALL,
    runs: ["live"],
    needs: ["events"],
    description:
      "Pending hostNetwork pods the scheduler cannot place because no node has their ports free, typically the new pod of a rolling update.",
    looksAt:
      "Pending pods' FailedScheduling events and PodScheduled condition, spec.hostNetwork, the owning Deployment's rollout",
    kinds: ["Pod"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const pod = object.object;
    const spec = asRecord(pod.spec);
    if (spec?.hostNetwork !== true || podPhase(pod) !== "Pending") return [];
    const podName = metaString(pod, "name") ?? "";
    const namespace = metaString(pod, "namespace") ?? "";

    const evidence: Evidence[] = [];
    const event = eventsOf(ctx.lookup, pod)
      .filter((e) => e.reason === "FailedScheduling" && NO_FREE_PORTS.test(e.message))
      .pop();
    if (event) evidence.push(eventEvidence(event, ctx.now));
    const condition = podConditions(pod).find(
      (c) => c.type === "PodScheduled" && c.status === false && NO_FREE_PORTS.test(c.message ?? ""),
    );
    if (condition) {
      evidence.push({
        kind: "condition",
        text: `PodScheduled False (${condition.reason ?? "no reason"}): ${clip(condition.message ?? "")}`,
        source: "status.conditions[PodScheduled]",
      });
    }
    if (!evidence.length) return [];

    const objects = ctx.lookup.objectsOfKind("ReplicaSet");
    const chain = controllerChain(pod, ctx.lookup.owners());
    const top = chain[chain.length - 1];
    const deployment = top?.ref.kind === "Deployment" ? top.object : undefined;
    const ports = hostPortsOf(spec);
    const values: Record<string, string> = { "pod-name": podName, namespace };
    if (deployment) {
      const owner = metaString(deployment, "name") ?? top!.ref.name;
      const rollout = rolloutStateOf(deployment, objects);
      const sets = rollout.active
        .map((rs) => `${rs.name} (revision ${rs.revision ?? "?"}): ${rs.replicas}`)
        .join(", ");
      evidence.push({
        kind: "status",
        text: `Deployment ${owner}: ${rollout.updated}/${rollout.desired} updated; ReplicaSets with pods: ${sets || "none"}`,
        source: `Deployment ${owner} status`,
      });
      values.deployment = owner;
      return [
        {
          messageId: rollout.midRollout ? "rollout-port-conflict" : "port-conflict",
          data: { pod: podName, owner: rollout.midRollout ? owner : `Deployment ${owner}`, ports },
          path: ["spec", "hostNetwork"],
          evidence,
          values,
        },
      ];
    }
    const owner = top ? `${top.ref.kind} ${top.ref.name}` : "no controller";
    evidence.push({ kind: "status", text: `owner: ${owner}`, source: "metadata.ownerReferences" });
    return [
      {
        messageId: "port-conflict",
        data: { pod: podName, owner, ports },
        path: ["spec", "hostNetwork"],
        evidence,
        values,
      },
    ];
  },
});
