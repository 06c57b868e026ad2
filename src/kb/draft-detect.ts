// The DETECT line of a drafted entry: a CEL expression over the pod's status that matches the failing pods of the
// same workload failing the same way, when the status itself shows the failure (a waiting or termination reason,
// an unschedulable condition, a failed phase). Written with the `kind`/`metadata`/`containers` bindings and optional
// selection when the DETECT compiler has them, else over `object` with `has()` tests.
import type { Unexplained } from "../model/unexplained.js";
import { compileDetect } from "./cel.js";

export interface DraftDetect {
  /** The expression; absent when the status alone cannot tell the failure from a pod that is starting. */
  expr?: string;
  /** What it matches, or why none is written. */
  note: string;
}

const OWNER_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
/** Names the API server accepts for pods and containers; anything else is not written into an expression. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const REASON = /^[A-Za-z][A-Za-z0-9]*$/;
const CONTAINER_SOURCE =
  /^status\.(containerStatuses|initContainerStatuses|ephemeralContainerStatuses)\[\d+\]\.state\.(waiting|terminated)$/;

let bindings: boolean | undefined;
/** Whether DETECT lines may use `kind`, `metadata`, `containers` and optional selection (`a.?b.orValue(x)`). */
function hasBindings(): boolean {
  bindings ??= compileDetect(
    "kind == 'Pod' && metadata.?name.orValue('') != '' && containers.exists(c, c.?status.hasValue())",
  ).ok;
  return bindings;
}

/** The DETECT of a failure, in the form the compiler takes (`modern` forces one form, for tests). */
export function detectFor(u: Unexplained, modern = hasBindings()): DraftDetect {
  if (!NAME.test(u.pod.name) || !REASON.test(u.reason) || (u.container && !NAME.test(u.container)))
    return { note: "no DETECT: a name or reason holds characters a Kubernetes name never has" };
  const scope = scopeOf(u, modern);
  const q = (s: string) => `'${s}'`;
  const where = container(u.source);
  if (where && u.container) {
    const { list, state } = where;
    const reason = q(u.reason);
    const cond = modern
      ? `containers.exists(c, c.name == ${q(u.container)} && c.?status.?state.?${state}.reason.orValue('') == ${reason})`
      : `object.status.${list}.exists(c, c.name == ${q(u.container)} && has(c.state.${state}) && has(c.state.${state}.reason) && c.state.${state}.reason == ${reason})`;
    return {
      expr: `${scope.expr} && ${cond}`,
      note: `DETECT matches ${scope.what} whose container ${u.container} is ${state === "waiting" ? "waiting" : "terminated"} with reason ${u.reason}`,
    };
  }
  if (u.source === "status.conditions[PodScheduled]") {
    const cond = modern
      ? `object.?status.?conditions.orValue([]).exists(c, c.type == 'PodScheduled' && c.status == 'False' && c.?reason.orValue('') == ${q(u.reason)})`
      : `has(object.status.conditions) && object.status.conditions.exists(c, c.type == 'PodScheduled' && c.status == 'False' && has(c.reason) && c.reason == ${q(u.reason)})`;
    return {
      expr: `${scope.expr} && ${cond}`,
      note: `DETECT matches ${scope.what} that the scheduler leaves unplaced (${u.reason})`,
    };
  }
  if (u.source === "status.phase" && u.reason !== "Pending") {
    const cond = modern
      ? `object.?status.phase.orValue('') == 'Failed' && object.?status.reason.orValue('') == ${q(u.reason)}`
      : `has(object.status.phase) && object.status.phase == 'Failed' && has(object.status.reason) && object.status.reason == ${q(u.reason)}`;
    return {
      expr: `${scope.expr} && ${cond}`,
      note: `DETECT matches ${scope.what} that failed with ${u.reason}`,
    };
  }
  return {
    note: `no DETECT: the pod's status shows only what every starting pod shows (${u.status}); ${u.reason} is in its events, which a DETECT line does not read`,
  };
}

/** The pods of the same workload (pod names begin with their controller's name), else this pod by name. */
function scopeOf(u: Unexplained, modern: boolean): { expr: string; what: string } {
  const kind = modern ? "kind == 'Pod'" : "object.kind == 'Pod'";
  const name = modern ? "metadata.name" : "object.metadata.name";
  const owner = u.owner;
  if (
    owner &&
    OWNER_KINDS.has(owner.kind) &&
    NAME.test(owner.name) &&
    u.pod.name.startsWith(`${owner.name}-`)
  )
    return {
      expr: `${kind} && ${name}.startsWith('${owner.name}-')`,
      what: `the pods of ${owner.kind} ${owner.name}`,
    };
  return { expr: `${kind} && ${name} == '${u.pod.name}'`, what: `pod ${u.pod.name}` };
}

function container(source: string): { list: string; state: "waiting" | "terminated" } | undefined {
  const m = CONTAINER_SOURCE.exec(source);
  return m ? { list: m[1]!, state: m[2] as "waiting" | "terminated" } : undefined;
}
