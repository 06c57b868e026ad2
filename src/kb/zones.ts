// Zones: which pitfalls apply where, and which zone runs which distribution.
import type { Distribution } from "../model/snapshot.js";
import type { MetaField, ZoneDistribution, ZoneSpec } from "./model.js";

/** `ALL`, `1`, `1 (k3s)`, `2+3`, `Zones 2+3`, `1, 2`, `1-3`; undefined when not understood. */
export function parseZones(value: string): ZoneSpec | undefined {
  const text = value.trim();
  const note = /\(([^)]*)\)\s*$/.exec(text)?.[1]?.trim();
  const core = text
    .replace(/\([^)]*\)\s*$/, "")
    .trim()
    .replace(/^zones?\s*/i, "");
  const spec: ZoneSpec = { all: false, zones: [], text };
  if (note) spec.note = note;
  if (/^all$/i.test(core)) return { ...spec, all: true };
  const parts = core.split(/\s*(?:\+|,|&|\band\b)\s*/i).filter(Boolean);
  if (!parts.length) return undefined;
  for (const part of parts) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a || b - a > 100) return undefined;
      for (let z = a; z <= b; z++) spec.zones.push(z);
    } else if (/^\d+$/.test(part)) spec.zones.push(Number(part));
    else return undefined;
  }
  return spec;
}

/** Normalise what a user types for a zone: `1`, `zone 1`, `Zone1` → `1`; `all` → `ALL`. */
export function normalizeZone(zone: string): string {
  const z = zone.trim().replace(/^zone\s*/i, "");
  return /^all$/i.test(z) ? "ALL" : z;
}

export function appliesToZone(spec: ZoneSpec, zone: string | undefined): boolean {
  if (zone === undefined) return true;
  const z = normalizeZone(zone);
  if (spec.all || z === "ALL") return true;
  return spec.zones.includes(Number(z));
}

/**
 * The header says which zone runs what, e.g.
 * `GE_STACK_VERSION: k3s v1.34.x (Zone 1), UpCloud Managed K8s (Zones 2+3)`.
 */
export function zoneMapOf(meta: MetaField[]): ZoneDistribution[] {
  const out: ZoneDistribution[] = [];
  for (const field of meta) {
    for (const part of splitOutsideParens(field.value)) {
      const m = /\((zones?\s*[^)]*)\)/i.exec(part);
      if (!m) continue;
      const zones = parseZones(m[1]!);
      if (!zones || zones.all) continue;
      const distribution: Distribution = /\bk3s\b/i.test(part.replace(m[0], "")) ? "k3s" : "managed";
      for (const zone of zones.zones)
        if (!out.some((o) => o.zone === zone)) out.push({ zone, distribution, text: part.trim() });
    }
  }
  return out;
}

function splitOutsideParens(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(") depth++;
    if (c === ")") depth = Math.max(0, depth - 1);
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Zones that run a distribution, per the page's zone map. */
export function zonesFor(distribution: Distribution, map: ZoneDistribution[]): number[] {
  return map.filter((z) => z.distribution === distribution).map((z) => z.zone);
}
