// The filters of `GET /api/findings` and of the dashboard: context, zone, severity (at or above), namespace.
import { SEVERITIES, type Severity, severityRank } from "../model/severity.js";
import { normalizeZone } from "../kb/zones.js";
import type { Finding } from "../model/finding.js";
import type { Unexplained } from "../model/unexplained.js";
import { HttpError } from "./http.js";

export interface FindingFilters {
  context?: string;
  zone?: string;
  /** This severity or worse. */
  severity?: Severity;
  namespace?: string;
}

/** Filters from a query string; an unknown severity is a 400 (`strict`) or left out (the dashboard). */
export function filtersOf(query: URLSearchParams, strict: boolean): FindingFilters {
  const out: FindingFilters = {};
  const text = (name: string) => {
    const v = query.get(name)?.trim();
    return v ? v : undefined;
  };
  const context = text("context");
  if (context) out.context = context;
  const zone = text("zone");
  if (zone) out.zone = normalizeZone(zone);
  const namespace = text("namespace");
  if (namespace) out.namespace = namespace;
  const severity = text("severity")?.toUpperCase();
  if (severity) {
    if ((SEVERITIES as readonly string[]).includes(severity)) out.severity = severity as Severity;
    else if (strict)
      throw new HttpError(
        400,
        `unknown severity '${query.get("severity")}': use one of ${SEVERITIES.join(", ")}`,
      );
  }
  return out;
}

export function filterFindings(findings: readonly Finding[], f: FindingFilters): Finding[] {
  return findings.filter(
    (x) =>
      (f.context === undefined || x.context === f.context) &&
      (f.zone === undefined || x.zone === f.zone) &&
      (f.namespace === undefined || x.object.namespace === f.namespace) &&
      (f.severity === undefined || severityRank(x.severity) <= severityRank(f.severity)),
  );
}

/** The filters as a query string (`?severity=HIGH&zone=1`), for links and for the live refresh. */
export function filterQuery(f: FindingFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Unexplained failures under the same filters; they have no severity, so a severity filter leaves them be. */
export function filterUnexplained(list: readonly Unexplained[], f: FindingFilters): Unexplained[] {
  return list.filter(
    (u) =>
      (f.context === undefined || u.context === f.context) &&
      (f.zone === undefined || u.zone === f.zone) &&
      (f.namespace === undefined || u.pod.namespace === f.namespace),
  );
}
