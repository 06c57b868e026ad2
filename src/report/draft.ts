// kb draft's result for people (what was searched and decided, next steps) and for machines (stable JSON).
import type { RecordProposal } from "../model/draft.js";
import { visible } from "../model/sanitize.js";
import type { Unexplained } from "../model/unexplained.js";
import type { Paint } from "./types.js";

/** The parts of a kb draft result a report reads (service/draft's DraftResult has this shape). */
export interface DraftReport {
  action: "draft" | "record";
  failure: Unexplained;
  searched: { id: string; title: string; score: number; explains: boolean; why: string }[];
  drafted?: {
    id: string;
    markdown: string;
    text: string;
    draft: {
      entry: { title: string; severity: string; zone: string };
      severity: { level: string; why: string };
      detect: { expr?: string; note: string };
      addedFrom: string;
    };
  };
  record?: RecordProposal;
}

/** What kb draft decided and why, and what to do next; the entry itself is printed apart. */
export function draftNotes(r: DraftReport, paint: Paint, page = "<your page>"): string[] {
  const u = r.failure;
  const where = `${u.pod.namespace ? `${u.pod.namespace}/` : ""}${u.pod.name}${u.container ? ` -c ${u.container}` : ""}`;
  const out = [
    `${paint("bold", "failure:")} ${visible(`${u.reason} · ${where}${u.context ? ` · ${u.context}` : ""}`)}`,
  ];
  const searched = r.searched
    .slice(0, 3)
    .map((m) => `  ${m.explains ? "✓" : "·"} ${visible(`${m.id}: ${m.why}`)}`);
  if (r.action === "record" && r.record) {
    const rec = r.record;
    out.push(
      `${paint("green", "explained by")} ${paint("bold", visible(rec.id))} (${visible(rec.title)}): ${visible(rec.why)}`,
      ...searched,
      "record the incident there instead of a near-duplicate entry:",
      `  ADDED_FROM: ${visible(rec.addedFrom)}`,
      rec.builtin
        ? `  ${visible(rec.id)} is on the built-in page: add the line to your page's copy of the entry`
        : `  pitfall kb add --page ${visible(rec.page)} --from <the entry printed above>   (records that one line)`,
    );
    return out;
  }
  const d = r.drafted;
  if (!d) return out;
  out.push(
    `${paint("yellow", "no pitfall explains it")}${r.searched.length ? "; the pages' best matches:" : " (no page entry matches it at all)"}`,
    ...searched,
    `${paint("bold", "drafted")} ${visible(d.id)}: Severity ${d.draft.severity.level} (${visible(d.draft.severity.why)}), Zone ${visible(d.draft.entry.zone)}`,
    visible(d.draft.detect.note),
    "the prose states what was seen; add the cause and the fix once they are known, then:",
    `  pitfall kb lint draft.md && pitfall kb add --page ${visible(page)} --from draft.md`,
  );
  return out;
}

/** The result as `kb draft -o json` and MCP draft_pitfall give it: keys in a fixed order. */
export function draftJson(r: DraftReport): Record<string, unknown> {
  const base = { action: r.action, failure: r.failure, searched: r.searched };
  if (r.action === "record" && r.record) return { ...base, record: r.record };
  const d = r.drafted!;
  return {
    ...base,
    draft: {
      id: d.id,
      title: d.draft.entry.title,
      severity: d.draft.severity.level,
      severityWhy: d.draft.severity.why,
      zone: d.draft.entry.zone,
      ...(d.draft.detect.expr ? { detect: d.draft.detect.expr } : {}),
      detectNote: d.draft.detect.note,
      addedFrom: d.draft.addedFrom,
      markdown: d.markdown,
    },
  };
}
