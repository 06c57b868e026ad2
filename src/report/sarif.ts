// SARIF 2.1.0 for code scanning (GitHub, GitLab, IDEs): one rule per pitfall and detector, with the
// pitfall's prose and steps as help, and each result pointing at the offending field.
import { createHash } from "node:crypto";
import type { Pitfall } from "../kb/model.js";
import type { Severity } from "../model/severity.js";
import { compareFindings, type Finding } from "../model/finding.js";
import { objectLabel } from "./labels.js";
import { helpMarkdown, helpText, proseOf } from "./steps.js";
import type { ReportInput } from "./types.js";

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export interface SarifOptions {
  /** The tool's version, shown as `tool.driver.version`. */
  version: string;
  showSuppressed?: boolean;
}

export type SarifLevel = "error" | "warning" | "note";

// The parts of the SARIF 2.1.0 object model this reporter writes.
export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; severity: Severity; pitfall: string; rule: string };
}

export interface SarifLocation {
  physicalLocation?: {
    artifactLocation: { uri: string };
    region?: { startLine?: number; startColumn?: number };
  };
  logicalLocations?: { fullyQualifiedName: string; kind: string }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: { severity: Severity; object: string; container?: string };
  suppressions?: { kind: "external" | "inSource"; justification: string }[];
}

export interface SarifNotification {
  level: "error" | "warning";
  message: SarifMessage;
  descriptor: { id: string };
  locations?: SarifLocation[];
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion: string; rules: SarifRule[] } };
  invocations: { executionSuccessful: boolean; toolExecutionNotifications?: SarifNotification[] }[];
  columnKind: "unicodeCodePoints";
  results: SarifResult[];
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: SarifRun[];
}

/** Severity to SARIF level: what must not ship is an error, what should be looked at a warning. */
function sarifLevel(s: Severity): SarifLevel {
  return s === "CRITICAL" || s === "HIGH" ? "error" : s === "MEDIUM" ? "warning" : "note";
}

/** The id a result refers to: the pitfall, and the detector when it is not named after the pitfall. */
function sarifRuleId(f: Pick<Finding, "pitfall" | "rule">): string {
  return f.rule === f.pitfall ? f.pitfall : `${f.pitfall}/${f.rule}`;
}

export function sarifReport(input: ReportInput, opts: SarifOptions): SarifLog {
  const suppressed = opts.showSuppressed ? input.suppressed : [];
  const ruleIndex = new Map<string, number>();
  const rules: SarifRule[] = [];
  const used = [
    ...input.findings.map((f) => ({ pitfall: f.pitfall, rule: f.rule, severity: f.severity })),
    ...suppressed.map((s) => ({
      pitfall: s.pitfall,
      rule: s.rule,
      severity: input.pitfall(s.pitfall)?.severity,
    })),
  ].sort((a, b) => sarifRuleId(a).localeCompare(sarifRuleId(b)));
  for (const u of used) {
    const id = sarifRuleId(u);
    if (ruleIndex.has(id)) continue;
    ruleIndex.set(id, rules.length);
    rules.push(sarifRule(id, u, input.pitfall(u.pitfall)));
  }
  const results: SarifResult[] = [
    ...[...input.findings].sort(compareFindings).map((f) => sarifResult(f, ruleIndex)),
    // SARIF keeps suppressed results, marked, so code scanning shows them as dismissed with the reason.
    ...suppressed.map((s) => {
      const severity = input.pitfall(s.pitfall)?.severity ?? "MEDIUM";
      const finding: Finding = {
        ...s,
        severity,
        messageId: "suppressed",
        data: {},
        message: `suppressed${s.by ? ` by ${s.by}` : ""}: ${s.reason}`,
      };
      return {
        ...sarifResult(finding, ruleIndex),
        suppressions: [{ kind: "external" as const, justification: s.reason }],
      };
    }),
  ];
  const errors = input.diagnostics.filter((d) => d.severity === "error");
  const notifications = input.diagnostics.map(
    (d): SarifNotification => ({
      level: d.severity === "error" ? "error" : "warning",
      message: { text: d.message },
      descriptor: { id: d.code },
      // `<rules>` and the like name no file.
      ...(isPseudoFile(d.file) ? {} : { locations: [physicalLocation(d.file, d.line, d.column)] }),
    }),
  );
  const run: SarifRun = {
    tool: {
      driver: {
        name: "pitfall",
        version: opts.version,
        semanticVersion: opts.version,
        rules,
      },
    },
    invocations: [
      {
        executionSuccessful: errors.length === 0,
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      },
    ],
    columnKind: "unicodeCodePoints",
    results,
  };
  return { $schema: SARIF_SCHEMA, version: "2.1.0", runs: [run] };
}

