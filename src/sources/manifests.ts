// Manifest files (YAML streams, JSON, Lists, Helm and kustomize output) turned into objects with positions.
// A bad document becomes a diagnostic and the rest of the file still loads.
import {
  Composer,
  Lexer,
  LineCounter,
  Parser,
  type CST,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type Tags,
} from "yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import { kubeObjectOf } from "../model/kube.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";
import { displayPath, inputProblem, manifestFilesOf, readText } from "./manifest-files.js";
import { JsonText, jsonNestsDeeperThan, jsonPlace } from "./json-positions.js";
import { type Place, positionAt, yamlPlace } from "./positions.js";
import { withoutSecretValues } from "./secret-values.js";
import { withoutSourceFolders } from "./source-folders.js";
import { plainValueOf, ValueError } from "./yaml-value.js";

/** Parser stack entries allowed; yaml composes recursively and V8 may abort the process near the stack limit. */
export const MAX_NESTING = 200;
const VALUE_LIMITS = { maxDepth: MAX_NESTING, expansionAllowance: 100_000 };

// Kubernetes reads YAML 1.1 (0644 is octal, yes/on are booleans) but keeps dates and 1:30 as strings.
function kubernetesTags(tags: Tags): Tags {
  return tags.filter(
    (t) => typeof t === "string" || (t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME"),
  );
}

export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: kubernetesTags,
  // Keeps yaml from printing process warnings (e.g. for collection keys).
  logLevel: "error",
  // yaml checks each key against all earlier ones (quadratic); plainValueOf finds them in linear time.
  uniqueKeys: false,
};

const HINTS: Record<string, string> = {
  BAD_INDENT: "check the indentation of this line and the brackets or quotes before it",
  TAB_AS_INDENT: "indent with spaces; YAML does not allow tabs for indentation",
  MULTILINE_IMPLICIT_KEY: "a key must fit on one line; look for a missing `:` or a value indented too far",
  BLOCK_AS_IMPLICIT_KEY:
    "a value is indented under a key on the same line; move it to its own line or fix the indentation",
  MISSING_CHAR: "a closing bracket, quote or separator is missing",
  BAD_DQ_ESCAPE: 'in double quotes, write a backslash as "\\\\"',
  UNEXPECTED_TOKEN: "this character is not valid here; quote the value if it is text",
};

export interface ParsedManifests {
  objects: SourcedObject[];
  diagnostics: Diagnostic[];
}

/** What every step of parsing one file shares. */
interface FileContext {
  text: string;
  file: string;
  lines: LineCounter;
  out: ParsedManifests;
}

function report(
  ctx: FileContext,
  offset: number,
  severity: Diagnostic["severity"],
  code: string,
  message: string,
): void {
  const { line, column } = positionAt(ctx.lines, Math.max(0, Math.min(offset, ctx.text.length)));
  ctx.out.diagnostics.push({ file: ctx.file, line, column, severity, code, message });
}

/** Parse one manifest file (YAML stream or JSON). Never throws; problems become diagnostics. */
export function parseManifests(text: string, file: string): ParsedManifests {
  return parseManifestsAt(text, file, { line: 1, documents: 0 }, true).parsed;
}

/** A LineCounter for text that starts on line `first` of its file. */
class LinesFrom extends LineCounter {
  constructor(first: number) {
    super();
    const local = this.linePos;
    if (first === 1) return;
    this.linePos = (offset) => {
      const { line, col } = local(offset);
      return { line: line + first - 1, col };
    };
  }
}

/**
 * Like parseManifests for a part of a file that starts on line `at.line` after `at.documents` documents
 * (positions and document numbers as in the whole file); also how many documents it counted. JSON is tried
 * only on a whole file (`json`), as parseManifests does.
 */
export function parseManifestsAt(
  text: string,
  file: string,
  at: { line: number; documents: number },
  json = false,
): { parsed: ParsedManifests; documents: number } {
  const ctx: FileContext = {
    text,
    file,
    lines: new LinesFrom(at.line),
    out: { objects: [], diagnostics: [] },
  };
  const count = { documents: at.documents };
  parseInto(ctx, count, json);
  return { parsed: ctx.out, documents: count.documents };
}

/**
 * parseManifestsAt for one part of a stream; `marker` when a `---` line follows it in the file. yaml ends an
 * unclosed scalar there, not at the end of the text, and says so at that place: it is given the line too.
 */
export function parseWithNextMarker(
  text: string,
  file: string,
  at: { line: number; documents: number },
  marker: boolean,
): { parsed: ParsedManifests; documents: number } {
  if (!marker) return parseManifestsAt(text, file, at);
  // The quotes in its comment stand for the quotes that (almost always) follow in the file.
  const part = parseManifestsAt(`${text}--- #"'\n`, file, at);
  // The empty document the marker starts says nothing; it is not counted either.
  return { parsed: part.parsed, documents: part.documents - 1 };
}

