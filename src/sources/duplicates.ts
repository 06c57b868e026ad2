// The same object (API group, kind, namespace, name) read twice: `kubectl apply` keeps the last one, and rules that
// look an object up (a ServiceAccount's automount setting, a Service's ports) see only one of them, so results
// change silently with the order of the inputs. One warning per object, listing every place it is defined.
import { asString, metaString } from "../k8s/fields.js";
import type { Diagnostic } from "../model/diagnostic.js";
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

/** Each identity's places, in the order they were met (plain data: it crosses to and from worker threads). */
export type DuplicateEntries = Map<string, Place | Place[]>;

/**
 * Objects' identities as they come, batch after batch, holding a place per object (not the object): what a
 * stream of a million documents can keep to say at its end which objects were defined twice.
 */
export class DuplicateIndex {
  private readonly byKey: DuplicateEntries = new Map();

  /** What was added so far. */
  entries(): DuplicateEntries {
    return this.byKey;
  }

  /** Another index's entries, met after everything added so far (a later group of the same input). */
  absorb(entries: DuplicateEntries): void {
    for (const [key, places] of entries)
      for (const place of Array.isArray(places) ? places : [places]) this.addPlace(key, place);
  }

  add(o: SourcedObject): void {
    if (o.origin.role === "nodes") return;
    const name = metaString(o.object, "name");
    const kind = asString(o.object.kind);
    // Objects named by generateName are new ones each time.
    if (!name || !kind) return;
    const key = [
      groupOf(asString(o.object.apiVersion)),
      kind,
      metaString(o.object, "namespace") ?? "",
      name,
    ].join("\u0000");
    this.addPlace(key, { file: o.origin.file ?? "<input>", line: o.origin.line, column: o.origin.column });
  }

  private addPlace(key: string, place: Place): void {
    const known = this.byKey.get(key);
    if (known === undefined) this.byKey.set(key, place);
    else if (Array.isArray(known)) known.push(place);
    else this.byKey.set(key, [known, place]);
  }

  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [key, list] of this.byKey) {
      if (!Array.isArray(list)) continue;
      const [, kind, ns, name] = key.split("\u0000");
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
      out.push(d);
    }
    return out;
  }
}
