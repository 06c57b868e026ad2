// Where another object a finding leans on was read, for evidence: `file:line`, or the cluster context.
import type { SourcedObject } from "../model/snapshot.js";

/** `rbac.yaml:12`, `rbac.yaml`, `prod-context`, or undefined when the origin says nothing. */
export function placeOf(o: SourcedObject): string | undefined {
  const file = o.origin.file ?? o.origin.context;
  if (file === undefined) return undefined;
  return o.origin.line === undefined ? file : `${file}:${o.origin.line}`;
}
