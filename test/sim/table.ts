// Server-side printing (`as=Table`), as kubectl asks for it: the columns kubectl shows by default.
import type { KubeObject } from "../../src/model/kube.js";
import { ageOf } from "./time.js";
import type { ResourceType } from "./types.js";

export interface Column {
  name: string;
  type: "string" | "integer";
  format: string;
  description: string;
  priority: number;
}

export type Cells = (string | number)[];

export interface Printer {
  columns: Column[];
  cells: (o: KubeObject, nowMs: number) => Cells;
}

function col(name: string, priority = 0, format = ""): Column {
  return { name, type: "string", format, description: name, priority };
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

function str(v: unknown, none = "<none>"): string {
  return v === undefined || v === null || v === "" ? none : String(v);
}

/** STATUS as kubectl computes it: waiting/terminated reasons win over the phase. */
export function podStatusText(pod: KubeObject): {
  status: string;
  ready: number;
  restarts: number;
  lastRestart?: string;
} {
  const status = obj(pod.status);
  let reason = str(status.reason, "") || str(status.phase, "Unknown");
  let restarts = 0;
  let ready = 0;
  let lastRestart: string | undefined;
  const noteRestart = (c: Json) => {
    const finished = obj(obj(c.lastState).terminated).finishedAt;
    if (typeof finished === "string" && (!lastRestart || finished > lastRestart)) lastRestart = finished;
  };
  let initializing = false;
  const inits = arr(status.initContainerStatuses);
  for (const [i, c] of inits.entries()) {
    restarts += Number(c.restartCount ?? 0);
    noteRestart(c);
    const term = obj(obj(c.state).terminated);
    const wait = obj(obj(c.state).waiting);
    if (c.state && obj(c.state).terminated && term.exitCode === 0) continue;
    if (obj(c.state).terminated) reason = `Init:${str(term.reason, "") || `ExitCode:${term.exitCode}`}`;
    else if (wait.reason && wait.reason !== "PodInitializing") reason = `Init:${wait.reason}`;
    else reason = `Init:${i}/${arr(obj(pod.spec).initContainers).length}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += Number(c.restartCount ?? 0);
      noteRestart(c);
      const state = obj(c.state);
      const wait = obj(state.waiting);
      const term = obj(state.terminated);
      if (wait.reason) reason = String(wait.reason);
      else if (state.terminated && term.reason) reason = String(term.reason);
      else if (state.terminated) reason = `ExitCode:${term.exitCode}`;
      else if (c.ready === true && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = "Running";
  }
  if (pod.metadata?.deletionTimestamp) reason = "Terminating";
  return lastRestart ? { status: reason, ready, restarts, lastRestart } : { status: reason, ready, restarts };
}

const podPrinter: Printer = {
  columns: [
    col("Name", 0, "name"),
    col("Ready"),
    col("Status"),
    col("Restarts"),
    col("Age"),
    col("IP", 1),
    col("Node", 1),
    col("Nominated Node", 1),
    col("Readiness Gates", 1),
  ],
  cells: (o, now) => {
    const s = podStatusText(o);
    const spec = obj(o.spec);
    const status = obj(o.status);
    const restarts =
      s.lastRestart && s.restarts > 0
        ? `${s.restarts} (${ageOf(s.lastRestart, now)} ago)`
        : String(s.restarts);
    return [
      str(o.metadata?.name, ""),
      `${s.ready}/${arr(spec.containers).length}`,
      s.status,
      restarts,
      ageOf(o.metadata?.creationTimestamp, now),
      str(status.podIP),
      str(spec.nodeName),
      str(status.nominatedNodeName),
      "<none>",
    ];
  },
};

const nodePrinter: Printer = {
  columns: [
    col("Name", 0, "name"),
    col("Status"),
    col("Roles"),
    col("Age"),
    col("Version"),
    col("Internal-IP", 1),
    col("External-IP", 1),
    col("OS-Image", 1),
    col("Kernel-Version", 1),
    col("Container-Runtime", 1),
  ],
  cells: (o, now) => {
    const status = obj(o.status);
    const readyCond = arr(status.conditions).find((c) => c.type === "Ready");
    let state = readyCond?.status === "True" ? "Ready" : readyCond ? "NotReady" : "Unknown";
    if (obj(o.spec).unschedulable) state += ",SchedulingDisabled";
    const roles = Object.keys(o.metadata?.labels ?? {})
      .filter((l) => l.startsWith("node-role.kubernetes.io/"))
      .map((l) => l.slice("node-role.kubernetes.io/".length))
      .sort();
    const info = obj(status.nodeInfo);
    const address = (type: string) => str(arr(status.addresses).find((a) => a.type === type)?.address);
    return [
      str(o.metadata?.name, ""),
      state,
      roles.length ? roles.join(",") : "<none>",
      ageOf(o.metadata?.creationTimestamp, now),
      str(info.kubeletVersion, ""),
      address("InternalIP"),
      address("ExternalIP"),
      str(info.osImage, "<unknown>"),
      str(info.kernelVersion, "<unknown>"),
      str(info.containerRuntimeVersion, "<unknown>"),
    ];
  },
};

const eventPrinter: Printer = {
  columns: [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message")],
  cells: (o, now) => {
    const inv = obj(o.involvedObject);
    const last = o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata?.creationTimestamp;
    return [
      ageOf(last, now),
      str(o.type, ""),
      str(o.reason, ""),
      `${String(inv.kind ?? "").toLowerCase()}/${str(inv.name, "")}`,
      str(o.message, "").trim(),
    ];
  },
};

const deploymentPrinter: Printer = {
  columns: [col("Name", 0, "name"), col("Ready"), col("Up-to-date"), col("Available"), col("Age")],
  cells: (o, now) => {
    const s = obj(o.status);
    const n = (v: unknown) => Number(v ?? 0);
    return [
      str(o.metadata?.name, ""),
      `${n(s.readyReplicas)}/${n(obj(o.spec).replicas ?? 1)}`,
      n(s.updatedReplicas),
      n(s.availableReplicas),
      ageOf(o.metadata?.creationTimestamp, now),
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [col("Name", 0, "name"), col("Desired"), col("Current"), col("Ready"), col("Age")],
  cells: (o, now) => {
    const s = obj(o.status);
    return [
      str(o.metadata?.name, ""),
      Number(obj(o.spec).replicas ?? 1),
      Number(s.replicas ?? 0),
      Number(s.readyReplicas ?? 0),
      ageOf(o.metadata?.creationTimestamp, now),
    ];
  },
};

const namespacePrinter: Printer = {
  columns: [col("Name", 0, "name"), col("Status"), col("Age")],
  cells: (o, now) => [
    str(o.metadata?.name, ""),
    str(obj(o.status).phase, "Active"),
    ageOf(o.metadata?.creationTimestamp, now),
  ],
};

const namePrinter: Printer = {
  columns: [col("Name", 0, "name"), col("Age")],
  cells: (o, now) => [str(o.metadata?.name, ""), ageOf(o.metadata?.creationTimestamp, now)],
};

const PRINTERS: Record<string, Printer> = {
  "/Pod": podPrinter,
  "/Node": nodePrinter,
  "/Event": eventPrinter,
  "/Namespace": namespacePrinter,
  "apps/Deployment": deploymentPrinter,
  "apps/ReplicaSet": replicaSetPrinter,
};

/** Evaluates the JSONPath subset CRD printer columns use: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`. */
export function simpleJsonPath(o: unknown, path: string): unknown {
  let cur: unknown[] = [o];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*["']([^"']*)["']\)\]/g;
  for (const m of path.matchAll(re)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (m[1] !== undefined) next.push(obj(v)[m[1]]);
      else if (m[2] !== undefined) next.push(Array.isArray(v) ? v[Number(m[2])] : undefined);
      else if (Array.isArray(v)) next.push(...v.filter((e) => String(obj(e)[m[3]!]) === m[4]));
    }
    cur = next.filter((v) => v !== undefined);
  }
  return cur[0];
}

