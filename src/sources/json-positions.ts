// Positions inside a JSON text that JSON.parse accepted, found lazily: a container's children are
// indexed the first time a path enters it, so a 10,000-item List costs one scan of its items.
import type { LineCounter } from "yaml";
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from "./char-codes.js";
import type { Place } from "./positions.js";
import { positionAt } from "./positions.js";

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** True when brackets nest deeper than `max` (checked before JSON.parse, which would build any depth). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i) - 1;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Offset just past the string whose opening quote is at `i`. */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const quote = text.indexOf('"', j);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    j = quote + 1;
  }
}

interface Entry {
  key: number;
  value: number;
}

export class JsonText {
  private readonly objects = new Map<number, Map<string, Entry>>();
  private readonly arrays = new Map<number, number[]>();

  constructor(readonly text: string) {}

  skipSpace(i: number): number {
    while (i < this.text.length && isSpace(this.text.charCodeAt(i))) i++;
    return i;
  }

  /** Offset just past the value starting at `i`. */
  private valueEnd(i: number): number {
    const { text } = this;
    const first = text.charCodeAt(i);
    if (first === QUOTE) return stringEnd(text, i);
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      for (let j = i; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c === QUOTE) j = stringEnd(text, j) - 1;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return j + 1;
      }
      return text.length;
    }
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      j++;
    }
    return j;
  }

  /** Start offsets of the items of the array opening at `open`. */
  items(open: number): number[] {
    const cached = this.arrays.get(open);
    if (cached) return cached;
    const out: number[] = [];
    let j = this.skipSpace(open + 1);
    while (j < this.text.length && this.text.charCodeAt(j) !== CLOSE_BRACKET) {
      out.push(j);
      j = this.skipSpace(this.valueEnd(j));
      if (this.text.charCodeAt(j) !== COMMA) break;
      j = this.skipSpace(j + 1);
    }
    this.arrays.set(open, out);
    return out;
  }

  /** Key and value offsets of the object opening at `open`; the last of duplicate keys wins, as in JSON.parse. */
  entries(open: number): Map<string, Entry> {
    const cached = this.objects.get(open);
    if (cached) return cached;
    const out = new Map<string, Entry>();
    const { text } = this;
    let j = this.skipSpace(open + 1);
    while (j < text.length && text.charCodeAt(j) === QUOTE) {
      const keyEnd = stringEnd(text, j);
      const raw = text.slice(j, keyEnd);
      const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      const colon = this.skipSpace(keyEnd);
      if (text.charCodeAt(colon) !== COLON) break;
      const value = this.skipSpace(colon + 1);
      out.set(key, { key: j, value });
      j = this.skipSpace(this.valueEnd(value));
      if (text.charCodeAt(j) !== COMMA) break;
      j = this.skipSpace(j + 1);
    }
    this.objects.set(open, out);
    return out;
  }

  /** One step down from the value at `at`: the child's value offset and the offset that names it. */
  child(at: number, segment: string | number): Entry | undefined {
    const c = this.text.charCodeAt(at);
    if (c === OPEN_BRACE) return this.entries(at).get(String(segment));
    if (c === OPEN_BRACKET) {
      const index = typeof segment === "number" ? segment : Number(segment);
      if (!Number.isInteger(index) || index < 0) return undefined;
      const item = this.items(at)[index];
      return item === undefined ? undefined : { key: item, value: item };
    }
    return undefined;
  }
}

/** A Place for the JSON value starting at `offset`. */
export function jsonPlace(json: JsonText, offset: number, lines: LineCounter): Place {
  return {
    offset,
    child(segment) {
      const entry = json.child(offset, segment);
      return entry && jsonPlace(json, entry.value, lines);
    },
    locate(path) {
      let at = offset;
      let named = offset;
      for (const segment of path) {
        const entry = json.child(at, segment);
        if (!entry) break;
        named = entry.key;
        at = entry.value;
      }
      return positionAt(lines, named);
    },
  };
}
