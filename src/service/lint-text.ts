// Manifests given as text (an HTTP body, a tool argument) checked like `pitfall lint`: parse, resolve the zone, run.
import type { Config } from "../config/model.js";
import { type RunResult, runEngine } from "../engine/run.js";
import type { Snapshot, Distribution } from "../model/snapshot.js";
import { resolveZone } from "../engine/zone.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { normalizeZone } from "../kb/zones.js";
import { parseManifests } from "../sources/manifests.js";

export interface LintTextRequest {
  text: string;
  /** Shown in locations. Default `manifest.yaml`. */
  file?: string;
  kb: KnowledgeBase;
  config: Config;
  zone?: string;
  distribution?: Distribution;
}

export interface LintTextResult extends RunResult {
  objects: number;
  /** Parse problems first, then the engine's. */
  problems: Diagnostic[];
  zone?: string;
  distribution?: Distribution;
  /** How the zone was chosen. */
  how: string;
}

/** A zone that is not a number (or ALL). */
export class ZoneError extends Error {
  override name = "ZoneError";
}

export function lintText(req: LintTextRequest): LintTextResult {
  if (req.zone !== undefined && !/^(ALL|\d+)$/.test(normalizeZone(req.zone)))
    throw new ZoneError(`unknown zone '${req.zone}': write a zone number (1, 2) or ALL`);
  const file = req.file ?? "manifest.yaml";
  const parsed = parseManifests(req.text, file);
  const zone = resolveZone({
    ...(req.zone !== undefined ? { zone: req.zone } : {}),
    ...(req.distribution !== undefined ? { distribution: req.distribution } : {}),
    config: req.config,
    zoneMap: req.kb.zoneMap,
  });
  const snapshot: Snapshot = {
    target: { kind: "manifests", name: file },
    objects: parsed.objects,
    diagnostics: parsed.diagnostics,
    incomplete: [],
  };
  const result = runEngine(snapshot, {
    mode: "manifest",
    kb: req.kb,
    config: req.config,
    ...(zone.zone !== undefined ? { zone: zone.zone } : {}),
    ...(zone.distribution !== undefined ? { distribution: zone.distribution } : {}),
  });
  return {
    ...result,
    objects: parsed.objects.length,
    problems: [...parsed.diagnostics, ...result.diagnostics],
    ...(zone.zone !== undefined ? { zone: zone.zone } : {}),
    ...(zone.distribution !== undefined ? { distribution: zone.distribution } : {}),
    how: zone.how,
  };
}
