// One finding as a block of plain lines: severity and pitfall, object, message, evidence, the steps to take.
// Shared by `explain` and the MCP tools, so people and agents read the same thing.
import type { Pitfall } from "../kb/model.js";
import { locationLabel, objectLabel } from "./labels.js";
import { shownSteps } from "./steps.js";
import { severityLabel } from "./text.js";
import type { Paint } from "./types.js";
import { visibleDeep } from "../model/sanitize.js";
import type { Finding, RunbookStep } from "../model/finding.js";

const plain: Paint = (_s, t) => t;

export interface BlockOptions {
  paint?: Paint;
  indent?: string;
  /** `all`: the whole filled runbook (live objects, dumps); `fix`: what a manifest needs before deploy. */
  steps?: "all" | "fix";
}

export function findingBlock(finding: Finding, page: Pitfall | undefined, opts: BlockOptions = {}): string[] {
  // What came from the cluster or the page is shown, never interpreted, and stays on its line.
  const f = visibleDeep(finding);
  const pitfall = page && visibleDeep(page);
  const paint = opts.paint ?? plain;
  const indent = opts.indent ?? "";
  const title = pitfall?.title ?? f.pitfall;
  const where = [
    locationLabel(f),
    objectLabel(f.object),
    f.container ? `container ${f.container}` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  const lines = [
    `${indent}${severityLabel(paint, f.severity)} ${paint("bold", title)} ${paint("dim", `(${f.pitfall})${f.kind === "latent" ? " · latent risk, not happening now" : ""}`)}`,
    `${indent}  ${paint("cyan", where)}`,
    `${indent}  ${f.message}`,
  ];
  for (const e of f.evidence ?? [])
    lines.push(`${indent}  ${paint("dim", `${e.kind}${e.source ? ` (${e.source})` : ""}:`)} ${e.text}`);
  // A dump's objects carry a file too, but they are live objects: they get the whole runbook.
  const steps: RunbookStep[] =
    opts.steps === "fix"
      ? shownSteps(f, pitfall)
      : f.runbook?.length
        ? f.runbook
        : (pitfall?.steps.map((s) => ({ kind: s.kind, text: s.text })) ?? []);
  for (const s of steps) {
    const unfilled = s.unfilled?.length ? paint("dim", `  (fill in: ${s.unfilled.join(", ")})`) : "";
    lines.push(`${indent}  ${paint(s.kind === "RUN" ? "cyan" : "green", `${s.kind}:`)} ${s.text}${unfilled}`);
  }
  return lines;
}
