// A problem in an input (page, manifest, dump, config), pointing at the file and line.

export type DiagnosticSeverity = "error" | "warning";

export interface Diagnostic {
  file: string;
  line: number;
  column?: number;
  severity: DiagnosticSeverity;
  /** Stable code, e.g. `missing-severity`. */
  code: string;
  /** What is wrong and what to write instead. */
  message: string;
}