function parseInto(ctx: FileContext, count: { documents: number }, json: boolean): void {
  ctx.lines.addNewLine(0);
  try {
    if (json && readJson(ctx)) return;
    let start = 0;
    for (;;) {
      const deep = parseFrom(ctx, start, count);
      if (!deep) break;
      count.documents++;
      report(
        ctx,
        deep.at,
        "error",
        "yaml-too-deep",
        `document ${count.documents} nests deeper than ${MAX_NESTING} levels; skipped`,
      );
      start = skipDocument(ctx, deep.parsedTo);
    }
  } catch (error) {
    // Last resort: the library failed in a way it does not report itself.
    report(ctx, 0, "error", "yaml-syntax", `could not parse the file: ${messageOf(error)}`);
  }
}

/**
 * Lex, parse and compose from `start`, loading each document as it completes. Stops at the first document
 * nesting deeper than MAX_NESTING: yaml's parser and composer recurse per level, and V8 can abort the whole
 * process (not throw) near the stack limit, so such a document is never built.
 */
function parseFrom(
  ctx: FileContext,
  start: number,
  count: { documents: number },
): { at: number; parsedTo: number } | undefined {
  const lexer = new Lexer();
  const parser = new Parser(ctx.lines.addNewLine);
  parser.offset = start;
  const composer = new Composer(YAML_OPTIONS);
  // The composer hands out a document only when the next one begins; remember the numbers meanwhile.
  const numbers: number[] = [];
  let composed = 0;
  const load = (doc: Document.Parsed) => loadDocument(ctx, doc, numbers[composed++] ?? count.documents);
  const pass = (token: CST.Token) => {
    if (token.type === "document") numbers.push(++count.documents);
    for (const doc of composer.next(token)) load(doc);
  };
  for (const lexeme of lexer.lex(start === 0 ? ctx.text : ctx.text.slice(start))) {
    const at = parser.offset;
    for (const token of parser.next(lexeme)) pass(token);
    if (parser.stack.length > MAX_NESTING) {
      for (const doc of composer.end()) load(doc);
      return { at, parsedTo: parser.offset };
    }
  }
  for (const token of parser.end()) pass(token);
  for (const doc of composer.end()) load(doc);
  return undefined;
}

// A `---` or `...` line: where the next document begins after one we refuse.
const DOCUMENT_MARKER = /\n(---|\.\.\.)(?=[ \t\r\n]|$)/g;

/** Offset to resume at after a refused document, recording the line starts the parser did not see. */
function skipDocument(ctx: FileContext, from: number): number {
  DOCUMENT_MARKER.lastIndex = from;
  const marker = DOCUMENT_MARKER.exec(ctx.text);
  let resume = ctx.text.length;
  if (marker) {
    resume = marker.index + 1;
    // Resuming at `...` would read as a stray document end; start on the line after it.
    if (marker[1] === "...") {
      const eol = ctx.text.indexOf("\n", resume);
      resume = eol < 0 ? ctx.text.length : eol + 1;
    }
  }
  for (let nl = ctx.text.indexOf("\n", from); nl >= 0 && nl < resume; nl = ctx.text.indexOf("\n", nl + 1)) {
    ctx.lines.addNewLine(nl + 1);
  }
  return resume;
}

/**
 * JSON through JSON.parse (some 80 times faster than through the YAML parser), with positions from a lazy
 * scan of the text. False when the text is not plain JSON or nests too deep: the YAML path then reads it
 * and says where the problem is. Duplicate keys are not reported here (JSON.parse keeps the last, silently).
 */
