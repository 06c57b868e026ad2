// Values the API server (or the operator reading the object) refuses: quantities apimachinery cannot parse or
// a field may not hold (`memory: 1Gb`, `cpu: abc`, `-1`, a request above its limit) and Go durations that do not
// parse (`refreshInterval: banana`, `1d`). Each is an input error at its file:line, never a value that "counts
// as set".
import { asList, asRecord, asString, type JsonPath, metaString, pathText } from "../k8s/fields.js";
import { parseGoDuration } from "../k8s/go-duration.js";
import { type PodTemplateAt, podTemplatesOf } from "../k8s/pod-template.js";
import { compareQuantities, isNegativeQuantity, quantityProblem } from "../k8s/quantity.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourcedObject } from "../model/snapshot.js";

interface Problem {
  path: JsonPath;
  code: "invalid-quantity" | "invalid-duration";
  message: string;
}

/** `1Gb` → `1Gi`, `512MB` → `512Mi`, `1K` → `1Ki`: what was most likely meant. */
function quantityHint(text: string, cpu: boolean): string {
  if (cpu) return "write cores (2, 0.5) or millicores (500m)";
  const m = /^\s*([0-9.]+)\s*([kKmMgGtTpPeE])[iI]?[bB]?\s*$/.exec(text);
  if (m) {
    const unit = m[2]!.toUpperCase();
    const decimal = unit === "K" ? "k" : unit;
    return `write ${m[1]}${unit}i (powers of 1024) or ${m[1]}${decimal} (powers of 1000)`;
  }
  return "write bytes with a suffix such as 512Mi or 1Gi";
}

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Each amount of a resource list (`requests`, `limits`, `hard`, …): a quantity, never negative. */
function quantityList(list: unknown, path: JsonPath, out: Problem[]): Map<string, unknown> {
  const amounts = new Map<string, unknown>();
  for (const [name, value] of Object.entries(asRecord(list) ?? {})) {
    if (value === null || value === undefined) continue;
    const at = [...path, name];
    const why = quantityProblem(value);
    if (why) {
      out.push({
        path: at,
        code: "invalid-quantity",
        message: `${pathText(at)}: ${shown(value)} is not a quantity, so the API server refuses the object (${why}); ${quantityHint(String(value), name === "cpu")}`,
      });
      continue;
    }
    if (isNegativeQuantity(value)) {
      out.push({
        path: at,
        code: "invalid-quantity",
        message: `${pathText(at)}: ${shown(value)} is negative; the API server refuses it (must be greater than or equal to 0)`,
      });
      continue;
    }
    amounts.set(name, value);
  }
  return amounts;
}

/** A container's requests and limits; a request above its limit is refused too. */
function containerResources(container: Record<string, unknown>, path: JsonPath, out: Problem[]): void {
  const resources = asRecord(container.resources);
  if (!resources) return;
  const base = [...path, "resources"];
  const requests = quantityList(resources.requests, [...base, "requests"], out);
  const limits = quantityList(resources.limits, [...base, "limits"], out);
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit === undefined || (compareQuantities(request, limit) ?? 0) <= 0) continue;
    const at = [...base, "requests", name];
    out.push({
      path: at,
      code: "invalid-quantity",
      message: `${pathText(at)}: ${shown(asRecord(resources.requests)?.[name])} is more than the limit ${shown(asRecord(resources.limits)?.[name])}; the API server refuses it (must be less than or equal to ${name} limit)`,
    });
  }
}

function podProblems(t: PodTemplateAt, out: Problem[]): void {
  for (const c of t.containers) containerResources(c.container, c.path, out);
  quantityList(t.spec.overhead, t.fieldPath("overhead"), out);
  const pod = asRecord(t.spec.resources);
  quantityList(pod?.requests, [...t.fieldPath("resources"), "requests"], out);
  quantityList(pod?.limits, [...t.fieldPath("resources"), "limits"], out);
  asList(t.spec.volumes).forEach((v, i) => {
    const volume = asRecord(v);
    const at = [...t.fieldPath("volumes"), i];
    const size = asRecord(volume?.emptyDir)?.sizeLimit;
    if (size !== undefined) quantityList({ sizeLimit: size }, [...at, "emptyDir"], out);
    const claim = asRecord(asRecord(asRecord(volume?.ephemeral)?.volumeClaimTemplate)?.spec);
    if (claim) claimProblems(claim, [...at, "ephemeral", "volumeClaimTemplate", "spec"], out);
  });
}

