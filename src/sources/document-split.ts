// A YAML stream cut into documents as its text arrives, where the `yaml` lexer cuts it: at every line that
// starts with `---` or `...` followed by a space, tab, line break or the end. The lexer ends block scalars,
// quoted and plain scalars and flow collections at such a line too, so no scalar can hide one.
import { DASH, DOT, HASH, PERCENT } from "./char-codes.js";

/** One document's text and where it starts in the whole stream. */
export interface DocumentText {
  text: string;
  /** Offset of `text` in the whole stream (UTF-16 code units, as the old whole-file path counted). */
  offset: number;
  /** 1-based line of the document's first character. */
  line: number;
  /** The prelude has a `%` directive line: the `yaml` package carries directives over to later documents. */
  directive: boolean;
}

function isEmpty(c: number): boolean {
  // NaN: the end of the text.
  return Number.isNaN(c) || c === 32 || c === 10 || c === 13 || c === 9;
}

/** `---` or `...` (as its first character) when a marker starts at `i`, a line start; else 0. */
function markerAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c !== DASH && c !== DOT) return 0;
  if (text.charCodeAt(i + 1) !== c || text.charCodeAt(i + 2) !== c) return 0;
  return isEmpty(text.charCodeAt(i + 3)) ? c : 0;
}

/** Only blank lines, comments and directives: the prelude of the next document, not a document of its own. */
function isPrelude(text: string): boolean {
  for (let i = 0; i < text.length; ) {
    let eol = text.indexOf("\n", i);
    if (eol < 0) eol = text.length;
    let j = i;
    while (j < eol && isEmpty(text.charCodeAt(j))) j++;
    // A byte-order mark at the very start is the lexer's own token.
    if (j === 0 && text.charCodeAt(0) === 0xfeff) {
      j++;
      while (j < eol && isEmpty(text.charCodeAt(j))) j++;
    }
    const c = text.charCodeAt(j);
    // A `...` with no document before it is a stray document end, no document either.
    const ignorable = c === HASH || (j === i && (c === PERCENT || markerAt(text, i) === DOT));
    if (j < eol && !ignorable) return false;
    i = eol + 1;
  }
  return true;
}

function hasDirective(prelude: string): boolean {
  if (prelude.charCodeAt(0) === PERCENT) return true;
  return prelude.includes("\n%");
}

/**
 * Feed text as it arrives; take the documents that are complete. A document ends where the next `---` line
 * starts, or just after a `...` line. Text before a document's `---` that holds only comments and directives
 * belongs to that document (its prelude), as in `yaml`; such text at the very end is no document at all.
 * Each character is scanned once, however large a document grows.
 */
export class DocumentSplitter {
  /** Whole lines of the current document already scanned, and their length. */
  private parts: string[] = [];
  private partsLength = 0;
  /** The rest: from the first line not yet scanned (or unfinished) to the end of the input so far. */
  private rest = "";
  /** Offset and line of the current document's start in the whole stream; the line `rest` starts on. */
  private offset = 0;
  private line = 1;
  private restLine = 1;
  private readonly done: DocumentText[] = [];
  /** Prelude (comments, directives) waiting for its document, with its offset and line. */
  private pending: { text: string; offset: number; line: number } | undefined;

  push(chunk: string): DocumentText[] {
    this.rest += chunk;
    this.cut(false);
    return this.done.splice(0);
  }

  end(): DocumentText[] {
    this.cut(true);
    if (this.partsLength + this.rest.length > 0) this.emit(this.rest.length, this.restLine);
    // Comments after the last document belong to no document; a directive there is still an error to show.
    const left = this.pending;
    this.pending = undefined;
    if (left && hasDirective(left.text)) this.done.push({ ...left, directive: true });
    return this.done.splice(0);
  }

  /** Walk the line starts of `rest`; cut before each `---` line and after each `...` line. */
  private cut(atEnd: boolean): void {
    let i = 0;
    let line = this.restLine;
    for (;;) {
      const text = this.rest;
      // A marker needs 4 characters to be told from text; wait for them unless the input ended.
      if (!atEnd && text.length - i < 4 && text.indexOf("\n", i) < 0) break;
      const marker = markerAt(text, i);
      // A `---` at the very start of a document is its own marker.
      if (marker === DASH && (i > 0 || this.partsLength > 0)) {
        this.emit(i, line);
        i = 0;
        continue;
      }
      if (marker === DOT) {
        const eol = text.indexOf("\n", i);
        if (eol < 0 && !atEnd) break;
        this.emit(eol < 0 ? text.length : eol + 1, eol < 0 ? line : line + 1);
        i = 0;
        line = this.restLine;
        continue;
      }
      const nl = text.indexOf("\n", i);
      if (nl < 0) break;
      i = nl + 1;
      line++;
    }
    // Whole lines scanned move to the document's parts, so they are never scanned again.
    if (i > 0) {
      this.parts.push(this.rest.slice(0, i));
      this.partsLength += i;
      this.rest = this.rest.slice(i);
      this.restLine = line;
    }
  }

  /** The document ends `end` characters into `rest`; the next one starts on `nextLine`. */
  private emit(end: number, nextLine: number): void {
    this.parts.push(this.rest.slice(0, end));
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join("");
    const offset = this.offset;
    const line = this.line;
    this.parts = [];
    this.partsLength = 0;
    this.rest = this.rest.slice(end);
    this.offset += text.length;
    this.line = nextLine;
    this.restLine = nextLine;
    if (markerAt(text, 0) !== DASH && isPrelude(text)) {
      // Comments and directives: kept for the document they precede.
      if (this.pending) this.pending.text += text;
      else this.pending = { text, offset, line };
      return;
    }
    const prelude = this.pending;
    this.pending = undefined;
    if (prelude)
      this.done.push({
        text: prelude.text + text,
        offset: prelude.offset,
        line: prelude.line,
        directive: hasDirective(prelude.text),
      });
    else this.done.push({ text, offset, line, directive: false });
  }
}
