// Suppressions: `pitfall.io/ignore` annotations on an object or its pod template, and the config's `ignore:` list.
// Every suppression says who asked for it and why.
import picomatch from "picomatch";
import type { IgnoreRule } from "../config/model.js";
import { asRecord, asString } from "../k8s/fields.js";
import { podMetadataOf } from "../k8s/podspec.js";
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

/** An ignore annotation on the object itself or on its pod template, naming the pitfall, the rule or `*`. */
export function annotationIgnore(o: SourcedObject, pitfall: string, rule: string): IgnoreVerdict | undefined {
  const places: { annotations: Record<string, unknown> | undefined; where: string }[] = [
    { annotations: asRecord(asRecord(o.object.metadata)?.annotations), where: "the object" },
  ];
  const template = podMetadataOf(o.object);
  if (template && template.path.length > 1)
    places.push({ annotations: asRecord(template.metadata.annotations), where: "the pod template" });
  for (const { annotations, where } of places) {
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
