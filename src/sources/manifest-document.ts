// One document of a manifest file into objects: through js-yaml when it reads the document exactly as the
// whole-file `yaml` path would, else through that path on this document alone. Positions are the whole
// file's either way; a fast object's field positions are computed (by the `yaml` path) only when asked for.
import type jsyaml from "js-yaml";
import { type KubeObject, kubeObjectOf } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { blockOffsetOf } from "./block-locate.js";
import { APOSTROPHE, DASH, HASH, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE, SPACE } from "./char-codes.js";
import type { DocumentText } from "./document-split.js";
import { fastValue } from "./fast-yaml.js";
import { helmSourceOf, type ParsedManifests, parseWithNextMarker } from "./manifests.js";
import { withoutSecretValues } from "./secret-values.js";

/** Field positions read from a document's lines before it is parsed with positions instead. */
const BLOCK_LOOKS = 16;

/**
 * An object an earlier pass read from the document whose root is at `file:line:column`, the fast way: taken
 * instead of reading the document again (the same text gives the same object).
 */
export type Reuse = (file: string, line: number, column: number) => KubeObject | undefined;

/** Objects read the fast way (js-yaml), as opposed to the `yaml` path: only they can be reused. */
const fastObjects = new WeakSet<KubeObject>();

/** True when `o` was read the fast way, so that a later pass may take it instead of reading its document. */
export function readFast(o: SourcedObject): boolean {
  return fastObjects.has(o.object);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function isBlankOrEnd(text: string, i: number): boolean {
  return i >= text.length || isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === NEWLINE;
}

/** Where the root value starts and where the `---` line does, when the document is plain enough to tell. */
function rootOf(text: string, first: boolean): { root: number; marker: number | undefined } | undefined {
  let i = first && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let marker: number | undefined;
  while (i < text.length) {
    let j = i;
    while (j < text.length && isBlank(text.charCodeAt(j))) j++;
    const c = text.charCodeAt(j);
    if (j === i && marker === undefined && text.startsWith("---", i) && isBlankOrEnd(text, i + 3)) {
      marker = i;
      j = i + 3;
      while (j < text.length && isBlank(text.charCodeAt(j))) j++;
      // Content on the `---` line (a tag, an anchor, a flow map) is left to the `yaml` path.
      const after = text.charCodeAt(j);
      if (j < text.length && after !== NEWLINE && after !== HASH) return undefined;
    } else if (j < text.length && c !== NEWLINE && c !== HASH) {
      // A block map starts at its first key: a plain or quoted word. Anything else goes the `yaml` way.
      return /[A-Za-z0-9_"']/.test(text[j]!) ? { root: j, marker } : undefined;
    }
    const eol = text.indexOf("\n", j);
    if (eol < 0) return undefined;
    i = eol + 1;
  }
  return undefined;
}

/**
 * True when every quoted or flow value ends on its line, or (quoted) runs on over lines indented deeper than
 * its own: js-yaml is more lenient than `yaml` about such lines, so other documents go the `yaml` way. A value
 * is what follows a line's `- ` marks and its first `: `; block scalars' lines are not looked at.
 */
export function valuesEndOnTheirLines(text: string, from: number): boolean {
  return firstUnclearLine(text, from) < 0;
}

/** Offset of the first line valuesEndOnTheirLines finds unclear, or -1. */
export function firstUnclearLine(text: string, from: number): number {
  /** Lines deeper than this column continue a block or plain scalar: any text may stand there. */
  let scalarColumn = -1;
  for (let start = from; start < text.length; ) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    let i = start;
    while (i < nl && text.charCodeAt(i) === SPACE) i++;
    const blank = i === nl || isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === HASH;
    if (blank || (scalarColumn >= 0 && i - start > scalarColumn)) {
      start = nl + 1;
      continue;
    }
    scalarColumn = -1;
    let column = i - start;
    while (text.charCodeAt(i) === DASH && (text.charCodeAt(i + 1) === SPACE || i + 1 === nl)) {
      column = i - start;
      i += 2;
      while (i < nl && text.charCodeAt(i) === SPACE) i++;
    }
    if (!isQuoteOrFlow(text.charCodeAt(i))) {
      const colon = keyColon(text, i, nl);
      if (colon >= 0) {
        column = i - start;
        i = colon + 1;
        while (i < nl && isBlank(text.charCodeAt(i))) i++;
      }
    }
    let c = text.charCodeAt(i);
    if (isQuoteOrFlow(c)) {
      let end = valueEnd(text, i, column);
      // A quoted key: its value follows.
      if (end >= 0 && text.charCodeAt(end) === 58 && isBlankOrEnd(text, end + 1)) {
        column = i - start;
        i = end + 1;
        while (i < nl && text.charCodeAt(i) === SPACE) i++;
        c = text.charCodeAt(i);
        end = isQuoteOrFlow(c) ? valueEnd(text, i, column) : i;
      }
      if (end < 0) return start;
      if (end > i) {
        nl = text.indexOf("\n", end);
        if (nl < 0) nl = text.length;
        if (!restIsEmpty(text, end, nl)) return start;
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

/** The first `:` between `i` and `end` that a space or the line's end follows, or -1. */
function keyColon(text: string, i: number, end: number): number {
  for (let colon = text.indexOf(":", i); colon >= 0 && colon < end; colon = text.indexOf(":", colon + 1))
    if (colon + 1 === end || isBlank(text.charCodeAt(colon + 1))) return colon;
  return -1;
}

function isQuoteOrFlow(c: number): boolean {
  return c === QUOTE || c === APOSTROPHE || c === OPEN_BRACKET || c === OPEN_BRACE;
}

/** Only spaces, or a comment after a space, between `i` and `end`. */
function restIsEmpty(text: string, i: number, end: number): boolean {
  let j = i;
  while (j < end && isBlank(text.charCodeAt(j))) j++;
  return j === end || (text.charCodeAt(j) === HASH && j > i);
}

/**
 * Offset just past the quoted or flow value opening at `i`, or -1 when it is not plain to tell: a flow value
 * must close on its line; a quoted one may go on over lines indented deeper than `indent`.
 */
function valueEnd(text: string, i: number, indent: number): number {
  const open = text.charCodeAt(i);
  if (open === OPEN_BRACKET || open === OPEN_BRACE) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 10) return -1;
      if (c === QUOTE || c === APOSTROPHE) {
        j = quotedEnd(text, j, Number.POSITIVE_INFINITY) - 1;
        if (j < 0) return -1;
      } else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if ((c === 93 || c === 125) && --depth === 0) return j + 1;
    }
    return -1;
  }
  return quotedEnd(text, i, indent);
}

/** Offset past the closing quote of the scalar opening at `i`; its later lines must be deeper than `indent`. */
function quotedEnd(text: string, i: number, indent: number): number {
  const quote = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 10) {
      if (indent === Number.POSITIVE_INFINITY) return -1;
      let k = j + 1;
      while (k < text.length && text.charCodeAt(k) === SPACE) k++;
      const next = text.charCodeAt(k);
      if (k - j - 1 <= indent && next !== 10 && !(next === 13 && text.charCodeAt(k + 1) === 10)) return -1;
      // A tab where the indent ends is read differently by the two parsers.
      if (next === 9) return -1;
    } else if (quote === QUOTE && c === 92) j++;
    else if (c === quote) {
      if (quote === APOSTROPHE && text.charCodeAt(j + 1) === APOSTROPHE) j++;
      else return j + 1;
    }
  }
  return -1;
}

