// Label and field selectors with the API server's syntax and semantics.
import type { KubeObject } from "../../src/model/kube.js";

export type Matcher = (o: KubeObject) => boolean;

export class SelectorError extends Error {}

type LabelRequirement =
  | { op: "exists" | "!exists"; key: string }
  | { op: "=" | "!="; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] };

/** Splits on commas that are not inside `(...)`. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = "[A-Za-z0-9][-A-Za-z0-9_./]*";
const SET_RE = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EQ_RE = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`);
const EXISTS_RE = new RegExp(`^(!?)\\s*(${KEY})$`);

function parseLabelRequirement(part: string): LabelRequirement {
  const set = SET_RE.exec(part);
  if (set) {
    const values = set[3]!
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
    return { op: set[2] as "in" | "notin", key: set[1]!, values };
  }
  const eq = EQ_RE.exec(part);
  if (eq) return { op: eq[2] === "!=" ? "!=" : "=", key: eq[1]!, value: eq[3]! };
  const ex = EXISTS_RE.exec(part);
  if (ex) return { op: ex[1] ? "!exists" : "exists", key: ex[2]! };
  throw new SelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, !`);
}

function labelMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case "exists":
      return has;
    case "!exists":
      return !has;
    case "=":
      return has && v === r.value;
    case "!=":
      return !has || v !== r.value;
    case "in":
      return has && r.values.includes(v!);
    case "notin":
      return !has || !r.values.includes(v!);
  }
}

/** Compiles `a=b,c!=d,e in (x,y),f notin (z),g,!h`; an empty selector matches everything. */
export function labelSelector(selector: string): Matcher {
  const reqs = splitTopLevel(selector).map(parseLabelRequirement);
  if (reqs.length === 0) return () => true;
  return (o) => {
    // The API server keeps label values as strings.
    const labels = (o.metadata?.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => labelMatches(r, labels));
  };
}

/** Field paths the API server accepts in field selectors, by kind (metadata.name/namespace always). */
const FIELDS_BY_KIND: Record<string, readonly string[]> = {
  Pod: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  Node: ["spec.unschedulable"],
  Namespace: ["status.phase"],
  Secret: ["type"],
  ReplicaSet: ["status.replicas"],
  Job: ["status.successful"],
};

function fieldValue(o: KubeObject, path: string): string {
  if (path === "source") {
    const src = (o as { source?: { component?: string } }).source;
    return String(src?.component ?? "");
  }
  let cur: unknown = o;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? "" : String(cur);
}

/** Compiles `metadata.name=x,status.phase!=Running`; rejects fields the real server would reject. */
export function fieldSelector(selector: string, kind: string): Matcher {
  const allowed = new Set(["metadata.name", "metadata.namespace", ...(FIELDS_BY_KIND[kind] ?? [])]);
  const reqs = splitTopLevel(selector).map((part) => {
    const m = /^([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    const [, path, op, value] = m as unknown as [string, string, string, string];
    if (!allowed.has(path)) throw new SelectorError(`field label not supported: ${path}`);
    return { path, negate: op === "!=", value };
  });
  if (reqs.length === 0) return () => true;
  return (o) => reqs.every((r) => (fieldValue(o, r.path) === r.value) !== r.negate);
}
