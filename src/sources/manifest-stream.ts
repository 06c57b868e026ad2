// Manifest files read document by document: each file is streamed, cut into documents where `yaml` would cut
// it, and handed out in batches of objects that the caller lints and lets go. Memory follows the largest
// document (and a batch), not the input. JSON files, and YAML after a `%` directive, are read whole, as before.
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type jsyaml from "js-yaml";
import { DocumentSplitter, type DocumentText } from "./document-split.js";
import { fastSchema } from "./fast-yaml.js";
import { parseDocument } from "./manifest-document.js";
import { displayPath, inputProblem, manifestFilesOf } from "./manifest-files.js";
import { type ParsedManifests, parseManifestsAt, parseWithNextMarker, YAML_OPTIONS } from "./manifests.js";

export interface StreamReadOptions {
  cwd: string;
  /** All of standard input; asked for once, however often `-` is named. */
  readStdin: () => Promise<string>;
  /** Standard input as it arrives, used instead of readStdin when `-` is named once. */
  stdinChunks?: () => AsyncIterable<string>;
  /** Text (characters) gathered into one batch before it is handed out; default 1 MB. */
  batchChars?: number;
  /** Read every document the `yaml` way (the old path, for comparison). */
  slow?: boolean;
  /** Read only documents whose text matches (a cheap look before parsing); their diagnostics are dropped. */
  only?: RegExp;
  /**
   * Texts of small files already read, by path: a read takes its file's text out; a read with `only` (a
   * first pass) puts the texts it read in, up to CACHE_CHARS in all, so the next pass need not read them.
   */
  texts?: TextCache;
}

/** File texts by path, and how many characters they hold. */
export interface TextCache {
  texts: Map<string, string>;
  chars: number;
}

const CHUNK_BYTES = 256 * 1024;
const BATCH_CHARS = 1024 * 1024;

/** Batches of objects and diagnostics, in the order of the inputs and, in a folder, of the sorted files. */
export async function* readManifestBatches(
  inputs: string[],
  opts: StreamReadOptions,
): AsyncGenerator<ParsedManifests> {
  const schema = fastSchema(YAML_OPTIONS);
  const limit = opts.batchChars ?? BATCH_CHARS;
  let batch: ParsedManifests = { objects: [], diagnostics: [] };
  let size = 0;
  const add = (parsed: ParsedManifests, chars: number): ParsedManifests | undefined => {
    for (const o of parsed.objects) batch.objects.push(o);
    for (const d of parsed.diagnostics) batch.diagnostics.push(d);
    size += chars;
    if (size < limit) return undefined;
    const full = batch;
    batch = { objects: [], diagnostics: [] };
    size = 0;
    return full;
  };
  const stdinOnce = inputs.filter((i) => i === "-").length === 1 && opts.stdinChunks;
  let stdin: Promise<string> | undefined;

  for (const input of inputs) {
    let sources: { shown: string; chunks: () => AsyncIterable<string> }[];
    if (input === "-") {
      const read = () => (stdin ??= opts.readStdin());
      sources = [{ shown: "<stdin>", chunks: stdinOnce ? opts.stdinChunks! : () => once(read()) }];
    } else {
      const { files, problems } = await manifestFilesOf(input, opts.cwd);
      for (const p of problems) batch.diagnostics.push(p);
      // Each file is opened (and, if small, read) while the one before it is parsed.
      const opened = files.map(() => undefined as Promise<Opened> | undefined);
      const openAt = (i: number) => {
        const file = files[i];
        if (file !== undefined) opened[i] ??= openFile(file, opts.texts, opts.only !== undefined);
      };
      sources = files.map((file, i) => ({
        shown: displayPath(file, opts.cwd),
        chunks: () => {
          for (let ahead = i; ahead <= i + READ_AHEAD; ahead++) openAt(ahead);
          const ready = opened[i]!;
          opened[i] = undefined;
          return chunksOf(ready, opts.only);
        },
      }));
    }
    for (const { shown, chunks } of sources) {
      try {
        for await (const [parsed, chars] of fileParts(chunks(), shown, schema, opts)) {
          const full = add(parsed, chars);
          if (full) yield full;
        }
      } catch (error) {
        batch.diagnostics.push(inputProblem(shown, error));
      }
    }
  }
  if (batch.objects.length || batch.diagnostics.length) yield batch;
}

/** A file read whole (small ones), or opened to be streamed; or why it could not be. */
type Opened = { text: string } | { file: string } | { error: unknown };

/** Files up to this size are read in one call; larger ones are streamed. */
const WHOLE_BYTES = 8 * 1024 * 1024;

/** Files opened (and small ones read) ahead of the one being parsed. */
const READ_AHEAD = 4;
/** Characters of file text a first pass keeps for the next one. */
const CACHE_CHARS = 64 * 1024 * 1024;

async function openFile(file: string, cache: TextCache | undefined, keep: boolean): Promise<Opened> {
  const known = cache?.texts.get(file);
  if (known !== undefined) {
    if (!keep) {
      cache!.texts.delete(file);
      cache!.chars -= known.length;
    }
    return { text: known };
  }
  try {
    if ((await stat(file)).size > WHOLE_BYTES) return { file };
    const text = await readFile(file, "utf8");
    if (keep && cache && cache.chars + text.length <= CACHE_CHARS) {
      cache.texts.set(file, text);
      cache.chars += text.length;
    }
    return { text };
  } catch (error) {
    return { error };
  }
}

async function* chunksOf(opened: Promise<Opened>, only: RegExp | undefined): AsyncIterable<string> {
  const it = await opened;
  if ("error" in it) throw it.error;
  // A file that nowhere matches `only` has no document that does.
  if ("text" in it) {
    if (!only || only.test(it.text)) yield it.text;
  } else yield* createReadStream(it.file, { encoding: "utf8", highWaterMark: CHUNK_BYTES });
}

/** The document's content begins with `]`, `}` or `,` (after its marker, comments, anchor or tag). */
function startsWithStray(text: string): boolean {
  const first =
    /^(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n|---(?=[ \t\r\n]|$)|[ \t]+|[&!][^\s,[\]{}]*)*/.exec(text)?.[0]
      .length ?? 0;
  const c = text[first];
  return c === "]" || c === "}" || c === ",";
}

async function* once(text: Promise<string>): AsyncIterable<string> {
  yield await text;
}

/** A file's objects document by document, with the characters each part covered. */
async function* fileParts(
  chunks: AsyncIterable<string>,
  file: string,
  schema: jsyaml.Schema,
  opts: StreamReadOptions,
): AsyncGenerator<[ParsedManifests, number]> {
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
    if (only && !only.test(text)) {
      documents += docs.length;
      return;
    }
    const marker = next?.startsWith("---") === true;
    const part =
      docs.length === 1 && !slow
        ? parseDocument(first, file, documents + 1, schema, marker)
        : parseWithNextMarker(text, file, { line: first.line, documents }, marker);
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
  for await (const chunk of chunks) {
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
    if (only && !only.test(text)) return;
    const parsed =
      whole.read?.parsed ??
      parseManifestsAt(text, file, { line: whole.line, documents: whole.from }, json).parsed;
    yield [parsed, text.length];
  }
}
