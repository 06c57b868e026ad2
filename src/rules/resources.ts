// Every container needs CPU and memory requests (for the scheduler) and limits (so one pod cannot starve the node).
// A request left out takes the limit's value (the API server's defaulting), so only what stays unset is reported.
import { type ContainerAt, containerLabel } from "../k8s/containers.js";
import { asRecord } from "../k8s/fields.js";
import { podTemplatesOf } from "../k8s/pod-template.js";
import { type ResourceField, containerResources } from "../k8s/requests.js";
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
    runs: ["manifest"],
    description:
      "A container (init, sidecar or regular) without CPU and memory limits, or without requests where no limit stands in for them (the API server copies a limit into a request left out).",
    looksAt:
      "containers[].resources.requests / limits (cpu, memory), initContainers too, of every pod template (workloads, Argo Rollouts and Workflows, Knative, KEDA ScaledJobs, any spec.template.spec); live: the topmost owner of each workload, as a latent risk",
    messages: MESSAGES,
  },
  check(_ctx, o) {
    const out: Reported[] = [];
    for (const t of podTemplatesOf(o.object))
      for (const c of t.containers)
        if (c.role !== "ephemeral") out.push(...containerReports(c, podLevelFields(t.spec)));
    return out;
  },
});

/** A container's unset requests and limits, as one report (or none). */
function containerReports(c: ContainerAt, covered: Set<ResourceField>): Reported[] {
  const missing = unsetFields(containerResources(c.container).missing, covered);
  if (!missing.length) return [];
  // A request is unset only where its limit is too (else the limit is copied into it): requests imply limits.
  const requests = missing.some((f) => f.startsWith("requests."));
  const resources = [...new Set(missing.filter((f) => f.startsWith("limits.")).map((f) => f.slice(7)))];
  return [
    {
      messageId: requests ? "missing-requests-and-limits" : "missing-limits",
      data: { container: containerLabel(c), fields: missing.join(", "), resources: resources.join(" and ") },
      path: asRecord(c.container.resources) ? [...c.path, "resources"] : c.path,
      ...(c.name ? { container: c.name } : {}),
      evidence: [
        {
          kind: "field",
          text: `missing ${missing.join(", ")}`,
          source: `${c.role} container ${c.name || `#${c.index + 1}`}`,
        },
      ],
    },
  ];
}

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