/** Printer for a resource; CRDs get Name, their additionalPrinterColumns and Age. */
export function printerFor(t: ResourceType, crd: KubeObject | undefined): Printer {
  const builtin = PRINTERS[`${t.group}/${t.kind}`];
  if (builtin) return builtin;
  const version = arr(obj(crd?.spec).versions).find((v) => v.name === t.version);
  const extra = arr(version?.additionalPrinterColumns).filter(
    (c) => c.jsonPath !== ".metadata.creationTimestamp",
  );
  if (extra.length === 0) return namePrinter;
  return {
    columns: [
      col("Name", 0, "name"),
      ...extra.map((c) => col(String(c.name), Number(c.priority ?? 0))),
      col("Age"),
    ],
    cells: (o, now) => [
      str(o.metadata?.name, ""),
      ...extra.map((c) => str(simpleJsonPath(o, String(c.jsonPath)), "")),
      ageOf(o.metadata?.creationTimestamp, now),
    ],
  };
}

export type IncludeObject = "None" | "Metadata" | "Object";

export function tableRow(p: Printer, o: KubeObject, nowMs: number, include: IncludeObject): Json {
  const row: Json = { cells: p.cells(o, nowMs) };
  if (include === "Object") row.object = o;
  else if (include === "Metadata") {
    row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
  }
  return row;
}

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}
