// Print a page in canonical form, in the page's own form (markdown or rendered text).
import type { Block, MetaField, Page, Pitfall, PlainSection, Provenance, Step } from "./model.js";

/** A printable piece with the line it stood on; pieces on consecutive lines share a paragraph. */
interface Piece {
  line: number;
  lines: string[];
}

export function printPage(page: Page, form: "markdown" | "text" = page.form): string {
  const out: string[] = [...page.preamble];
  const header = paragraphs([...page.meta.map(metaPiece), ...page.intro.map((b) => blockPiece(b, form))]);
  if (form === "markdown") {
    if (page.title) out.push(`# ${page.title}`);
    if (header.length) out.push(...(page.title ? [""] : []), ...header);
    for (const s of page.sections) {
      const title = s.kind === "pitfall" ? s.pitfall.title : s.section.title;
      out.push(
        "",
        `## ${title}`,
        "",
        ...sectionBody(s.kind === "pitfall" ? pitfallPieces(s.pitfall, form) : plainPieces(s.section, form)),
      );
    }
  } else {
    if (page.title) out.push(page.title);
    if (header.length) out.push(...(page.title ? [""] : []), ...header);
    for (const s of page.sections) {
      const title = s.kind === "pitfall" ? s.pitfall.title : s.section.title;
      out.push(
        "",
        "",
        title,
        "",
        ...sectionBody(s.kind === "pitfall" ? pitfallPieces(s.pitfall, form) : plainPieces(s.section, form)),
      );
    }
  }
  while (out.length && out[0] === "" && page.preamble.length === 0) out.shift();
  return out.join("\n") + (page.finalNewline ? "\n" : "");
}

/** One pitfall as a section of a page in the given form (used when adding entries). */
export function printPitfall(p: Pitfall, form: "markdown" | "text"): string {
  const title = form === "markdown" ? `## ${p.title}` : p.title;
  return [title, "", ...sectionBody(pitfallPieces(p, form))].join("\n");
}

function sectionBody(pieces: Piece[]): string[] {
  return paragraphs(pieces);
}

function paragraphs(pieces: Piece[]): string[] {
  const sorted = [...pieces].sort((a, b) => a.line - b.line);
  const out: string[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const p of sorted) {
    if (out.length && p.line !== end + 1) out.push("");
    out.push(...p.lines);
    end = p.line + p.lines.length - 1;
  }
  return out;
}

function pitfallPieces(p: Pitfall, form: "markdown" | "text"): Piece[] {
  return [
    ...p.meta.map(metaPiece),
    ...p.steps.map(stepPiece),
    ...p.addedFrom.map(addedPiece),
    ...p.detect.map((d) => ({ line: d.line, lines: [`DETECT: ${d.expr}`] })),
    ...p.guard.map((g) => ({ line: g.line, lines: [`GUARD: ${g.expr}`] })),
    ...p.blocks.map((b) => blockPiece(b, form)),
  ];
}

function plainPieces(s: PlainSection, form: "markdown" | "text"): Piece[] {
  return [...s.steps.map(stepPiece), ...s.blocks.map((b) => blockPiece(b, form))];
}

function metaPiece(f: MetaField): Piece {
  return { line: f.line, lines: [f.value ? `${f.key}: ${f.value}` : `${f.key}:`] };
}

function stepPiece(s: Step): Piece {
  return { line: s.line, lines: [`${s.kind}: ${s.text}`] };
}

export function formatProvenance(a: Omit<Provenance, "line">): string {
  return `ADDED_FROM: ${a.incident}${a.note ? `, ${a.note}` : ""}`;
}

function addedPiece(a: Provenance): Piece {
  return { line: a.line, lines: [formatProvenance(a)] };
}

function blockPiece(b: Block, form: "markdown" | "text"): Piece {
  if (b.type === "prose") return { line: b.line, lines: b.text.split("\n") };
  if (b.type === "list") {
    const lines = b.intro !== undefined ? [b.intro] : [];
    for (const item of b.items) {
      const [first, ...rest] = item.split("\n");
      lines.push(`- ${first}`, ...rest.map((r) => `  ${r}`));
    }
    return { line: b.line, lines };
  }
  const code = b.text.split("\n");
  if (form === "markdown") return { line: b.line, lines: [`\`\`\`${b.lang ?? ""}`, ...code, "```"] };
  // The rendered form marks snippet lines with trailing double spaces (hard line breaks).
  return { line: b.line, lines: code.map((l) => `${l}  `) };
}
