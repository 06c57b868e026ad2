// Where another object a finding leans on was read, for evidence: its file and line in the inputs.
import type { SourcedObject } from "../model/snapshot.js";

/**
 * `rbac.yaml:12`, or undefined for an object without a line (a cluster's or a dump's): the finding already says
 * which cluster, and a dump's file name would make a dump's findings differ from the live scan's.
 */
export function placeOf(o: SourcedObject): string | undefined {
  const { file, line } = o.origin;
  return file === undefined || line === undefined ? undefined : `${file}:${line}`;
}
