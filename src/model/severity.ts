// Severities, most severe first: a pitfall's, a finding's, a `--fail-on` threshold.

export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;
export type Severity = (typeof SEVERITIES)[number];

const ORDER: Record<Severity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

/** 0 for CRITICAL up to 3 for LOW: a lower rank is more severe. */
export function severityRank(s: Severity): number {
  return ORDER[s];
}
