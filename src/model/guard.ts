// A guard's answer about one command line: what the guard service gives and the report, MCP and the hook show.
import type { Diagnostic } from "./diagnostic.js";
import type { Finding, RunbookStep } from "./finding.js";
import type { Severity } from "./severity.js";

export interface GuardMatch {
  pitfall: string;
  title: string;
  severity: Severity;
  /** The simple command that matched, secrets masked. */
  command: string;
  /** The GUARD line and where it is written. */
  guard: string;
  source: string;
  /** Why: the page's ANTI_PATTERN lines and what the cluster or Redis showed. */
  why: string[];
  /** The pitfall's steps filled with the command's names (FIX, RUN, CHECK, …). */
  runbook: RunbookStep[];
  /** A zone-specific pitfall matched where the zone is not known. */
  zoneNote?: string;
}

export interface GuardUnchecked {
  pitfall: string;
  title: string;
  command: string;
  reason: string;
}

export interface GuardNote {
  command: string;
  message: string;
}

export interface GuardResult {
  verdict: "fine" | "match" | "unchecked";
  commands: { text: string; program: string; verb: string }[];
  matches: GuardMatch[];
  /** Findings of the manifests the command applies. */
  findings: Finding[];
  unchecked: GuardUnchecked[];
  notes: GuardNote[];
  /** GUARD lines that do not compile, manifests that do not parse. */
  errors: Diagnostic[];
  zone?: string;
}
