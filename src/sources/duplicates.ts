// The same object (API group, kind, namespace, name) read twice: `kubectl apply` keeps the last one, and rules that
// look an object up (a ServiceAccount's automount setting, a Service's ports) see only one of them, so results
// change silently with the order of the inputs. One warning per object, listing every place it is defined.
import { asString, metaString } from "../k8s/fields.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { ownCopy } from "../model/own-copy.js";
import type { SourcedObject } from "../model/snapshot.js";

const SHOWN_PLACES = 5;

function placeOf(p: { file: string; line: number | undefined }): string {
  return p.line === undefined ? p.file : `${p.file}:${p.line}`;
}

/** `apps`, `` for the core group: the version does not make another object. */
function groupOf(apiVersion: string | undefined): string {
  const slash = apiVersion?.indexOf("/") ?? -1;
  return slash < 0 ? "" : apiVersion!.slice(0, slash);
}

/** One warning per object defined more than once, at its second definition, naming all of its places. */
export function duplicateObjects(objects: readonly SourcedObject[]): Diagnostic[] {
  const index = new DuplicateIndex();
  for (const o of objects) index.add(o);
  return index.diagnostics();
}

interface Place {
  file: string;
  line: number | undefined;
  column: number | undefined;
}

/**
 * Each identity's places, in the order they were met, as plain data (it crosses to and from worker threads) and
 * small: a large input has a million identities, nearly all met once. `byKey` gives, by group, kind and namespace
 * (`apps\0Deployment\0team-a`), then by name, an identity's first place (an index into the place lists; files by
 * number), or, as `-1 - i`, the places `many[i]` of one met more than once.
 */
export interface DuplicateEntries {
  byKey: Map<string, Map<string, number>>;
  files: string[];
  file: number[];
  /** -1 for none. */
  line: number[];
  column: number[];
  many: Place[][];
  /** For each of `many`, where its first place is in the place lists: the order identities were first met. */
  manyFirst: number[];
}

/**
 * Objects' identities as they come, batch after batch, holding a place per object (not the object): what a
 * stream of a million documents can keep to say at its end which objects were defined twice.
 */
export class DuplicateIndex {
  private readonly kept: DuplicateEntries;
  private readonly fileNumbers = new Map<string, number>();

  /** `entries`: those of another index, taken as they are (not copied). */
  constructor(entries?: DuplicateEntries) {
    this.kept = entries ?? {
      byKey: new Map(),
      files: [],
      file: [],
      line: [],
      column: [],
      many: [],
      manyFirst: [],
    };
    for (const [i, f] of this.kept.files.entries()) this.fileNumbers.set(f, i);
  }

  /** What was added so far. */
  entries(): DuplicateEntries {
    return this.kept;
  }

  /** Another index's entries, met after everything added so far (a later group of the same input). */
  absorb(entries: DuplicateEntries): void {
    for (const [key, names] of entries.byKey)
      for (const [name, at] of names)
        for (const place of placesOf(entries, at)) this.addPlace(key, name, place);
  }

  add(o: SourcedObject): void {
    if (o.origin.role === "nodes") return;
    const name = metaString(o.object, "name");
    const kind = asString(o.object.kind);
    // Objects named by generateName are new ones each time.
    if (!name || !kind) return;
    const key = [groupOf(asString(o.object.apiVersion)), kind, metaString(o.object, "namespace") ?? ""].join(
      "\u0000",
    );
    this.addPlace(key, name, {
      file: o.origin.file ?? "<input>",
      line: o.origin.line,
      column: o.origin.column,
    });
  }

  private addPlace(key: string, name: string, place: Place): void {
    const k = this.kept;
    let names = k.byKey.get(key);
    if (!names) {
      names = new Map();
      k.byKey.set(key, names);
    }
    const at = names.get(name);
    if (at === undefined) {
      let file = this.fileNumbers.get(place.file);
      if (file === undefined) {
        file = k.files.push(place.file) - 1;
        this.fileNumbers.set(place.file, file);
      }
      // A long name may be a slice of the input's text, which it would keep alive.
      names.set(name.length < 13 ? name : ownCopy(name), k.file.push(file) - 1);
      k.line.push(place.line ?? -1);
      k.column.push(place.column ?? -1);
    } else if (at < 0) k.many[-1 - at]!.push(place);
    else {
      names.set(name, -1 - (k.many.push([...placesOf(k, at), place]) - 1));
      k.manyFirst.push(at);
    }
  }

  diagnostics(): Diagnostic[] {
    const out: { first: number; d: Diagnostic }[] = [];
    for (const [key, names] of this.kept.byKey)
      for (const [name, at] of names) {
        if (at >= 0) continue;
        const list = this.kept.many[-1 - at]!;
        const first = this.kept.manyFirst[-1 - at]!;
        const [, kind, ns] = key.split("\u0000");
        const what = `${kind} ${ns ? `${ns}/` : ""}${name}`;
        const places = list.slice(0, SHOWN_PLACES).map(placeOf);
        if (list.length > SHOWN_PLACES) places.push(`and ${list.length - SHOWN_PLACES} more`);
        const second = list[1]!;
        const d: Diagnostic = {
          file: second.file,
          line: second.line ?? 0,
          severity: "warning",
          code: "duplicate-object",
          message: `${what} is defined ${list.length} times (${places.join(", ")}); kubectl apply keeps the last one and rules see only one of them, so which one is checked depends on the order of the inputs: remove the others or lint them apart`,
        };
        if (second.column !== undefined) d.column = second.column;
        out.push({ first, d });
      }
    // In the order the objects were first met, as they came.
    return out.sort((a, b) => a.first - b.first).map((o) => o.d);
  }
}

/** The places of the identity at `at` (DuplicateEntries.byKey). */
function placesOf(entries: DuplicateEntries, at: number): Place[] {
  if (at < 0) return entries.many[-1 - at]!;
  const line = entries.line[at]!;
  const column = entries.column[at]!;
  return [
    {
      file: entries.files[entries.file[at]!]!,
      line: line < 0 ? undefined : line,
      column: column < 0 ? undefined : column,
    },
  ];
}
