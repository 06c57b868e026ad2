// The pod spec of anything that runs pods (built-in workloads, Argo Rollouts, other kinds with `spec.template.spec`)
// as the API server would store it, and every container of it with its role and, on a Pod, its status.
// `podTemplatesOf` also reads the known shapes that are not `spec.template.spec`: KEDA ScaledJobs, Knative
// Revisions, and the container templates of Argo Workflows (several pods per object).
import { type ContainerAt, containersOf, type ContainerRole } from "./containers.js";
import { asList, asRecord, asString, type JsonPath, valueAt } from "./fields.js";
import { effectivePullPolicy } from "./image.js";
import type { KubeObject } from "../model/kube.js";
import { perRun } from "./per-run.js";
import { POD_KINDS, type PodSpecAt, podSpecOf } from "./podspec.js";

const GENERIC_TEMPLATE = ["spec", "template", "spec"];

/** Custom resources whose one pod spec is not at `spec.template.spec`, by API group and kind. */
const KNOWN_POD_SPECS: { group: string; kind: string; path: readonly string[] }[] = [
  // KEDA runs a Job per event from the ScaledJob's job template.
  { group: "keda.sh", kind: "ScaledJob", path: ["spec", "jobTargetRef", "template", "spec"] },
  // A Knative Revision's spec is a pod spec itself (its Service and Configuration use spec.template.spec).
  { group: "serving.knative.dev", kind: "Revision", path: ["spec"] },
];

function groupOf(obj: Record<string, unknown>): string {
  const apiVersion = asString(obj.apiVersion) ?? "";
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * The pod spec of a Pod or a workload, else of any object whose `spec.template.spec` lists containers (an Argo
 * Rollout, a Knative Service, an OpenKruise CloneSet), else of a known custom shape (a KEDA ScaledJob, a Knative
 * Revision). A PodTemplate runs nothing and has none here.
 */
export function runningPodSpecOf(obj: unknown): PodSpecAt | undefined {
  const rec = asRecord(obj);
  if (!rec) return undefined;
  // podSpecOf reads the object only through asRecord, so any mapping will do.
  if (typeof rec.kind === "string" && POD_KINDS.includes(rec.kind)) return podSpecOf(rec as KubeObject);
  const spec = asRecord(asRecord(asRecord(rec.spec)?.template)?.spec);
  if (spec && Array.isArray(spec.containers)) return { spec, path: [...GENERIC_TEMPLATE] };
  const group = groupOf(rec);
  for (const known of KNOWN_POD_SPECS) {
    if (known.kind !== rec.kind || known.group !== group) continue;
    const at = asRecord(valueAt(rec, known.path));
    if (at && Array.isArray(at.containers)) return { spec: at, path: [...known.path] };
  }
  return undefined;
}

/** One pod an object runs: its pod-level fields and its containers, each where it is written. */
export interface PodTemplateAt {
  /** Pod-level fields as the pod gets them (for an Argo template: the workflow's, overridden by the template's). */
  spec: Record<string, unknown>;
  /** Where a pod-level field is written, or would be (for a line to point at). */
  fieldPath(key: string): JsonPath;
  /** Init, sidecar, regular and ephemeral containers, with their paths in the object. */
  containers: ContainerAt[];
  /** The object's metadata path the pods' labels and annotations come from, when it has one. */
  metadataPath?: JsonPath;
}

/** Argo Workflows kinds, with where their workflow spec (the templates' list and pod-wide fields) is. */
const ARGO_WORKFLOW_SPECS: Record<string, readonly string[]> = {
  Workflow: ["spec"],
  WorkflowTemplate: ["spec"],
  ClusterWorkflowTemplate: ["spec"],
  CronWorkflow: ["spec", "workflowSpec"],
};
/** Fields of an Argo workflow spec (and of a template, which wins) that every pod of it gets. */
const ARGO_POD_FIELDS = [
  "serviceAccountName",
  "automountServiceAccountToken",
  "hostNetwork",
  "volumes",
  "securityContext",
  "nodeSelector",
  "tolerations",
  "affinity",
] as const;

function containerAt(value: unknown, role: ContainerRole, index: number, path: JsonPath): ContainerAt[] {
  const container = asRecord(value);
  if (!container) return [];
  // Argo names a template's main container `main` when the manifest gives none.
  const name = asString(container.name) ?? (role === "regular" ? "main" : "");
  return [{ container, name, role, index, path }];
}

/** The pods of an Argo Workflow (or template, or CronWorkflow): one per template that runs containers. */
function argoTemplatesOf(rec: Record<string, unknown>): PodTemplateAt[] {
  const kind = asString(rec.kind);
  const specPath = kind && groupOf(rec) === "argoproj.io" ? ARGO_WORKFLOW_SPECS[kind] : undefined;
  const wf = specPath ? asRecord(valueAt(rec, specPath)) : undefined;
  if (!specPath || !wf) return [];
  const out: PodTemplateAt[] = [];
  asList(wf.templates).forEach((item, i) => {
    const t = asRecord(item);
    if (!t) return;
    const base: JsonPath = [...specPath, "templates", i];
    const list = (key: string, role: ContainerRole) =>
      asList(t[key]).flatMap((c, j) => containerAt(c, role, j, [...base, key, j]));
    const main = [
      ...containerAt(t.container, "regular", 0, [...base, "container"]),
      ...containerAt(t.script, "regular", 0, [...base, "script"]),
      ...asList(asRecord(t.containerSet)?.containers).flatMap((c, j) =>
        containerAt(c, "regular", j, [...base, "containerSet", "containers", j]),
      ),
    ];
    // Steps, DAG, resource and suspend templates run no container of their own.
    if (!main.length) return;
    const spec: Record<string, unknown> = {};
    for (const key of ARGO_POD_FIELDS) {
      const value = t[key] ?? wf[key];
      if (value !== undefined) spec[key] = value;
    }
    out.push({
      spec,
      fieldPath: (key) => (t[key] !== undefined ? [...base, key] : [...specPath, key]),
      containers: [...list("initContainers", "init"), ...main, ...list("sidecars", "sidecar")],
      metadataPath: [...base, "metadata"],
    });
  });
  return out;
}

/**
 * Every pod an object runs, with its pod-level fields and containers: the one of a Pod, a workload or any object
 * `runningPodSpecOf` reads, or one per container template of an Argo Workflow. Kept for the object the rules
 * are on (k8s/per-run): each manifest rule asks for every workload's.
 */
export const podTemplatesOf: (obj: unknown) => readonly PodTemplateAt[] = perRun(templatesOf);

function templatesOf(obj: unknown): PodTemplateAt[] {
  const rec = asRecord(obj);
  if (!rec) return [];
  const at = runningPodSpecOf(rec);
  if (at) {
    const metadataPath = templateMetadataPath(rec, at);
    return [
      {
        spec: at.spec,
        fieldPath: (key) => [...at.path, key],
        containers: containersOf(at.spec, at.path),
        ...(metadataPath ? { metadataPath } : {}),
      },
    ];
  }
  return argoTemplatesOf(rec);
}

/** Where the pods' metadata of a one-pod object is: the Pod's own, a template's beside its spec, else none. */
function templateMetadataPath(rec: Record<string, unknown>, at: PodSpecAt): JsonPath | undefined {
  if (rec.kind === "Pod") return ["metadata"];
  return at.path.length > 1 ? [...at.path.slice(0, -1), "metadata"] : undefined;
}

/**
 * The `metadataPath` of each of `podTemplatesOf`'s pods, without reading their containers: where an object's pods
 * take their labels and annotations from (ignore annotations are read there for every object checked).
 */
export function podTemplateMetadataPaths(obj: unknown): JsonPath[] {
  const rec = asRecord(obj);
  if (!rec) return [];
  const at = runningPodSpecOf(rec);
  if (at) {
    const path = templateMetadataPath(rec, at);
    return path ? [path] : [];
  }
  const out: JsonPath[] = [];
  for (const t of argoTemplatesOf(rec)) if (t.metadataPath) out.push(t.metadataPath);
  return out;
}

/** The containers an object's pods run, ephemeral (debugging) containers left out: what a manifest means to run. */
export function templateContainersOf(obj: unknown): ContainerAt[] {
  return podTemplatesOf(obj).flatMap((t) => t.containers.filter((c) => c.role !== "ephemeral"));
}

/** Fields the API server (or the ServiceAccount admission plugin) fills in when a manifest leaves them out. */
const POD_DEFAULTS: Record<string, unknown> = {
  serviceAccountName: "default",
  automountServiceAccountToken: true,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  volumes: [],
  initContainers: [],
  containers: [],
  ephemeralContainers: [],
};
const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

/**
 * A copy of the pod spec with the defaults a stored pod has: `serviceAccountName: default` (or the deprecated
 * `serviceAccount`), `automountServiceAccountToken: true`, `hostNetwork`/`hostPID`/`hostIPC: false`, empty
 * container and volume lists, and each container's `imagePullPolicy` (Always for `:latest` or no tag).
 */
export function withPodDefaults(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...POD_DEFAULTS, ...dropNullish(spec) };
  const legacy = asString(spec.serviceAccount);
  if (spec.serviceAccountName === undefined && legacy) out.serviceAccountName = legacy;
  for (const key of CONTAINER_LISTS) out[key] = asList(out[key]).map(withContainerDefaults);
  return out;
}

