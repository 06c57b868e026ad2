// What every check produces, whatever it looked at: a manifest, a live object, a stream.
import type { ObjectRef } from "./kube.js";
import { type Severity, severityRank } from "./severity.js";

/** Structured line keywords that are runbook steps, in page order. */
export const STEP_KINDS = ["IF", "THEN", "RUN", "CHECK", "FIX", "ANTI_PATTERN", "READ_ALSO"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** What was seen that makes the finding true. */
export interface Evidence {
  /** `field` (manifest), `status`, `event`, `log`, `metric`, `history`, `stream`. */
  kind: string;
  text: string;
  /** Where it was seen, e.g. `status.containerStatuses[0].lastState` or an event reason. */
  source?: string;
}

export interface RunbookStep {
  kind: StepKind;
  /** The step with placeholders filled (shell-quoted inside RUN). */
  text: string;
  /** Placeholders that could not be filled and stay visible. */
  unfilled?: string[];
}

export interface Finding {
  pitfall: string;
  rule: string;
  severity: Severity;
  object: ObjectRef;
  container?: string;
  file?: string;
  line?: number;
  column?: number;
  messageId: string;
  data: Record<string, string | number>;
  message: string;
  evidence?: Evidence[];
  runbook?: RunbookStep[];
  /** Live targets only. */
  context?: string;
  zone?: string;
  /**
   * `latent`: a manifest rule's finding on a live workload (its topmost owner): not happening now, but what its
   * spec will run into. Absent: happening now (live) or a manifest's finding (lint).
   */
  kind?: "latent";
}

/** Fill `{{name}}` slots of a rule's message template with the report's data. */
export function formatMessage(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (m, key: string) =>
    key in data ? String(data[key]) : m,
  );
}

/** Most severe first; then by file/line, then object. Stable across runs. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.file ?? "").localeCompare(b.file ?? "") ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.object.namespace ?? "").localeCompare(b.object.namespace ?? "") ||
    a.object.name.localeCompare(b.object.name) ||
    a.pitfall.localeCompare(b.pitfall) ||
    (a.container ?? "").localeCompare(b.container ?? "")
  );
}
