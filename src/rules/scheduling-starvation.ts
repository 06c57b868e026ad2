// Resource starvation seen by the scheduler and the kubelet: a pod no node has room for (`Insufficient cpu`,
// memory or an extended resource such as nvidia.com/gpu), and a pod a node turned away (`OutOfcpu`, `OutOfmemory`).
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { podConditions, podPhase } from "../k8s/status.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { eventEvidence, eventsOf } from "./live-evidence.js";
import { STARVATION_PITFALL } from "./node-pressure.js";
import { defineRule } from "./types.js";

const MESSAGES = {
  insufficient:
    "pod {{pod}} cannot be scheduled: no node has enough {{resources}} free for its requests ({{detail}})",
  "out-of-resource": "pod {{pod}} was turned away by node {{node}}: {{reason}} ({{detail}})",
} as const;

/** `Insufficient cpu`, `Insufficient nvidia.com/gpu`: the resources the scheduler found short, in order, once each. */
export function insufficientResources(message: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (message ?? "").matchAll(/\bInsufficient ([A-Za-z0-9][\w.\-/]*)/g)) {
    // The sentence's full stop is not part of the name (`Insufficient nvidia.com/gpu.`).
    const name = m[1]!.replace(/\.+$/, "");
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export const schedulingStarvationRule = defineRule({
  meta: {
    id: "scheduling-starvation",
    pitfall: STARVATION_PITFALL,
    runs: ["live"],
    needs: ["events"],
    description:
      "Pods the scheduler cannot place for lack of CPU, memory or an extended resource, and pods a node rejected as OutOfcpu or OutOfmemory.",
    looksAt:
      "Pod status.conditions[PodScheduled] and FailedScheduling events (Insufficient …); status.phase Failed with reason OutOf…",
    kinds: ["Pod"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const pod = object.object;
    const phase = podPhase(pod);
    // Most pods are neither Failed nor Pending: nothing more of them is read.
    if (phase !== "Failed" && phase !== "Pending") return [];
    const name = metaString(pod, "name") ?? "";
    const values = { "pod-name": name, namespace: metaString(pod, "namespace") ?? "" };
    const status = asRecord(pod.status);
    const reason = asString(status?.reason);
    // The kubelet's admission rejects a pod it has no room for: phase Failed, reason OutOfcpu / OutOfmemory / OutOf<x>.
    if (phase === "Failed" && reason?.startsWith("OutOf")) {
      const message = asString(status?.message) ?? "";
      const evidence: Evidence[] = [
        { kind: "status", text: `Failed: ${reason}: ${clip(message)}`, source: "status.reason" },
      ];
      return [
        {
          messageId: "out-of-resource",
          data: {
            pod: name,
            node: asString(asRecord(pod.spec)?.nodeName) ?? "(unknown)",
            reason,
            detail: clip(message || "no message"),
          },
          path: ["status", "reason"],
          evidence,
          values,
        },
      ];
    }
    if (phase !== "Pending") return [];
    const scheduled = podConditions(pod).find((c) => c.type === "PodScheduled");
    if (scheduled?.status !== false) return [];
    const event = eventsOf(ctx.lookup, pod)
      .filter((e) => e.reason === "FailedScheduling" && insufficientResources(e.message).length)
      .pop();
    const detail = event?.message ?? scheduled.message;
    const resources = insufficientResources(detail);
    if (!resources.length) return [];
    const evidence: Evidence[] = event
      ? [eventEvidence(event, ctx.now)]
      : [
          {
            kind: "condition",
            text: `PodScheduled False: ${clip(detail ?? "")}`,
            source: "status.conditions",
          },
        ];
    return [
      {
        messageId: "insufficient",
        data: { pod: name, resources: resources.join(", "), detail: clip(detail ?? "") },
        path: ["status", "conditions"],
        evidence,
        values,
      },
    ];
  },
});
