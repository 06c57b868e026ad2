// Manifest files read document by document: each file is read (in chunks when large), cut into documents where
// `yaml` would cut it, and handed out in batches of objects that the caller lints and lets go. Memory follows the
// largest document (and a batch), not the input. JSON files, and YAML after a `%` directive, are read whole, as
// before. Reads are synchronous: a lint reads local files one after another, and each asynchronous read would cost
// a turn of the event loop (and, on a busy machine, a wait for the scheduler) per file.
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type jsyaml from "js-yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import { DocumentSplitter, type DocumentText } from "./document-split.js";
import { fastSchema } from "./fast-yaml.js";
import { parseDocument, type Reuse, withoutStacks } from "./manifest-document.js";
import { displayPath, inputProblem, manifestFilesOf } from "./manifest-files.js";
import { withoutSourceFolders } from "./source-folders.js";
import { type ParsedManifests, parseManifestsAt, parseWithNextMarker, YAML_OPTIONS } from "./manifests.js";

/** One text to read (a file, standard input, a request body), or problems found while looking for files. */
export type ManifestSource =
  | {
      /** The name shown in locations. */
      shown: string;
      /** The text in one or more pieces; throws (a file system error) when it cannot be read. */
      chunks(only?: Only): Iterable<string>;
      /** The file it is read from, when it is one (a worker thread reads it again from there). */
      file?: string;
      /** A text's length, when it is in memory. */
      size?: number;
    }
  | { problems: Diagnostic[] };

export interface BatchOptions {
  /** Text (characters) gathered into one batch before it is handed out; default 1 MB. */
  batchChars?: number;
  /** Read every document the `yaml` way (the old path, for comparison). */
  slow?: boolean;
  /** Read only the documents `only` picks; their diagnostics are dropped. */
  only?: Only;
  /** Objects an earlier pass read the fast way, taken instead of reading their documents again. */
  reuse?: Reuse;
}

/** Documents wanted by a first pass: a cheap look at the text before it is parsed. */
export interface Only {
  /** A wanted document's text matches this. */
  text: RegExp;
  /** And holds one of these (ASCII) words: a file without any is not even decoded. */
  words: string[];
}

const CHUNK_BYTES = 256 * 1024;
const BATCH_CHARS = 1024 * 1024;
/** Files up to this size are read in one call; larger ones in chunks. */
const WHOLE_BYTES = 8 * 1024 * 1024;

/**
 * The sources `inputs` name, in order: files, folders (their manifest files, sorted) and `-`, standard input,
 * read from `stdinFile` (where the caller spooled it) and shown as `<stdin>`.
 */
export async function manifestSources(
  inputs: string[],
  opts: { cwd: string; stdinFile?: string | undefined },
): Promise<ManifestSource[]> {
  const sources: ManifestSource[] = [];
  for (const input of inputs) {
    if (input === "-") {
      const file = opts.stdinFile;
      if (file === undefined) throw new Error("standard input was named but not given");
      sources.push(fileSource(file, "<stdin>"));
      continue;
    }
    const listed = await manifestFilesOf(input, opts.cwd);
    // Helm charts and kustomize patches are skipped with a note that says what to lint instead.
    const { files, notes } = await withoutSourceFolders(input, listed.files, opts.cwd);
    const problems = [...listed.problems, ...notes];
    if (problems.length) sources.push({ problems });
    for (const file of files) sources.push(fileSource(file, displayPath(file, opts.cwd)));
  }
  return sources;
}

/** A file as a source, shown as `shown` in locations. */
export function fileSource(file: string, shown: string): ManifestSource {
  return { shown, file, chunks: (only) => fileChunks(file, only) };
}

/** A text in memory as a source. */
export function textSource(text: string, shown: string): ManifestSource {
  return { shown, chunks: () => [text], size: text.length };
}

/**
 * How much text a source holds: a file's bytes (0 when it cannot be read: it becomes an input problem), a text's
 * characters; unknown (infinite) for other chunked sources.
 */
export function sourceSize(s: ManifestSource): number {
  if ("problems" in s) return 0;
  if (s.size !== undefined) return s.size;
  if (s.file === undefined) return Number.POSITIVE_INFINITY;
  try {
    return statSync(s.file).size;
  } catch {
    return 0;
  }
}

