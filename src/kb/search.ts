// Ranked search over pitfalls by symptom: full text (MiniSearch, BM25) plus a small symptom vocabulary.

import MiniSearch from "minisearch";
import type { Pitfall } from "./model.js";
import { matchSymptoms, normalizeQuery, SYMPTOMS, type Symptom } from "./symptoms.js";
import { appliesToZone, normalizeZone } from "./zones.js";

export interface SearchHit {
  id: string;
  title: string;
  score: number;
}

export interface SearchOptions {
  /** Only pitfalls that apply to this zone: `1`, `zone 1`, `Zone 2`; `all` keeps every pitfall. */
  zone?: string;
  limit?: number;
}

interface SearchDoc {
  key: number;
  title: string;
  text: string;
  steps: string;
  lists: string;
  notes: string;
}

export interface SearchIndex {
  readonly engine: MiniSearch<SearchDoc>;
  readonly pitfalls: readonly Pitfall[];
  readonly symptoms: readonly Symptom[];
}

const FIELDS = ["title", "text", "steps", "lists", "notes"] as const;
const FIELD_BOOST = { title: 3, text: 1, steps: 1.2, lists: 1, notes: 0.8 };
// Words added by the symptom vocabulary count for less than words the user typed.
const EXPANSION_WEIGHT = 0.5;
// Factor for a pitfall a matched symptom names by id, and for one of a zone the query mentions.
const ID_BOOST = 2;
const ZONE_BOOST = 1.5;

const STOPWORDS = new Set(
  (
    "a an the to in on of for is are was were be been being it its i we you my our your and or but with after " +
    "before from at by as this that these those can cannot don doesn didn isn won t s not no do does did " +
    "has have had there what why how when where which who so then than if up out get gets got keep keeps still " +
    "just some any all me us they them their into over under about also"
  ).split(" "),
);

export function buildSearchIndex(pitfalls: Pitfall[], symptoms: readonly Symptom[] = SYMPTOMS): SearchIndex {
  const engine = new MiniSearch<SearchDoc>({
    idField: "key",
    fields: [...FIELDS],
    tokenize: tokenize,
    processTerm: processTerm,
  });
  engine.addAll(pitfalls.map(documentOf));
  return { engine, pitfalls: [...pitfalls], symptoms };
}

/**
 * Pitfalls matching `query`, best first; ties keep id order.
 * Throws a RangeError when `opts.zone` is neither a zone number nor `all`.
 */
export function searchPitfalls(index: SearchIndex, query: string, opts: SearchOptions = {}): SearchHit[] {
  const zone = opts.zone === undefined ? undefined : normalizeZone(opts.zone);
  if (zone !== undefined && !/^(ALL|\d+)$/.test(zone))
    throw new RangeError(`unknown zone '${opts.zone}': write a zone number (1, zone 2) or all`);

  const { text, zones: queryZones } = takeZoneMentions(normalizeQuery(query));
  const matched = matchSymptoms(text, index.symptoms);
  const weights = new Map<string, number>();
  for (const term of termsOf(text)) weights.set(term, 1);
  for (const s of matched)
    for (const term of termsOf(s.terms.join(" ")))
      if (!weights.has(term)) weights.set(term, EXPANSION_WEIGHT);
  if (weights.size === 0) return [];

  const boostedIds = new Map<string, number>();
  for (const s of matched) for (const id of s.ids) boostedIds.set(id, (boostedIds.get(id) ?? 0) + 1);

  const results = index.engine.search([...weights.keys()].join(" "), {
    tokenize: (s) => s.split(" "),
    processTerm: (t) => t,
    boost: FIELD_BOOST,
    prefix: (term) => term.length >= 4,
    fuzzy: (term) => (term.length >= 9 ? 2 : term.length >= 5 ? 1 : false),
    boostTerm: (term) => weights.get(term) ?? 1,
    filter: (r) => {
      const p = index.pitfalls[r.id as number];
      return p !== undefined && appliesToZone(p.zones, zone);
    },
    boostDocument: (key) => {
      const p = index.pitfalls[key as number];
      if (!p) return 1;
      const idFactor = ID_BOOST ** (boostedIds.get(p.id) ?? 0);
      const zoneFactor = queryZones.some((z) => !p.zones.all && p.zones.zones.includes(z)) ? ZONE_BOOST : 1;
      return idFactor * zoneFactor;
    },
  });

  const hits: { hit: SearchHit; key: number }[] = [];
  for (const r of results) {
    const p = index.pitfalls[r.id as number];
    if (p) hits.push({ hit: { id: p.id, title: p.title, score: round(r.score) }, key: r.id as number });
  }
  hits.sort((a, b) => b.hit.score - a.hit.score || compare(a.hit.id, b.hit.id) || a.key - b.key);
  const limit = opts.limit ?? hits.length;
  return hits.slice(0, Math.max(0, limit)).map((h) => h.hit);
}

/** The terms a text contributes to the index, after tokenizing and processing (exported for vocabulary tests). */
export function termsOf(text: string): string[] {
  const out = new Set<string>();
  for (const token of tokenize(text)) {
    const processed = processTerm(token);
    for (const term of processed ?? []) out.add(term);
  }
  return [...out];
}

function documentOf(p: Pitfall, key: number): SearchDoc {
  const text: string[] = [];
  const lists: string[] = [];
  for (const b of p.blocks) {
    if (b.type === "list") lists.push(b.intro ?? "", ...b.items);
    else text.push(b.text);
  }
  return {
    key,
    title: p.title,
    text: text.join("\n"),
    steps: p.steps.map((s) => s.text).join("\n"),
    lists: lists.join("\n"),
    notes: p.addedFrom.map((a) => `${a.incident} ${a.note ?? ""}`).join("\n"),
  };
}

// `zone 1`, `zones 2+3`, `zone 2 and 3`: boosts, and removed so their digits don't match text.
function takeZoneMentions(text: string): { text: string; zones: number[] } {
  const zones: number[] = [];
  const rest = text.replace(/\bzones?\s*(\d+(?:\s*(?:\+|,|&|and)\s*\d+)*)/g, (_all, list: string) => {
    for (const n of list.match(/\d+/g) ?? []) zones.push(Number(n));
    return " ";
  });
  return { text: rest, zones };
}

function tokenize(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

// Lowercase and stem; camelCase words (hostNetwork, OOMKilled) also yield their parts.
function processTerm(token: string): string[] | null {
  const words = [token];
  const parts = token.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/);
  if (parts.length > 1) words.push(...parts);
  const out: string[] = [];
  for (const w of words) {
    const lower = w.toLowerCase();
    if (lower.length < 2 || STOPWORDS.has(lower)) continue;
    const term = stem(lower);
    if (!out.includes(term)) out.push(term);
  }
  return out.length > 0 ? out : null;
}

// A light suffix strip so restarts/restarting/restart meet; prefix search covers the rest.
function stem(word: string): string {
  if (/\d/.test(word)) return word;
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ied")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (/(?:sh|ch|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