export function formatSarif(input: ReportInput, opts: SarifOptions): string {
  return `${JSON.stringify(sarifReport(input, opts), null, 2)}\n`;
}

function sarifRule(
  id: string,
  f: { pitfall: string; rule: string; severity?: Severity },
  p: Pitfall | undefined,
): SarifRule {
  const title = p?.title ?? f.pitfall;
  const prose = p ? proseOf(p) : [];
  const tags = ["kubernetes", "pitfall"];
  if (p) tags.push(...(p.zones.all ? ["zone-all"] : p.zones.zones.map((z) => `zone-${z}`)));
  if (p?.zones.note) tags.push(p.zones.note.toLowerCase());
  const severity = p?.severity ?? f.severity ?? "MEDIUM";
  return {
    id,
    name: camelName(title),
    shortDescription: { text: title },
    fullDescription: { text: prose.join(" ") || title },
    help: p ? { text: helpText(p), markdown: helpMarkdown(p) } : { text: title },
    defaultConfiguration: { level: sarifLevel(severity) },
    properties: { tags, severity, pitfall: f.pitfall, rule: f.rule },
  };
}

function sarifResult(f: Finding, ruleIndex: Map<string, number>): SarifResult {
  const id = sarifRuleId(f);
  const logical = {
    fullyQualifiedName: `${objectLabel(f.object).replace(" ", "/")}${f.container ? `/${f.container}` : ""}`,
    kind: "resource",
  };
  const location: SarifLocation = f.file
    ? { ...physicalLocation(f.file, f.line, f.column), logicalLocations: [logical] }
    : { logicalLocations: [logical] };
  return {
    ruleId: id,
    ruleIndex: ruleIndex.get(id) ?? -1,
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [location],
    // Stable across edits that only move lines, so code scanning keeps one alert per object.
    partialFingerprints: { "pitfallObject/v1": fingerprint(f) },
    properties: {
      severity: f.severity,
      object: objectLabel(f.object),
      ...(f.container ? { container: f.container } : {}),
    },
  };
}

function physicalLocation(file: string, line?: number, column?: number): SarifLocation {
  const region: { startLine?: number; startColumn?: number } = {};
  if (line !== undefined && line >= 1) region.startLine = line;
  if (region.startLine !== undefined && column !== undefined && column >= 1) region.startColumn = column;
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(file) },
      ...(Object.keys(region).length ? { region } : {}),
    },
  };
}

function isPseudoFile(file: string): boolean {
  return file.startsWith("<") && file !== "<stdin>";
}

/** Relative paths stay relative (code scanning resolves them against the checkout); each segment encoded. */
export function fileUri(file: string): string {
  const path = file.replace(/\\/g, "/");
  const encoded = path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return path.startsWith("/") ? `file://${encoded}` : encoded;
}

function fingerprint(f: Finding): string {
  const key = [
    f.pitfall,
    f.rule,
    f.file ?? "",
    f.object.kind,
    f.object.namespace ?? "",
    f.object.name,
    f.container ?? "",
  ];
  return createHash("sha256").update(key.join("\u0000")).digest("hex").slice(0, 32);
}

function camelName(title: string): string {
  const words = title.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}
