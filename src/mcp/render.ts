// Text an agent acts on: one block per finding (severity, pitfall, object, message, evidence, RUN lines to paste).
import type { KnowledgeBase } from "../kb/load.js";
import { visible } from "../model/sanitize.js";
import { zonesOf } from "../kb/summary.js";
import type { Pitfall } from "../kb/model.js";
import { countsText } from "../report/labels.js";
import type { Finding } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";
import { findingBlock } from "../report/finding-block.js";

/** Findings as blocks, most severe first, at most `limit`; says how many were left out and how to see them. */
export function findingsText(
  findings: Finding[],
  kb: KnowledgeBase,
  limit: number,
  narrow: string,
  steps: "all" | "fix" = "all",
): string {
  if (!findings.length) return "no findings";
  const shown = findings.slice(0, limit);
  const blocks = shown.map((f) => findingBlock(f, kb.byId.get(f.pitfall), { steps }).join("\n"));
  const more = findings.length - shown.length;
  const tail = more > 0 ? [`… ${more} more findings not shown: ${narrow}`] : [];
  return [`${countsText(findings)}`, "", blocks.join("\n\n"), ...tail].join("\n");
}

/** `oomkilled — OOMKilled (HIGH, zone ALL)`. */
export function pitfallLine(p: Pitfall): string {
  return visible(`${p.id} — ${p.title} (${p.severity}, zone ${p.zones.text || zonesOf(p).join("+")})`);
}

/** What could not be read, one line per reason (an unreachable cluster fails every list the same way). */
export function notReadLines(incomplete: Incomplete[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const i of incomplete) byReason.set(i.reason, [...(byReason.get(i.reason) ?? []), i.resource]);
  return [...byReason].map(([reason, resources]) => visible(`not read (${resources.join(", ")}): ${reason}`));
}

/** Nothing at all was read: say why, so an unreachable cluster never passes for a clean one. */
export function nothingRead(target: string, incomplete: Incomplete[]): string | undefined {
  if (!incomplete.length) return undefined;
  return `nothing could be read from ${visible(target)}: ${visible([...new Set(incomplete.map((i) => i.reason))].join("; "))}. Check that the cluster is reachable (kubeconfig, context, VPN) and that the credentials may list it.`;
}
