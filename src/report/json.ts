// Machine output with a stable shape: keys in a fixed order, absent optional keys left out.
import type { ObjectRef } from "../model/kube.js";
import { type Evidence, type RunbookStep, compareFindings, type Finding } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";
import type { Unexplained } from "../model/unexplained.js";
import type { NoiseGroup } from "../model/noise.js";
import type { ReportInput } from "./types.js";

export interface JsonFinding {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string; stream?: string; group?: string };
  /** `latent`: a live workload's spec will run into this; not happening now. */
  kind?: "latent";
  container?: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
  evidence?: Evidence[];
  runbook?: RunbookStep[];
  context?: string;
  zone?: string;
}

export interface JsonReport {
  findings: JsonFinding[];
  errors: { file: string; line: number; message: string }[];
  suppressed: number;
  /** Only with showSuppressed: what was silenced and why. */
  suppressions?: JsonSuppression[];
  incomplete?: Incomplete[];
  /** Scans: pods failing now that no pitfall explains (model/unexplained.ts documents the shape). */
  unexplained?: Unexplained[];
  /** Scans: system namespaces' latent risks, counted per namespace (model/noise.ts). */
  grouped?: NoiseGroup[];
}

export interface JsonSuppression {
  pitfall: string;
  rule: string;
  object: JsonFinding["object"];
  file?: string;
  line?: number;
  by?: string;
  reason: string;
}

export interface JsonOptions {
  showSuppressed?: boolean;
}

export function jsonReport(input: ReportInput, opts: JsonOptions = {}): JsonReport {
  const report: JsonReport = {
    findings: [...input.findings].sort(compareFindings).map(jsonFinding),
    errors: input.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => ({ file: d.file, line: d.line, message: d.message })),
    suppressed: input.suppressed.length,
  };
  if (opts.showSuppressed)
    report.suppressions = input.suppressed.map((s) => {
      const out: Record<string, unknown> = { pitfall: s.pitfall, rule: s.rule, object: jsonObject(s.object) };
      if (s.file !== undefined) out.file = s.file;
      if (s.line !== undefined) out.line = s.line;
      if (s.by !== undefined) out.by = s.by;
      out.reason = s.reason;
      return out as unknown as JsonSuppression;
    });
  if (input.incomplete?.length)
    report.incomplete = input.incomplete.map((i) => ({ resource: i.resource, reason: i.reason }));
  if (input.unexplained) report.unexplained = input.unexplained;
  if (input.grouped) report.grouped = input.grouped;
  return report;
}

export function formatJson(input: ReportInput, opts: JsonOptions = {}): string {
  return [...jsonParts(input, opts)].join("");
}

/** Findings written by one JSON.stringify call: few enough that no part is large. */
export const FINDINGS_PER_PART = 256;

/**
 * formatJson's text in parts, a finding at a time: a report of a hundred thousand findings is never one string
 * (nor one object of them all) on its way out.
 */
export function* jsonParts(input: ReportInput, opts: JsonOptions = {}): Generator<string> {
  const { findings: _none, ...rest } = jsonReport({ ...input, findings: [] }, opts);
  const findings = [...input.findings].sort(compareFindings);
  if (!findings.length) {
    yield `${JSON.stringify({ findings: [], ...rest }, null, 2)}\n`;
    return;
  }
  // As JSON.stringify(report, null, 2) writes them, a few hundred findings at a time: the same call on a part
  // of the list, its opening and closing lines cut off.
  yield '{\n  "findings": [\n';
  const open = '{\n  "findings": [\n'.length;
  const close = "\n  ]\n}".length;
  for (let i = 0; i < findings.length; i += FINDINGS_PER_PART) {
    const part = findings.slice(i, i + FINDINGS_PER_PART).map(jsonFinding);
    const text = JSON.stringify({ findings: part }, null, 2);
    yield `${i ? ",\n" : ""}${text.slice(open, text.length - close)}`;
  }
  yield `\n  ],\n${JSON.stringify(rest, null, 2).slice(2)}\n`;
}

/** Built key by key so the order never depends on how the engine filled the finding. */
export function jsonFinding(f: Finding): JsonFinding {
  const out: Record<string, unknown> = {
    pitfall: f.pitfall,
    rule: f.rule,
    severity: f.severity,
    object: jsonObject(f.object),
  };
  if (f.kind !== undefined) out.kind = f.kind;
  if (f.container !== undefined) out.container = f.container;
  if (f.file !== undefined) out.file = f.file;
  if (f.line !== undefined) out.line = f.line;
  if (f.column !== undefined) out.column = f.column;
  out.message = f.message;
  if (f.evidence?.length)
    out.evidence = f.evidence.map((e) => ({
      kind: e.kind,
      text: e.text,
      ...(e.source ? { source: e.source } : {}),
    }));
  if (f.runbook?.length)
    out.runbook = f.runbook.map((s) => ({
      kind: s.kind,
      text: s.text,
      ...(s.unfilled?.length ? { unfilled: s.unfilled } : {}),
    }));
  // Live findings (no file) say where they were seen; a manifest finding's zone is the run's, said once on stderr.
  if (f.file === undefined) {
    if (f.context !== undefined) out.context = f.context;
    if (f.zone !== undefined) out.zone = f.zone;
  }
  return out as unknown as JsonFinding;
}

function jsonObject(o: ObjectRef): JsonFinding["object"] {
  const object: Record<string, string> = { kind: o.kind };
  if (o.namespace !== undefined) object.namespace = o.namespace;
  object.name = o.name;
  // Redis Streams findings are about a consumer of a group of a stream.
  if (o.stream !== undefined) object.stream = o.stream;
  if (o.group !== undefined) object.group = o.group;
  return object as JsonFinding["object"];
}
