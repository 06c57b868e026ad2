// Does a pitfall already on the pages explain a failure? The page is searched (the same ranked search as
// `kb search`) for the failure's reason and telling line; a hit explains it when its text uses most of the words
// of that line, or quotes its error phrase and half of them. A pitfall that reported the failure without a cause
// (the generic CrashLoopBackOff entry) names the symptom only and never explains it.
import type { Unexplained } from "../model/unexplained.js";
import type { FailureEvidence } from "./draft-evidence.js";
import type { Pitfall } from "./model.js";
import { type SearchIndex, searchPitfalls, termsOf } from "./search.js";

/** A search hit, judged. */
export interface DraftMatch {
  id: string;
  title: string;
  score: number;
  explains: boolean;
  /** Why it explains the failure, or why not. */
  why: string;
}

/** Share of the telling line's words a pitfall must use to explain the failure. */
const MOST = 0.75;
/** …when it also quotes the error phrase. */
const HALF = 0.5;
const HITS = 5;

/** The pages' best hits for the failure, each judged; the first that explains it comes first. */
export function matchFailure(
  u: Unexplained,
  evidence: FailureEvidence,
  index: SearchIndex,
  byId: ReadonlyMap<string, Pitfall>,
): DraftMatch[] {
  const query = [u.reason, evidence.line ?? u.message ?? ""].join(" ");
  let hits: ReturnType<typeof searchPitfalls>;
  try {
    hits = searchPitfalls(index, query, { limit: HITS, ...(u.zone ? { zone: u.zone } : {}) });
  } catch {
    // A zone the search does not know: search every pitfall.
    hits = searchPitfalls(index, query, { limit: HITS });
  }
  const judged = hits.map((h) => {
    const p = byId.get(h.id);
    return { ...h, ...(p ? judge(u, evidence, p) : { explains: false, why: "not on the loaded pages" }) };
  });
  return [...judged.filter((m) => m.explains), ...judged.filter((m) => !m.explains)];
}

function judge(u: Unexplained, e: FailureEvidence, p: Pitfall): { explains: boolean; why: string } {
  if (u.reportedAs.includes(p.id))
    return { explains: false, why: "it reported the failure without a cause: it names the symptom only" };
  if (!e.terms.length) return { explains: false, why: "the failure has no words of its own to compare" };
  const text = pitfallText(p);
  const have = new Set(termsOf(text));
  const used = e.terms.filter((t) => have.has(t));
  const share = used.length / e.terms.length;
  const quotes = e.phrase !== undefined && squash(text).includes(squash(e.phrase));
  const words = `${used.length} of the ${e.terms.length} words of "${e.line}"`;
  if (share >= MOST && used.length >= Math.min(2, e.terms.length))
    return { explains: true, why: `it uses ${words}` };
  if (quotes && share >= HALF) return { explains: true, why: `it quotes "${e.phrase}" and uses ${words}` };
  return { explains: false, why: `it uses only ${words}${quotes ? ` (it quotes "${e.phrase}")` : ""}` };
}

/** Everything a pitfall says: title, prose, lists, steps and where it was met. */
function pitfallText(p: Pitfall): string {
  const blocks = p.blocks.map((b) => (b.type === "list" ? [b.intro ?? "", ...b.items].join("\n") : b.text));
  return [
    p.title,
    ...blocks,
    ...p.steps.map((s) => s.text),
    ...p.addedFrom.map((a) => `${a.incident} ${a.note ?? ""}`),
  ].join("\n");
}

function squash(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ");
}
