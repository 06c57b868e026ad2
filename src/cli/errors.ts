// Exit codes and the errors that map to them; the one error boundary lives in main.ts.

export const EXIT = {
  /** Nothing found, nothing wrong. */
  OK: 0,
  /** Findings, or problems in the inputs (page lint errors, unreadable documents). */
  FINDINGS: 1,
  /** Bad flags or unusable input: nothing was checked. */
  USAGE: 2,
  /** The run finished but could not check everything (RBAC, missing CRD, timeouts). */
  INCOMPLETE: 3,
} as const;

/** A user mistake: wrong flag, missing file, bad value. The message says what to do instead. */
export class UsageError extends Error {
  override name = "UsageError";
}
