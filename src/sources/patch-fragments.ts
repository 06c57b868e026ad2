// Objects that only make sense as patches: strategic-merge directives (`$patch: delete`), or a workload the API
// server would refuse because a patch leaves out what the base has (a container without an image, a Deployment
// without a pod template). Linted as whole objects they get "no requests or limits" for a container that merely
// adds an env var; they are left out with one note per file.
import path from "node:path";
import { asList, asRecord, asString } from "../k8s/fields.js";
import { podSpecOf, podSpecPathOf } from "../k8s/podspec.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourcedObject } from "../model/snapshot.js";

const DIRECTIVE = /^\$(patch|setElementOrder\/|retainKeys|deleteFromPrimitiveList\/)/;
const MAX_DEPTH = 64;
const DOLLAR = 36;

function directiveIn(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_DEPTH || typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = directiveIn(item, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  // Every object of every input comes through here: no entry lists, and the pattern only for keys with a `$`.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.charCodeAt(0) === DOLLAR && DIRECTIVE.test(key)) return key;
    const found = directiveIn((value as Record<string, unknown>)[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Objects their reader found no `$` key in (sources/fast-yaml): no directive to look for. */
const withoutDollarKeys = new WeakSet<object>();

/** Tells patchReason that `object` has no key beginning with `$`, at any depth. */
export function markWithoutDollarKeys(object: object): void {
  withoutDollarKeys.add(object);
}

/** Why the object reads as a patch, or undefined when it is a whole object. */
export function patchReason(o: SourcedObject): string | undefined {
  const directive = withoutDollarKeys.has(o.object) ? undefined : directiveIn(o.object);
  if (directive) return `it holds the strategic-merge directive ${directive}`;
  const kind = asString(o.object.kind);
  if (!podSpecPathOf(kind) || kind === "PodTemplate") return undefined;
  const at = podSpecOf(o.object);
  if (!at)
    return `a ${kind} without ${kind === "Pod" ? "spec" : "a pod template"} is refused by the API server`;
  const containers = [...asList(at.spec.initContainers), ...asList(at.spec.containers)];
  if (!asList(at.spec.containers).length)
    return "its pod spec has no containers, which the API server refuses";
  const imageless = containers.find((c) => asString(asRecord(c)?.image) === undefined);
  if (imageless !== undefined) {
    const name = asString(asRecord(imageless)?.name);
    return `container ${name ?? "(unnamed)"} has no image, which the API server requires`;
  }
  return undefined;
}

export interface WithoutFragments {
  objects: SourcedObject[];
  notes: Diagnostic[];
}

/** The objects that are whole, and a note per file for the ones left out as patches. */
export function withoutPatchFragments(objects: readonly SourcedObject[]): WithoutFragments {
  const fragments = new PatchFragments();
  const kept = objects.filter((o) => fragments.whole(o));
  return { objects: kept, notes: fragments.notes() };
}

/**
 * Objects told apart as they come, batch after batch: `whole` says whether to keep one, and `notes` gives the note
 * per file, counting the fragments of the file seen in every batch (only the first of each file is kept).
 */
export class PatchFragments {
  private readonly byFile = new Map<string, { o: SourcedObject; why: string; count: number }>();

  whole(o: SourcedObject): boolean {
    const why = o.origin.role === "nodes" ? undefined : patchReason(o);
    if (!why) return true;
    const file = o.origin.file ?? "<input>";
    const known = this.byFile.get(file);
    if (known) known.count++;
    else this.byFile.set(file, { o, why, count: 1 });
    return false;
  }

  notes(): Diagnostic[] {
    const notes: Diagnostic[] = [];
    for (const [file, { o, why, count }] of this.byFile) {
      const name = asString(o.object.metadata?.name) ?? "(unnamed)";
      const more = count > 1 ? ` (and ${count - 1} more object${count > 2 ? "s" : ""} of the file)` : "";
      const folder = file === "<stdin>" || file === "<input>" ? "<folder>" : path.posix.dirname(file) || ".";
      const d: Diagnostic = {
        file,
        line: o.origin.line ?? 1,
        severity: "warning",
        code: "patch-skipped",
        message: `${asString(o.object.kind)} ${name} reads as a patch, not a whole object (${why})${more}; skipped: lint what kustomize renders: kubectl kustomize ${folder} | pitfall lint -`,
      };
      if (o.origin.column !== undefined) d.column = o.origin.column;
      notes.push(d);
    }
    return notes;
  }
}