function withContainerDefaults(container: unknown): unknown {
  const c = asRecord(container);
  if (!c) return container;
  if (c.imagePullPolicy !== undefined && c.imagePullPolicy !== null) return c;
  const policy = effectivePullPolicy(c)?.policy;
  return policy ? { ...c, imagePullPolicy: policy } : c;
}

function dropNullish(rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

export interface ContainerEntry {
  /** The container with defaults, its `kind` (init, sidecar, regular, ephemeral) and, on a Pod, its `status`. */
  value: Record<string, unknown>;
  role: ContainerRole;
  /** Where the container is written in the object. */
  path: JsonPath;
  /** Where its status is, on a Pod that has one. */
  statusPath?: JsonPath;
}

const STATUS_LISTS: Record<string, string> = {
  initContainers: "initContainerStatuses",
  containers: "containerStatuses",
  ephemeralContainers: "ephemeralContainerStatuses",
};

/** Every container of the pod spec (init, sidecars, regular, ephemeral), each with its role and status. */
export function containerEntriesOf(obj: unknown, at: PodSpecAt): ContainerEntry[] {
  const status = asRecord(asRecord(obj)?.status);
  return containersOf(at.spec, at.path).map((c) => {
    const list = String(c.path[c.path.length - 2]);
    const statusList = STATUS_LISTS[list] ?? "containerStatuses";
    const statuses = asList(status?.[statusList]);
    const index = c.name ? statuses.findIndex((s) => asRecord(s)?.name === c.name) : -1;
    const value: Record<string, unknown> = {
      ...(withContainerDefaults(c.container) as object),
      kind: c.role,
    };
    const entry: ContainerEntry = { value, role: c.role, path: c.path };
    if (index >= 0) {
      value.status = statuses[index];
      entry.statusPath = ["status", statusList, index];
    }
    return entry;
  });
}