/** 1-based line and column of `offset` in a document that starts on `firstLine`. */
function positionIn(text: string, offset: number, firstLine: number): { line: number; column: number } {
  let line = firstLine;
  let lineStart = 0;
  for (let nl = text.indexOf("\n"); nl >= 0 && nl < offset; nl = text.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * `work` without stack traces: yaml and js-yaml make an Error for each problem they meet (a templated document
 * can have hundreds), and only their messages and offsets are read. A third of a real-world corpus's time went
 * into capturing those stacks.
 */
export function withoutStacks<T>(work: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Objects and diagnostics of one document, `number` being its number in the file (1-based), `markerNext` when
 * a `---` line follows it. Returns the number
 * of documents counted so far in the file: `number`, unless the `yaml` path counts otherwise.
 */
export function parseDocument(
  doc: DocumentText,
  file: string,
  number: number,
  schema: jsyaml.Schema,
  markerNext = false,
  reuse?: Reuse,
): { parsed: ParsedManifests; documents: number } {
  const slow = () =>
    withoutStacks(() =>
      parseWithNextMarker(doc.text, file, { line: doc.line, documents: number - 1 }, markerNext),
    );
  const at = rootOf(doc.text, doc.offset === 0);
  // A carriage return alone breaks a line for js-yaml, not for yaml.
  const loneReturn = doc.text.includes("\r") && /\r(?!\n)/.test(doc.text);
  if (!at || loneReturn || !valuesEndOnTheirLines(doc.text, at.root)) return slow();
  const { line, column } = positionIn(doc.text, at.root, doc.line);
  let object = reuse?.(file, line, column);
  if (!object) {
    const loaded = withoutStacks(() => fastValue(doc.text, schema));
    if (!loaded) return slow();
    // Non-objects, objects the API server would refuse, Lists (whose items get positions of their own): the
    // `yaml` way says more about them.
    const value = kubeObjectOf(loaded.value);
    if (typeof value === "string" || (String(value.kind).endsWith("List") && Array.isArray(value.items)))
      return slow();
    object = withoutSecretValues(value);
  }
  fastObjects.add(object);
  let slowObject: SourcedObject | undefined;
  let looks = 0;
  const origin: SourcedObject["origin"] = {
    file,
    line,
    column,
    locate(path) {
      // Each look reads the document's lines; past a few, one yaml parse of it is cheaper.
      if (!slowObject && ++looks <= BLOCK_LOOKS) {
        const offset = blockOffsetOf(doc.text, at.root, path);
        if (offset !== undefined) return positionIn(doc.text, offset, doc.line);
      }
      slowObject ??= slow().parsed.objects[0];
      return slowObject?.origin.locate?.(path) ?? { line, column };
    },
  };
  const helmSource = at.marker === undefined ? undefined : helmSourceOf(doc.text, at.marker, at.root);
  if (helmSource !== undefined) origin.helmSource = helmSource;
  const objects = [{ object, origin }];
  return { parsed: { objects, diagnostics: [] }, documents: number };
}
