// Findings left out of the list as noise, counted per namespace so nothing disappears unsaid.
import type { Severity } from "./severity.js";

/**
 * The latent risks (not happening now) of one system namespace (`kube-system`, …), counted instead of listed:
 * `pitfall scan --include-system` lists them.
 */
export interface NoiseGroup {
  /** The context it was seen in, when several were scanned. */
  context?: string;
  namespace: string;
  /** How many findings were left out. */
  findings: number;
  /** Their count per severity, most severe first. */
  severities: Partial<Record<Severity, number>>;
  /** The pitfalls they belong to, in id order. */
  pitfalls: string[];
}