function claimProblems(spec: Record<string, unknown>, path: JsonPath, out: Problem[]): void {
  const resources = asRecord(spec.resources);
  quantityList(resources?.requests, [...path, "resources", "requests"], out);
  quantityList(resources?.limits, [...path, "resources", "limits"], out);
}

/** A Go duration an operator parses (metav1.Duration); negative makes no sense for an interval either. */
function durationProblem(value: unknown, path: JsonPath, out: Problem[]): void {
  if (value === undefined || value === null) return;
  const at = pathText(path);
  if (typeof value !== "string") {
    out.push({
      path,
      code: "invalid-duration",
      message: `${at}: ${shown(value)} is not a duration string; the API server refuses it (must be of type string): write "${String(value)}s" or "0", quoted`,
    });
    return;
  }
  const parsed = parseGoDuration(value);
  if ("error" in parsed)
    out.push({
      path,
      code: "invalid-duration",
      message: `${at}: ${shown(value)} is not a duration (${parsed.error}); write one such as 15m, 1h or 1h30m (Go durations have no d: 24h for a day)`,
    });
  else if (parsed.ns < 0n)
    out.push({
      path,
      code: "invalid-duration",
      message: `${at}: ${shown(value)} is negative, which no interval can be; write 0 to turn refreshing off, or a duration such as 1h`,
    });
}

const EXTERNAL_SECRETS = /^external-secrets\.io\//;

function objectProblems(o: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const kind = asString(o.kind);
  const spec = asRecord(o.spec);
  for (const t of podTemplatesOf(o)) podProblems(t, out);
  if (!spec) return out;
  if (kind === "PersistentVolumeClaim") claimProblems(spec, ["spec"], out);
  if (kind === "StatefulSet")
    asList(spec.volumeClaimTemplates).forEach((t, i) => {
      const claim = asRecord(asRecord(t)?.spec);
      if (claim) claimProblems(claim, ["spec", "volumeClaimTemplates", i, "spec"], out);
    });
  if (kind === "PersistentVolume") quantityList(spec.capacity, ["spec", "capacity"], out);
  if (kind === "ResourceQuota") quantityList(spec.hard, ["spec", "hard"], out);
  if (kind === "LimitRange")
    asList(spec.limits).forEach((l, i) => {
      for (const key of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"])
        quantityList(asRecord(l)?.[key], ["spec", "limits", i, key], out);
    });
  if (EXTERNAL_SECRETS.test(asString(o.apiVersion) ?? "")) {
    if (kind === "ExternalSecret" || kind === "PushSecret")
      durationProblem(spec.refreshInterval, ["spec", "refreshInterval"], out);
    if (kind === "ClusterExternalSecret") {
      durationProblem(spec.refreshTime, ["spec", "refreshTime"], out);
      durationProblem(
        asRecord(spec.externalSecretSpec)?.refreshInterval,
        ["spec", "externalSecretSpec", "refreshInterval"],
        out,
      );
    }
  }
  return out;
}

function located(o: SourcedObject, p: Problem): Diagnostic {
  let pos: { line: number; column: number } | undefined;
  try {
    pos = o.origin.locate?.(p.path);
  } catch {
    pos = undefined;
  }
  const kind = asString(o.object.kind) ?? "object";
  const ns = metaString(o.object, "namespace");
  const name = metaString(o.object, "name") ?? "(unnamed)";
  const d: Diagnostic = {
    file: o.origin.file ?? "<input>",
    line: pos?.line ?? o.origin.line ?? 0,
    severity: "error",
    code: p.code,
    message: `${kind} ${ns ? `${ns}/` : ""}${name}: ${p.message}`,
  };
  const column = pos?.column ?? o.origin.column;
  if (column !== undefined) d.column = column;
  return d;
}

/** The refused values of the objects, as input errors at their lines (`--nodes` objects are not checked). */
export function invalidValues(objects: readonly SourcedObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const o of objects) {
    if (o.origin.role === "nodes") continue;
    for (const p of objectProblems(o.object as Record<string, unknown>)) out.push(located(o, p));
  }
  return out;
}
