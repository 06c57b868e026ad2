// Every container needs CPU and memory requests (for the scheduler) and limits (so one pod cannot starve the node).
// A request left out takes the limit's value (the API server's defaulting), so only what stays unset is reported.
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
  "missing-limits":
    "{{container}} has no {{fields}}: it can take all of the node's {{resources}} and starve the other pods",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const resourcesRule = defineRule({
  meta: {
    id: "resources",
    pitfall: "resource-starvation",
    runs: ["manifest", "live"],
    description:
      "A container (init, sidecar or regular) without CPU and memory limits, or without requests where no limit stands in for them (the API server copies a limit into a request left out).",
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
      const missing = unsetFields(containerResources(c.container).missing, covered);
      if (!missing.length) continue;
      // A request is unset only where its limit is too (else the limit is copied into it): requests imply limits.
      const requests = missing.some((f) => f.startsWith("requests."));
      const messageId = requests ? "missing-requests-and-limits" : "missing-limits";
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

/**
 * The fields still unset once the API server has defaulted: a request left out takes its limit's value, and
 * pod-level resources cover what they name.
 */
function unsetFields(missing: ResourceField[], covered: Set<ResourceField>): ResourceField[] {
  const absent = new Set(missing.filter((f) => !covered.has(f)));
  return [...absent].filter((f) => !(f.startsWith("requests.") && !absent.has(limitOf(f))));
}

function limitOf(field: ResourceField): ResourceField {
  return field === "requests.cpu" ? "limits.cpu" : field === "requests.memory" ? "limits.memory" : field;
}

/** Pod-level `spec.resources` (PodLevelResources) sets the pod's budget; containers need not repeat what it sets. */
function podLevelFields(podSpec: Record<string, unknown>): Set<ResourceField> {
  const out = new Set<ResourceField>();
  const resources = asRecord(podSpec.resources);
  for (const field of ["requests", "limits"] as const) {
    const list = asRecord(resources?.[field]);
    for (const name of ["cpu", "memory"] as const)
      if (list?.[name] !== undefined && list[name] !== null) {
        out.add(`${field}.${name}`);
        // A pod-level request left out defaults to the pod-level limit.
        if (field === "limits") out.add(`requests.${name}`);
      }
  }
  return out;
}