function readJson(ctx: FileContext): boolean {
  const { text } = ctx;
  const json = new JsonText(text);
  const start = json.skipSpace(0);
  if (text[start] !== "{" && text[start] !== "[") return false;
  if (jsonNestsDeeperThan(text, MAX_NESTING)) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", nl + 1)) ctx.lines.addNewLine(nl + 1);
  addObjects(ctx, value, jsonPlace(json, start, ctx.lines), undefined, "the JSON document");
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function loadDocument(ctx: FileContext, doc: Document.Parsed, number: number): void {
  const root = doc.contents;
  const first = doc.errors[0];
  if (first) {
    const hint = HINTS[first.code];
    const more = doc.errors.length > 1 ? " (later errors in this document may follow from this one)" : "";
    report(
      ctx,
      first.pos[0],
      "error",
      "yaml-syntax",
      `invalid YAML in document ${number}: ${first.message}${hint ? `; ${hint}` : ""}${more}; document skipped`,
    );
    return;
  }
  for (const warning of doc.warnings) report(ctx, warning.pos[0], "warning", "yaml-warning", warning.message);
  if (!root) return;

  let value: unknown;
  try {
    const result = plainValueOf(root, VALUE_LIMITS);
    value = result.value;
    for (const { key, offset } of result.duplicates) {
      report(
        ctx,
        offset,
        "warning",
        "duplicate-key",
        `duplicate key ${JSON.stringify(key)}: the last value is used; remove the other one (kubectl may refuse the file)`,
      );
    }
  } catch (error) {
    const offset = error instanceof ValueError ? error.offset : root.range[0];
    const code = error instanceof ValueError ? error.code : "yaml-syntax";
    report(ctx, offset, "error", code, `document ${number} could not be read: ${messageOf(error)}; skipped`);
    return;
  }
  // Empty and comment-only documents (e.g. between `---` lines) are fine and say nothing.
  if (value === null || value === undefined) return;

  const helmSource = helmSourceOf(ctx.text, doc.range[0], root.range[0]);
  addObjects(ctx, value, yamlPlace(root, ctx.lines), helmSource, `document ${number}`);
}

// Helm writes `# Source: chart/templates/x.yaml` right after `---`, before the object.
const HELM_SOURCE = /^#\s*Source:\s*(\S[^\r\n]*?)\s*$/m;

export function helmSourceOf(text: string, docStart: number, contentStart: number): string | undefined {
  if (contentStart <= docStart) return undefined;
  return HELM_SOURCE.exec(text.slice(docStart, contentStart))?.[1];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function addObjects(
  ctx: FileContext,
  value: unknown,
  place: Place,
  helmSource: string | undefined,
  label: string,
) {
  if (!isPlainObject(value) || typeof value.apiVersion !== "string" || typeof value.kind !== "string") {
    const what = isPlainObject(value)
      ? "has no string `apiVersion` and `kind`"
      : `is a ${Array.isArray(value) ? "sequence" : "scalar"}`;
    report(
      ctx,
      place.offset,
      "warning",
      "not-kubernetes",
      `${label} ${what}, so it is not a Kubernetes object; skipped`,
    );
    return;
  }
  const items = value.items;
  if (value.kind.endsWith("List") && Array.isArray(items)) {
    const itemsPlace = place.child("items");
    items.forEach((item, i) => {
      // An item we cannot place (e.g. `items: *alias`) is placed at the List itself.
      const itemPlace = itemsPlace?.child(i) ?? place;
      addObjects(ctx, item, itemPlace, helmSource, `item ${i} of the ${value.kind} in ${label}`);
    });
    return;
  }
  const object = kubeObjectOf(value);
  if (typeof object === "string") {
    report(
      ctx,
      place.offset,
      "error",
      "invalid-object",
      `${label} ${object}; the API server would refuse it; skipped`,
    );
    return;
  }
  const { line, column } = positionAt(ctx.lines, place.offset);
  const origin: SourcedObject["origin"] = { file: ctx.file, line, column, locate: place.locate };
  if (helmSource !== undefined) origin.helmSource = helmSource;
  ctx.out.objects.push({ object: withoutSecretValues(object), origin });
}

export interface ReadOptions {
  cwd: string;
  readStdin: () => Promise<string>;
}

/** Read files, folders (recursively) and `-` (stdin) into one Snapshot. Unreadable inputs become diagnostics. */
export async function readManifests(inputs: string[], opts: ReadOptions): Promise<Snapshot> {
  const snapshot: Snapshot = {
    target: { kind: "manifests", name: inputs.join(" ") },
    objects: [],
    diagnostics: [],
    incomplete: [],
  };
  const add = (parsed: ParsedManifests) => {
    for (const o of parsed.objects) snapshot.objects.push(o);
    for (const d of parsed.diagnostics) snapshot.diagnostics.push(d);
  };
  let stdin: Promise<string> | undefined;

  for (const input of inputs) {
    if (input === "-") {
      // Stdin can be read once; naming it twice reads the same text.
      stdin ??= opts.readStdin();
      try {
        add(parseManifests(await stdin, "<stdin>"));
      } catch (error) {
        snapshot.diagnostics.push(inputProblem("<stdin>", error));
      }
      continue;
    }
    const listed = await manifestFilesOf(input, opts.cwd);
    // Helm charts and kustomize patches are skipped with a note that says what to lint instead.
    const { files, notes } = await withoutSourceFolders(input, listed.files, opts.cwd);
    for (const p of [...listed.problems, ...notes]) snapshot.diagnostics.push(p);
    // Read the next file while parsing this one.
    let next = files[0] === undefined ? undefined : readText(files[0]);
    for (let i = 0; i < files.length; i++) {
      const text = await next;
      const following = files[i + 1];
      next = following === undefined ? undefined : readText(following);
      const shown = displayPath(files[i] ?? "", opts.cwd);
      if (typeof text === "string") add(parseManifests(text, shown));
      else snapshot.diagnostics.push(inputProblem(shown, text));
    }
  }
  return snapshot;
}
