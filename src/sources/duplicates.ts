// The same object (API group, kind, namespace, name) read twice: `kubectl apply` keeps the last one, and rules that
// look an object up (a ServiceAccount's automount setting, a Service's ports) see only one of them, so results
// change silently with the order of the inputs. One warning per object, listing every place it is defined.
import { asString, metaString } from "../k8s/fields.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourcedObject } from "../model/snapshot.js";

const SHOWN_PLACES = 5;

function placeOf(o: SourcedObject): string {
  const file = o.origin.file ?? "<input>";
  return o.origin.line === undefined ? file : `${file}:${o.origin.line}`;
}

/** `apps`, `` for the core group: the version does not make another object. */
function groupOf(apiVersion: string | undefined): string {
  const slash = apiVersion?.indexOf("/") ?? -1;
  return slash < 0 ? "" : apiVersion!.slice(0, slash);
}

/** One warning per object defined more than once, at its second definition, naming all of its places. */
export function duplicateObjects(objects: readonly SourcedObject[]): Diagnostic[] {
  const byKey = new Map<string, SourcedObject[]>();
  for (const o of objects) {
    if (o.origin.role === "nodes") continue;
    const name = metaString(o.object, "name");
    const kind = asString(o.object.kind);
    // Objects named by generateName are new ones each time.
    if (!name || !kind) continue;
    const key = [
      groupOf(asString(o.object.apiVersion)),
      kind,
      metaString(o.object, "namespace") ?? "",
      name,
    ].join("\u0000");
    const list = byKey.get(key);
    if (list) list.push(o);
    else byKey.set(key, [o]);
  }
  const out: Diagnostic[] = [];
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    const first = list[0]!;
    const ns = metaString(first.object, "namespace");
    const what = `${asString(first.object.kind)} ${ns ? `${ns}/` : ""}${metaString(first.object, "name")}`;
    const places = list.slice(0, SHOWN_PLACES).map(placeOf);
    if (list.length > SHOWN_PLACES) places.push(`and ${list.length - SHOWN_PLACES} more`);
    const o = list[1]!;
    const d: Diagnostic = {
      file: o.origin.file ?? "<input>",
      line: o.origin.line ?? 0,
      severity: "warning",
      code: "duplicate-object",
      message: `${what} is defined ${list.length} times (${places.join(", ")}); kubectl apply keeps the last one and rules see only one of them, so which one is checked depends on the order of the inputs: remove the others or lint them apart`,
    };
    if (o.origin.column !== undefined) d.column = o.origin.column;
    out.push(d);
  }
  return out;
}
