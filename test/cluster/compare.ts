// Findings from different sources made comparable: ages depend on when each run read the clock, uids on which
// server made the object; everything else must be equal.

export interface JsonFinding {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  container?: string;
  message: string;
  evidence?: { kind: string; text: string }[];
  runbook?: { kind: string; text: string; unfilled?: string[] }[];
  context?: string;
  zone?: string;
}

export interface ScanJson {
  targets: { zone?: string; distribution?: string; how: string; objects?: number }[];
  findings: JsonFinding[];
  incomplete?: { resource: string; reason: string; context?: string }[];
}

const AGE = /\b\d+(?:d|h|ms|m|s)(?:\d+(?:h|ms|m|s))*\b/g;
// MicroTime fields (an event's eventTime) come from the API server with six fraction digits, from fixtures without.
const FRACTION = /(T\d\d:\d\d:\d\d)\.0+Z/g;
const UID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/**
 * Ages ("5m18s", "30d") and uids replaced by placeholders, zero fractions of seconds dropped, in every string of a
 * JSON value; `takenAt` left out.
 */
export function timeless<T>(value: T): T {
  if (typeof value === "string")
    return value.replace(UID, "<uid>").replace(FRACTION, "$1Z").replace(AGE, "<age>") as T;
  if (Array.isArray(value)) return value.map(timeless) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "takenAt")
        .map(([k, v]) => [k, timeless(v)]),
    ) as T;
  return value;
}

/**
 * One line per finding, normalized and sorted: two runs that found the same compare equal. `where: false` leaves
 * out what says where a finding was read (file for a dump; context and zone for a cluster).
 */
export function comparable(findings: readonly JsonFinding[], opts: { where?: boolean } = {}): string[] {
  return findings
    .map((f) => {
      const copy: Record<string, unknown> = { ...timeless(f) };
      if (opts.where === false) for (const k of ["file", "line", "column", "context", "zone"]) delete copy[k];
      return JSON.stringify(copy);
    })
    .sort();
}

/** `rule Kind/ns/name container`: a finding's identity, for messages and counting. */
export function findingKey(f: JsonFinding): string {
  const o = f.object;
  return `${f.rule} ${o.kind}/${o.namespace ?? ""}/${o.name}${f.container ? ` ${f.container}` : ""}`;
}
