// Suppressions: `pitfall.io/ignore` annotations on an object or its pod template, and the config's `ignore:` list.
// Every suppression says who asked for it and why.
import picomatch from "picomatch";
import type { IgnoreRule } from "../config/model.js";
import { asRecord, asString, type JsonPath, valueAt } from "../k8s/fields.js";
import { podTemplateMetadataPaths } from "../k8s/pod-template.js";
import { workloadTemplateMetadata } from "../k8s/podspec.js";
import type { SourcedObject } from "../model/snapshot.js";

export const IGNORE_ANNOTATION = "pitfall.io/ignore";
export const IGNORE_REASON_ANNOTATION = "pitfall.io/ignore-reason";

export interface IgnoreVerdict {
  by: "annotation" | "config";
  reason: string;
}

/**
 * picomatch's globs: `**` crosses folders, `*` and `?` stay inside one, `{a,b}` and `[…]` as in a shell; a pattern
 * without `/` matches the file name anywhere. Dot files match too; a leading `./` goes and a backslash reads as `/`.
 */
export function matchesGlob(glob: string, file: string): boolean {
  const pattern = trimDot(glob);
  return picomatch.isMatch(trimDot(file), pattern, { dot: true, basename: !pattern.includes("/") });
}

function trimDot(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(?:\.\/)+/, "");
}

/** The ids an annotation value names: `a, b` → [a, b]. */
function idsOf(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function names(ids: string[], pitfall: string, rule: string): boolean {
  return ids.includes("*") || ids.includes(pitfall) || ids.includes(rule);
}

interface AnnotationPlace {
  annotations: Record<string, unknown> | undefined;
  where: string;
  /** JSON path of the annotations map. */
  path: JsonPath;
}

/**
 * The places that hold an ignore annotation, in order: the object's own metadata, then its pod templates'. Most
 * objects have none, and nothing is made for them.
 */
function ignorePlaces(o: SourcedObject): readonly AnnotationPlace[] {
  let places: AnnotationPlace[] | undefined;
  const own = asRecord(asRecord(o.object.metadata)?.annotations);
  if (asString(own?.[IGNORE_ANNOTATION]) !== undefined)
    places = [{ annotations: own, where: "the object", path: ["metadata", "annotations"] }];
  // Each pod template's own metadata (a Pod's is the object's, above).
  if (o.object.kind === "Pod") return places ?? NONE;
  // A built-in workload's one template, read in place: most carry no ignore annotation.
  const template = workloadTemplateMetadata(o.object);
  if (template !== false && asString(asRecord(template?.annotations)?.[IGNORE_ANNOTATION]) === undefined)
    return places ?? NONE;
  for (const metadataPath of podTemplateMetadataPaths(o.object)) {
    const annotations = asRecord(asRecord(valueAt(o.object, metadataPath))?.annotations);
    if (asString(annotations?.[IGNORE_ANNOTATION]) === undefined) continue;
    places ??= [];
    places.push({ annotations, where: "the pod template", path: [...metadataPath, "annotations"] });
  }
  return places ?? NONE;
}

const NONE: readonly AnnotationPlace[] = [];

/** An id an ignore annotation names that is no pitfall, rule or `*`: it silences nothing. */
export interface UnknownIgnoreId {
  id: string;
  /** JSON path of the annotation, for its line. */
  path: JsonPath;
  where: string;
}

/** The ids of the object's ignore annotations that `known` (pitfall and rule ids) does not hold. */
export function unknownIgnoreIds(o: SourcedObject, known: ReadonlySet<string>): UnknownIgnoreId[] {
  const out: UnknownIgnoreId[] = [];
  for (const { annotations, where, path } of ignorePlaces(o)) {
    const value = asString(annotations?.[IGNORE_ANNOTATION]);
    if (value === undefined) continue;
    for (const id of idsOf(value))
      if (id !== "*" && !known.has(id)) out.push({ id, path: [...path, IGNORE_ANNOTATION], where });
  }
  return out;
}

/** An ignore annotation on the object itself or on its pod template, naming the pitfall, the rule or `*`. */
export function annotationIgnore(o: SourcedObject, pitfall: string, rule: string): IgnoreVerdict | undefined {
  for (const { annotations, where } of ignorePlaces(o)) {
    const value = asString(annotations?.[IGNORE_ANNOTATION]);
    if (value === undefined || !names(idsOf(value), pitfall, rule)) continue;
    const given = asString(annotations?.[IGNORE_REASON_ANNOTATION])?.trim();
    return {
      by: "annotation",
      reason: given || `${IGNORE_ANNOTATION}: "${value}" on ${where} (no ${IGNORE_REASON_ANNOTATION} given)`,
    };
  }
  return undefined;
}

/** The first config entry whose every condition holds: path glob, namespace, pitfall or rule ids. */
export function configIgnore(
  entries: readonly IgnoreRule[],
  o: SourcedObject,
  pitfall: string,
  rule: string,
  configFile?: string,
): IgnoreVerdict | undefined {
  const namespace = asString(asRecord(o.object.metadata)?.namespace);
  for (const [i, entry] of entries.entries()) {
    if (typeof entry.path === "string" && !(o.origin.file && matchesGlob(entry.path, o.origin.file)))
      continue;
    if (typeof entry.namespace === "string" && entry.namespace !== namespace) continue;
    const ids = Array.isArray(entry.pitfalls) ? entry.pitfalls.map(String) : [];
    if (ids.length && !names(ids, pitfall, rule)) continue;
    const conditions = [
      typeof entry.path === "string" ? `path ${entry.path}` : "",
      typeof entry.namespace === "string" ? `namespace ${entry.namespace}` : "",
      ids.length ? `pitfalls ${ids.join(", ")}` : "",
    ].filter(Boolean);
    const reason = typeof entry.reason === "string" && entry.reason.trim() ? entry.reason.trim() : undefined;
    return {
      by: "config",
      reason:
        reason ??
        `ignore entry ${i + 1}${configFile ? ` of ${configFile}` : ""} (${conditions.join(", ") || "everything"}; no reason given)`,
    };
  }
  return undefined;
}

/**
 * A config entry that ignores everything under a path (a `path` glob, no namespace, no pitfalls or `*`) covers the
 * input problems of the files it matches too: a vendored chart's template errors, a folder of snippets.
 */
export function ignoredProblem(
  entries: readonly IgnoreRule[],
  file: string,
  configFile?: string,
): IgnoreVerdict | undefined {
  for (const [i, entry] of entries.entries()) {
    if (typeof entry.path !== "string" || typeof entry.namespace === "string") continue;
    const ids = Array.isArray(entry.pitfalls) ? entry.pitfalls.map(String) : [];
    if (ids.length && !ids.includes("*")) continue;
    if (!matchesGlob(entry.path, file)) continue;
    const reason = typeof entry.reason === "string" && entry.reason.trim() ? entry.reason.trim() : undefined;
    return {
      by: "config",
      reason:
        reason ??
        `ignore entry ${i + 1}${configFile ? ` of ${configFile}` : ""} (path ${entry.path}; no reason given)`,
    };
  }
  return undefined;
}
