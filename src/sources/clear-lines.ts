// Whether js-yaml reads a document's quoted and flow values as `yaml` does: both agree when each such value ends
// on its line, or (quoted) runs on over lines indented deeper than its own; js-yaml is more lenient about other
// lines, and such documents go the `yaml` way. The scan runs over one byte per character (ASCII as it is, any
// other character as 0x80): every character it compares against is ASCII, and a byte array reads the same
// speed whatever string the text is a slice of (a megabyte CRD took three times as long as a string).
import {
  APOSTROPHE,
  BACKSLASH,
  COLON,
  DASH,
  HASH,
  isBlank,
  NEWLINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
} from "./char-codes.js";

const NOT_ASCII = 0x80;
/** The scratch bytes are kept up to this size; a larger document gets its own. */
const KEPT_BYTES = 1 << 20;

const encoder = new TextEncoder();
let scratch = new Uint8Array(64 * 1024);

/** One byte per UTF-16 unit of `text`: the unit itself when ASCII, else NOT_ASCII. */
function codesOf(text: string): Uint8Array {
  let buffer = scratch;
  if (buffer.length < text.length) {
    buffer = new Uint8Array(Math.max(text.length, buffer.length * 2));
    if (buffer.length <= KEPT_BYTES) scratch = buffer;
  }
  const codes = buffer.subarray(0, text.length);
  const { read, written } = encoder.encodeInto(text, codes);
  if (read === text.length && written === text.length) return codes;
  for (let i = 0; i < text.length; i++) codes[i] = Math.min(text.charCodeAt(i), NOT_ASCII);
  return codes;
}

function isQuoteOrFlow(c: number): boolean {
  return c === QUOTE || c === APOSTROPHE || c === OPEN_BRACKET || c === OPEN_BRACE;
}

/**
 * True when every quoted or flow value from `from` on ends on its line, or (quoted) runs on over lines indented
 * deeper than its own. A value is what follows a line's `- ` marks and its first `: `; block scalars' lines are
 * not looked at.
 */
export function valuesEndOnTheirLines(text: string, from: number): boolean {
  return firstUnclearLine(text, from) < 0;
}

/** Offset of the first line valuesEndOnTheirLines finds unclear, or -1. */
export function firstUnclearLine(text: string, from: number): number {
  const codes = codesOf(text);
  const length = codes.length;
  /** Lines deeper than this column continue a block or plain scalar: any text may stand there. */
  let scalarColumn = -1;
  for (let start = from; start < length; ) {
    let nl = codes.indexOf(NEWLINE, start);
    if (nl < 0) nl = length;
    let i = start;
    while (i < nl && codes[i] === SPACE) i++;
    const blank = i === nl || isBlank(codes[i]!) || codes[i] === HASH;
    if (blank || (scalarColumn >= 0 && i - start > scalarColumn)) {
      start = nl + 1;
      continue;
    }
    scalarColumn = -1;
    let column = i - start;
    while (codes[i] === DASH && (codes[i + 1] === SPACE || i + 1 === nl)) {
      column = i - start;
      i += 2;
      while (i < nl && codes[i] === SPACE) i++;
    }
    if (!isQuoteOrFlow(codes[i]!)) {
      const colon = keyColon(codes, i, nl);
      if (colon >= 0) {
        column = i - start;
        i = colon + 1;
        while (i < nl && isBlank(codes[i]!)) i++;
      }
    }
    let c = i < length ? codes[i]! : -1;
    if (isQuoteOrFlow(c)) {
      let end = valueEnd(codes, i, column);
      // A quoted key: its value follows.
      if (end >= 0 && codes[end] === COLON && (end + 1 >= length || isBlankOrNewline(codes[end + 1]!))) {
        column = i - start;
        i = end + 1;
        while (i < nl && codes[i] === SPACE) i++;
        c = i < length ? codes[i]! : -1;
        end = isQuoteOrFlow(c) ? valueEnd(codes, i, column) : i;
      }
      if (end < 0) return start;
      if (end > i) {
        nl = codes.indexOf(NEWLINE, end);
        if (nl < 0) nl = length;
        if (!restIsEmpty(codes, end, nl)) return start;
        start = nl + 1;
        continue;
      }
    }
    // A block scalar, or a plain one that may go on over deeper lines.
    if (i < nl && c !== HASH) scalarColumn = column;
    start = nl + 1;
  }
  return -1;
}

function isBlankOrNewline(c: number): boolean {
  return isBlank(c) || c === NEWLINE;
}

/** The first `:` between `i` and `end` that a space or the line's end follows, or -1. */
function keyColon(codes: Uint8Array, i: number, end: number): number {
  for (
    let colon = codes.indexOf(COLON, i);
    colon >= 0 && colon < end;
    colon = codes.indexOf(COLON, colon + 1)
  )
    if (colon + 1 === end || isBlank(codes[colon + 1]!)) return colon;
  return -1;
}

/** Only spaces, or a comment after a space, between `i` and `end`. */
function restIsEmpty(codes: Uint8Array, i: number, end: number): boolean {
  let j = i;
  while (j < end && isBlank(codes[j]!)) j++;
  return j === end || (codes[j] === HASH && j > i);
}

/**
 * Offset just past the quoted or flow value opening at `i`, or -1 when it is not plain to tell: a flow value
 * must close on its line; a quoted one may go on over lines indented deeper than `indent`.
 */
function valueEnd(codes: Uint8Array, i: number, indent: number): number {
  const open = codes[i];
  if (open === OPEN_BRACKET || open === OPEN_BRACE) {
    let depth = 0;
    for (let j = i; j < codes.length; j++) {
      const c = codes[j];
      if (c === NEWLINE) return -1;
      if (c === QUOTE || c === APOSTROPHE) {
        j = quotedEnd(codes, j, Number.POSITIVE_INFINITY) - 1;
        if (j < 0) return -1;
      } else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if ((c === 93 || c === 125) && --depth === 0) return j + 1;
    }
    return -1;
  }
  return quotedEnd(codes, i, indent);
}

/** Offset past the closing quote of the scalar opening at `i`; its later lines must be deeper than `indent`. */
function quotedEnd(codes: Uint8Array, i: number, indent: number): number {
  const quote = codes[i];
  for (let j = i + 1; j < codes.length; j++) {
    const c = codes[j];
    if (c === NEWLINE) {
      if (indent === Number.POSITIVE_INFINITY) return -1;
      let k = j + 1;
      while (k < codes.length && codes[k] === SPACE) k++;
      const next = codes[k];
      if (k - j - 1 <= indent && next !== NEWLINE && !(next === 13 && codes[k + 1] === NEWLINE)) return -1;
      // A tab where the indent ends is read differently by the two parsers.
      if (next === 9) return -1;
    } else if (quote === QUOTE && c === BACKSLASH) j++;
    else if (c === quote) {
      if (quote === APOSTROPHE && codes[j + 1] === APOSTROPHE) j++;
      else return j + 1;
    }
  }
  return -1;
}
