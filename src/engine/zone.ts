// Which zone and distribution a run targets: from flags, the config's zones, or the kube context.
import type { Config } from "../config/model.js";
import type { Distribution } from "../model/snapshot.js";
import type { ZoneDistribution } from "../kb/model.js";
import { normalizeZone, zonesFor } from "../kb/zones.js";

export interface ZoneInput {
  /** `--zone`: `1`, `zone 1`, `Zone1`. */
  zone?: string;
  /** `--distribution`. */
  distribution?: Distribution;
  /** The kube context of a live target. */
  context?: string;
  config: Config;
  /** The page header's zone → distribution map. */
  zoneMap: ZoneDistribution[];
}

export interface ResolvedZone {
  zone?: string;
  distribution?: Distribution;
  /** How the answer was reached, for `--explain` style output. */
  how: string;
}

/** Config keys are written freely (`1`, `zone-1`, `Zone 1`); compare them as a user's `--zone`. */
export function zoneKey(key: string): string {
  return normalizeZone(key.replace(/^zone[-_\s]*/i, ""));
}

export function resolveZone(input: ZoneInput): ResolvedZone {
  const zones = Object.entries(input.config.zones);
  if (input.zone !== undefined && input.zone.trim() !== "") {
    const zone = normalizeZone(input.zone);
    if (input.distribution)
      return {
        zone,
        distribution: input.distribution,
        how: `--zone ${zone}, --distribution ${input.distribution}`,
      };
    const configured = zones.find(([key]) => zoneKey(key) === zone)?.[1].distribution;
    if (configured)
      return { zone, distribution: configured, how: `--zone ${zone}; ${configured} per the config's zones` };
    const paged = input.zoneMap.find((z) => String(z.zone) === zone);
    if (paged)
      return {
        zone,
        distribution: paged.distribution,
        how: `--zone ${zone}; ${paged.distribution} per the page header (${paged.text})`,
      };
    return {
      zone,
      how: `--zone ${zone}; its distribution is unknown (neither the config nor the page header names it)`,
    };
  }
  if (input.distribution) {
    const d = input.distribution;
    const configured = zones.find(([, z]) => z.distribution === d)?.[0];
    if (configured !== undefined)
      return {
        zone: zoneKey(configured),
        distribution: d,
        how: `--distribution ${d}; zone ${zoneKey(configured)} per the config's zones`,
      };
    const paged = zonesFor(d, input.zoneMap)[0];
    if (paged !== undefined)
      return {
        zone: String(paged),
        distribution: d,
        how: `--distribution ${d}; zone ${paged} per the page header`,
      };
    return {
      distribution: d,
      how: `--distribution ${d}; no zone runs ${d} (neither the config nor the page header says)`,
    };
  }
  if (input.context !== undefined) {
    const hit = zones.find(([, z]) => z.contexts?.includes(input.context!));
    if (hit) {
      const zone = zoneKey(hit[0]);
      const distribution =
        hit[1].distribution ?? input.zoneMap.find((z) => String(z.zone) === zone)?.distribution;
      return {
        zone,
        ...(distribution ? { distribution } : {}),
        how: `kube context ${input.context} is listed under zones.${hit[0]} in the config`,
      };
    }
    return { how: `kube context ${input.context} is not listed under any zone in the config; give --zone` };
  }
  return { how: "no --zone, --distribution or known kube context: zone-specific pitfalls are skipped" };
}
