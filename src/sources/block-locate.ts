// Where a field sits in a plain block-style document, found by reading its lines: keys at one indent, `- `
// items of a sequence, nothing else. Used for documents js-yaml loaded (so no duplicate keys, no aliases);
// anything it is not sure of (flow collections, quotes, tags, anchors, explicit keys, tabs, scalars over
// several lines) makes it give up, and the caller asks the `yaml` parser.
import { COLON, DASH, HASH, SPACE } from "./char-codes.js";

const RETURN = 13;

class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

/** First characters after which a value is more than a one-line plain scalar. */
const NOT_PLAIN = new Set(["{", "[", "&", "!", "*", "|", ">", '"', "'", "?", "%", "@", "`"]);

interface Line {
  /** Offset of the line's first character, of its first non-space character, and of its end (before \r\n). */
  start: number;
  content: number;
  end: number;
}

class Lines {
  constructor(private readonly text: string) {}

  /** The line starting at `start`; undefined past the end. */
  at(start: number): Line | undefined {
    const { text } = this;
    if (start >= text.length) return undefined;
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    let content = start;
    while (content < nl && text.charCodeAt(content) === SPACE) content++;
    if (text[content] === "\t") giveUp();
    let end = nl;
    if (end > content && text.charCodeAt(end - 1) === RETURN) end--;
    return { start, content, end };
  }

  next(line: Line): Line | undefined {
    const nl = this.text.indexOf("\n", line.end);
    return nl < 0 ? undefined : this.at(nl + 1);
  }

  /** Blank and comment-only lines say nothing about structure. */
  isEmpty(line: Line): boolean {
    return line.content === line.end || this.text.charCodeAt(line.content) === HASH;
  }

  indent(line: Line): number {
    return line.content - line.start;
  }
}

/** A plain key at `at` and where its value starts (after `: `), or a give-up. */
function keyAt(text: string, at: number, end: number): { key: string; value: number } {
  if (NOT_PLAIN.has(text[at]!) || text.charCodeAt(at) === DASH) giveUp();
  const colon = text.indexOf(":", at);
  if (colon < 0 || colon >= end) giveUp();
  const after = text.charCodeAt(colon + 1);
  if (colon + 1 < end && after !== SPACE) giveUp();
  const key = text.slice(at, colon);
  // A key of other spelling (`"a"`, `a #b`, `yes`, `0x1`) resolves to another string; leave it to yaml.
  if (
    !/^[A-Za-z_/][A-Za-z0-9_.\-/]*$/.test(key) ||
    /^(?:[YyNn]|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|[Tt]rue|TRUE|[Ff]alse|FALSE|[Nn]ull|NULL)$/.test(key)
  )
    giveUp();
  let value = colon + 1;
  while (value < end && text.charCodeAt(value) === SPACE) value++;
  return { key, value };
}

type Node = { kind: "map"; first: Line } | { kind: "seq"; first: Line } | { kind: "scalar" };

/**
 * What the value starting at `value` on `line` (a key's line or an item's) is: a one-line scalar, or a block map
 * or sequence on the following lines. `parentIndent` is the indent of the key or the `- ` holding it.
 */
function valueAt(
  lines: Lines,
  text: string,
  line: Line,
  value: number,
  parentIndent: number,
  isKey: boolean,
): Node {
  if (value < line.end && text.charCodeAt(value) !== HASH) {
    if (NOT_PLAIN.has(text[value]!)) giveUp();
    return { kind: "scalar" };
  }
  let next = lines.next(line);
  while (next && lines.isEmpty(next)) next = lines.next(next);
  if (!next) return { kind: "scalar" };
  const indent = lines.indent(next);
  const dash = isItemLine(text, next);
  // A key's sequence may sit at the key's own indent (`containers:` then `- name:`).
  if (dash && (indent > parentIndent || (isKey && indent === parentIndent)))
    return { kind: "seq", first: next };
  if (indent > parentIndent) {
    keyAt(text, next.content, next.end);
    return { kind: "map", first: next };
  }
  return { kind: "scalar" };
}

function isItemLine(text: string, line: Line): boolean {
  if (text.charCodeAt(line.content) !== DASH) return false;
  const after = text.charCodeAt(line.content + 1);
  return line.content + 1 >= line.end || after === SPACE;
}

/**
 * The lines of the collection that starts at `first`: those at its indent, in order. Lines more indented belong
 * to its values; a less indented one ends it (or, for a sequence at its key's indent, a line that is no item).
 */
function* membersOf(lines: Lines, text: string, first: Line, seq: boolean): Generator<Line> {
  const indent = lines.indent(first);
  for (let line: Line | undefined = first; line; line = lines.next(line)) {
    if (lines.isEmpty(line)) continue;
    const at = lines.indent(line);
    if (at < indent) return;
    if (at > indent) {
      // A deeper line is a value's; a quote opening there might run over lines that look like keys.
      const c = text[line.content]!;
      if (c === '"' || c === "'") giveUp();
      continue;
    }
    const item = isItemLine(text, line);
    // In a sequence, a line at its indent that is no item ends it; in a map, an item line at the map's
    // indent belongs to the sequence of the key before it (`containers:` then `- name:`).
    if (seq && !item) return;
    if (!seq && item) continue;
    yield line;
  }
}