/** A file's text: whole when small (nothing when it nowhere holds what `only` wants), else in chunks. */
function* fileChunks(file: string, only: Only | undefined): Iterable<string> {
  const fd = openSync(file, "r");
  try {
    if (fstatSync(fd).size <= WHOLE_BYTES) {
      const bytes = readFileSync(fd);
      // A file that nowhere holds what `only` wants has no document that does.
      if (only && !only.words.some((w) => bytes.includes(w))) return;
      const text = bytes.toString("utf8");
      if (!only || only.text.test(text)) yield text;
      return;
    }
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder("utf8");
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      yield decoder.write(buffer.subarray(0, read));
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Batches of objects and diagnostics, in the order of the sources. */
export function* readManifestBatches(
  sources: Iterable<ManifestSource>,
  opts: BatchOptions = {},
): Generator<ParsedManifests> {
  const schema = fastSchema(YAML_OPTIONS);
  const limit = opts.batchChars ?? BATCH_CHARS;
  let batch: ParsedManifests = { objects: [], diagnostics: [] };
  let size = 0;
  for (const source of sources) {
    if ("problems" in source) {
      for (const p of source.problems) batch.diagnostics.push(p);
      continue;
    }
    try {
      for (const [parsed, chars] of fileParts(source.chunks(opts.only), source.shown, schema, opts)) {
        for (const o of parsed.objects) batch.objects.push(o);
        for (const d of parsed.diagnostics) batch.diagnostics.push(d);
        size += chars;
        if (size < limit) continue;
        yield batch;
        batch = { objects: [], diagnostics: [] };
        size = 0;
      }
    } catch (error) {
      batch.diagnostics.push(inputProblem(source.shown, error));
    }
  }
  if (batch.objects.length || batch.diagnostics.length) yield batch;
}

/** The document's content begins with `]`, `}` or `,` (after its marker, comments, anchor or tag). */
function startsWithStray(text: string): boolean {
  const first =
    /^(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n|---(?=[ \t\r\n]|$)|[ \t]+|[&!][^\s,[\]{}]*)*/.exec(text)?.[0]
      .length ?? 0;
  const c = text[first];
  return c === "]" || c === "}" || c === ",";
}

/** A file's objects document by document, with the characters each part covered. */
function* fileParts(
  chunks: Iterable<string>,
  file: string,
  schema: jsyaml.Schema,
  opts: BatchOptions,
): Generator<[ParsedManifests, number]> {
  const { slow, only } = opts;
  const splitter = new DocumentSplitter();
  let documents = 0;
  /**
   * Set once the file is read whole: JSON, or a YAML stream from a `%` directive or a broken document on
   * (`from` documents before it; `read`: that document's own reading while nothing follows it).
   */
  let whole:
    | { parts: string[]; line: number; from: number; read?: { parsed: ParsedManifests } | undefined }
    | undefined;
  let head = "";
  let decided = false;
  let json = false;
  /** Documents read together: one, or one and those after it that begin with a stray `]`, `}` or `,`. */
  let group: DocumentText[] = [];
  /** `next` is the text after the group, when there is one. */
  const flush = function* (next: string | undefined): Generator<[ParsedManifests, number]> {
    const docs = group;
    group = [];
    const first = docs[0];
    if (!first) return;
    const text = docs.length === 1 ? first.text : docs.map((d) => d.text).join("");
    if (only && !only.text.test(text)) {
      documents += docs.length;
      return;
    }
    const marker = next?.startsWith("---") === true;
    const part =
      docs.length === 1 && !slow
        ? parseDocument(first, file, documents + 1, schema, marker, opts.reuse)
        : withoutStacks(() => parseWithNextMarker(text, file, { line: first.line, documents }, marker));
    // yaml's lexer may carry a broken document's state (an unclosed quote or bracket, an indent) into the
    // next ones: from here on, read the old way. Unless nothing follows: then this reading is that one.
    if (part.parsed.diagnostics.some((d) => d.code === "yaml-syntax")) {
      whole = { parts: docs.map((d) => d.text), line: first.line, from: documents, read: part };
      return;
    }
    documents = part.documents;
    yield [part.parsed, text.length];
  };
  const take = function* (docs: DocumentText[]): Generator<[ParsedManifests, number]> {
    for (const doc of docs) {
      if (!whole && doc.directive) {
        yield* flush(doc.text);
        // The rest goes the old way, the documents flushed into it first.
        whole ??= { parts: [], line: doc.line, from: documents };
      }
      // yaml blames such a token on the document before it, and skips that one: read them together.
      if (!whole && !startsWithStray(doc.text)) yield* flush(doc.text);
      if (whole) {
        whole.parts.push(doc.text);
        whole.read = undefined;
      } else group.push(doc);
    }
  };
  for (const chunk of chunks) {
    if (!decided) {
      // JSON goes through JSON.parse whole; tell it by its first character, as the whole-file path does.
      head += chunk;
      const first = head.search(/[^ \t\r\n]/);
      if (first < 0) continue;
      decided = true;
      json = head[first] === "{" || head[first] === "[";
      if (json) whole = { parts: [head], line: 1, from: 0 };
      else yield* take(splitter.push(head));
      head = "";
      continue;
    }
    // A YAML stream read whole from some document on still goes through the splitter, which holds the rest.
    if (json) whole!.parts.push(chunk);
    else yield* take(splitter.push(chunk));
  }
  if (!decided && head) yield* take(splitter.push(head));
  if (!json) {
    yield* take(splitter.end());
    yield* flush(undefined);
  }
  if (whole) {
    const text = whole.parts.join("");
    if (only && !only.text.test(text)) return;
    const at = { line: whole.line, documents: whole.from };
    const parsed = whole.read?.parsed ?? withoutStacks(() => parseManifestsAt(text, file, at, json)).parsed;
    yield [parsed, text.length];
  }
}
