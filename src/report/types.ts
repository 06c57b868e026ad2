// What every reporter is given: findings and the run's problems, plus the pitfalls for titles and steps.
import type { Diagnostic } from "../model/diagnostic.js";
import type { Pitfall } from "../kb/model.js";
import type { ObjectRef } from "../model/kube.js";
import type { Finding } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";
import type { Unexplained } from "../model/unexplained.js";
import type { NoiseGroup } from "../model/noise.js";

/** A finding an ignore (annotation or config) silenced, with the reason it gives; the engine's Suppression fits. */
export interface SuppressedFinding {
  pitfall: string;
  rule: string;
  object: ObjectRef;
  file?: string;
  line?: number;
  /** `annotation` or `config`. */
  by?: string;
  reason: string;
}

export interface ReportInput {
  findings: Finding[];
  /** Input problems; errors are listed as errors, warnings only where a format has room for them. */
  diagnostics: Diagnostic[];
  suppressed: SuppressedFinding[];
  /** What could not be checked (live targets). */
  incomplete?: Incomplete[];
  /** Pods failing now that no pitfall explains (scans); JSON prints the key whenever it is given. */
  unexplained?: Unexplained[];
  /** System namespaces' latent risks counted instead of listed (scans); JSON prints the key whenever it is given. */
  grouped?: NoiseGroup[];
  /** Findings about live state (clusters, dumps): show whole runbooks, not only the fixes. */
  live?: boolean;
  /** The loaded page's pitfall for an id (a team's page wins over the built-in one). */
  pitfall(id: string): Pitfall | undefined;
}

/** Same shape as the CLI's painter, so reporters colour without knowing about terminals. */
export type Paint = (
  style: "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan",
  text: string,
) => string;

/** The text of a source line (1-based), when the file can be read; reporters quote it. */
export type SourceLine = (file: string, line: number) => string | undefined;