/**
 * Offset of the field at `path` in `text` below the block map whose first key starts at `root`: a key's own
 * offset, an item's first character, or the deepest existing ancestor's when the path goes further. Undefined
 * when the text is not plain enough to be sure. `inItem`: the map is an item of a block sequence, its first key
 * after the item's `- ` (one of blockItemsOf's items).
 */
export function blockOffsetOf(
  text: string,
  root: number,
  path: readonly (string | number)[],
  inItem = false,
): number | undefined {
  return unlessGivenUp(() => {
    const lines = new Lines(text);
    const line = lines.at(text.lastIndexOf("\n", root - 1) + 1)!;
    if (!inItem && line.content !== root) return undefined;
    const first = inItem ? { start: line.start, content: root, end: line.end } : line;
    return offsetBelow(lines, text, { kind: "map", first }, root, path);
  });
}

/**
 * Where each item of the block sequence under `key` of the root map (at `root`) begins, in one pass: each must be
 * a block map whose first key follows its `- ` (as `kubectl get -o yaml` writes a List's items). Undefined when
 * the text is not plain enough to be sure.
 */
export function blockItemsOf(text: string, root: number, key: string): number[] | undefined {
  return unlessGivenUp(() => {
    const lines = new Lines(text);
    const rootLine = lines.at(text.lastIndexOf("\n", root - 1) + 1)!;
    if (rootLine.content !== root) return undefined;
    const member = memberNamed(lines, text, rootLine, key);
    if (!member) return undefined;
    const node = valueAt(lines, text, member.line, member.value, lines.indent(member.line), true);
    if (node.kind !== "seq") return undefined;
    const starts: number[] = [];
    for (const line of membersOf(lines, text, node.first, true)) {
      const content = itemContent(text, line);
      // A map item: its first key on the item's line, a plain one.
      keyAt(text, content, line.end);
      starts.push(content);
    }
    return starts;
  });
}

/** What `work` gives, or undefined when it gives up: the text is not plain enough to be sure. */
function unlessGivenUp<T>(work: () => T | undefined): T | undefined {
  try {
    return work();
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

/** The member of the map starting on `first` whose key is `wanted`, and where its value starts. */
function memberNamed(
  lines: Lines,
  text: string,
  first: Line,
  wanted: string,
): { line: Line; value: number } | undefined {
  for (const line of membersOf(lines, text, first, false)) {
    const { key, value } = keyAt(text, line.content, line.end);
    closedOnItsLine(text, value, line.end);
    // js-yaml refused duplicate keys, so the first match is the only one.
    if (key === wanted) return { line, value };
  }
  return undefined;
}

/** What follows the `- ` of an item line; a quote or bracket opened there must close on the line. */
function afterDash(text: string, line: Line): number {
  let content = line.content + 1;
  while (content < line.end && text.charCodeAt(content) === SPACE) content++;
  closedOnItsLine(text, content, line.end);
  return content;
}

/** Where the item on `line` (a `- ` line) begins; a give-up when it begins elsewhere or oddly. */
function itemContent(text: string, line: Line): number {
  const content = afterDash(text, line);
  // `-` alone on its line, `- - x`, `- &a x`: the item starts elsewhere or oddly; let yaml say where.
  if (content >= line.end || text.charCodeAt(content) === HASH || text.charCodeAt(content) === DASH) giveUp();
  if (NOT_PLAIN.has(text[content]!) && text[content] !== '"' && text[content] !== "'") giveUp();
  return content;
}

/** The walk of blockOffsetOf from `node`, which starts at `offset`. */
function offsetBelow(
  lines: Lines,
  text: string,
  start: Node,
  offset: number,
  path: readonly (string | number)[],
): number {
  let node = start;
  for (let s = 0; s < path.length; s++) {
    const segment = path[s]!;
    const last = s === path.length - 1;
    if (node.kind === "map") {
      const found = memberNamed(lines, text, node.first, String(segment));
      if (!found) break;
      offset = found.line.content;
      if (last) break;
      node = valueAt(lines, text, found.line, found.value, lines.indent(found.line), true);
    } else if (node.kind === "seq") {
      const index = typeof segment === "number" ? segment : Number(segment);
      if (!Number.isInteger(index) || index < 0) break;
      let line: Line | undefined;
      let i = 0;
      for (const member of membersOf(lines, text, node.first, true)) {
        if (i++ === index) {
          line = member;
          break;
        }
        afterDash(text, member);
      }
      if (!line) break;
      const content = itemContent(text, line);
      offset = content;
      if (last) break;
      const colon = text.indexOf(": ", content);
      if ((colon >= 0 && colon < line.end) || text.charCodeAt(line.end - 1) === COLON) {
        // The item is a map whose first key sits after the `- `, at that column.
        keyAt(text, content, line.end);
        node = { kind: "map", first: { start: line.start, content, end: line.end } };
      } else node = { kind: "scalar" };
    } else break;
  }
  return offset;
}

/** A quoted or flow value must end on its line: its next lines could look like keys or items. */
function closedOnItsLine(text: string, value: number, end: number): void {
  const open = text[value];
  const close = open === '"' || open === "'" ? open : open === "[" ? "]" : open === "{" ? "}" : undefined;
  if (close === undefined) return;
  if (end - 1 <= value || text[end - 1] !== close || text[end - 2] === "\\") giveUp();
}
