// Every container needs CPU and memory requests (for the scheduler) and limits (so one pod cannot starve the node).
import { containerLabel, objectContainersOf } from "../k8s/containers.js";
import { asRecord } from "../k8s/fields.js";
import { podSpecOf } from "../k8s/podspec.js";
import { type ResourceField, containerResources } from "../k8s/requests.js";
import { podPhase } from "../k8s/status.js";
import { POD_KINDS } from "../k8s/podspec.js";
import { defineRule, type ReportOf } from "./types.js";

const MESSAGES = {
  "missing-requests-and-limits":
    "{{container}} has no {{fields}}: the scheduler places it blind and nothing stops it from taking the whole node",
  "missing-requests": "{{container}} has no {{fields}}: the scheduler cannot account for what it uses",
  "missing-limits":
    "{{container}} has no {{fields}}: it can take all of the node's {{resources}} and starve the other pods",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const resourcesRule = defineRule({
  meta: {
    id: "resources",
    pitfall: "resource-starvation",
    runs: ["manifest", "live"],
    description: "A container (init, sidecar or regular) without CPU and memory requests and limits.",
    looksAt: "containers[].resources.requests / limits (cpu, memory), initContainers too; live: running pods",
    kinds: [...POD_KINDS],
    messages: MESSAGES,
  },
  check(ctx, o) {
    // Live, the pods themselves are checked (whoever owns them); their controllers would say it twice.
    if (ctx.mode === "live" && (o.object.kind !== "Pod" || podPhase(o.object) !== "Running")) return [];
    const at = podSpecOf(o.object);
    if (!at) return [];
    const covered = podLevelFields(at.spec);
    const out: Reported[] = [];
    for (const c of objectContainersOf(o.object)) {
      const missing = containerResources(c.container).missing.filter((f) => !covered.has(f));
      if (!missing.length) continue;
      const requests = missing.some((f) => f.startsWith("requests."));
      const limits = missing.some((f) => f.startsWith("limits."));
      const messageId =
        requests && limits ? "missing-requests-and-limits" : requests ? "missing-requests" : "missing-limits";
      const resources = [...new Set(missing.filter((f) => f.startsWith("limits.")).map((f) => f.slice(7)))];
      out.push({
        messageId,
        data: {
          container: containerLabel(c),
          fields: missing.join(", "),
          resources: resources.join(" and "),
        },
        path: asRecord(c.container.resources) ? [...c.path, "resources"] : c.path,
        ...(c.name ? { container: c.name } : {}),
        evidence: [
          {
            kind: "field",
            text: `missing ${missing.join(", ")}`,
            source: `${c.role} container ${c.name || `#${c.index + 1}`}`,
          },
        ],
      });
    }
    return out;
  },
});

/** Pod-level `spec.resources` (PodLevelResources) sets the pod's budget; containers need not repeat what it sets. */
function podLevelFields(podSpec: Record<string, unknown>): Set<ResourceField> {
  const out = new Set<ResourceField>();
  const resources = asRecord(podSpec.resources);
  for (const field of ["requests", "limits"] as const) {
    const list = asRecord(resources?.[field]);
    for (const name of ["cpu", "memory"] as const)
      if (list?.[name] !== undefined && list[name] !== null) out.add(`${field}.${name}`);
  }
  return out;
}
