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
        if (file !== undefined) opened[i] ??= openFile(file);
      };
      sources = files.map((file, i) => ({
        shown: displayPath(file, opts.cwd),
        chunks: () => {
          openAt(i);
          openAt(i + 1);
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

async function openFile(file: string): Promise<Opened> {
  try {
    if ((await stat(file)).size > WHOLE_BYTES) return { file };
    return { text: await readFile(file, "utf8") };
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

const QUOTES = ['"', "'"];

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
  /** Set once the file is read whole: JSON, or the rest of a YAML stream from a `%` directive on. */
  let whole: { parts: string[]; line: number } | undefined;
  let head = "";
  let decided = false;
  let json = false;
  /** Documents read together: one, or one and those after it that begin with a stray `]`, `}` or `,`. */
  let group: DocumentText[] = [];
  /**
   * A document with an unclosed quote and those after it. yaml ends such a scalar at the next `---` line only
   * when the same quote appears somewhere later in the file; else it runs to the end, taking every later
   * document with it. So they wait for that quote, or are read again as one text at the end.
   */
  let held:
    | { quotes: string[]; docs: DocumentText[]; parts: [ParsedManifests, number][]; before: number }
    | undefined;
  const pass = function* (
    docs: DocumentText[],
    parsed: ParsedManifests,
    text: string,
    before: number,
    read: "fast" | "yaml",
  ): Generator<[ParsedManifests, number]> {
    // Only a document js-yaml did not read may hold an unclosed quote; any quote in it may be one.
    const quotes = read === "yaml" ? QUOTES.filter((q) => text.includes(q)) : [];
    if (held) {
      held.docs.push(...docs);
      held.parts.push([parsed, text.length]);
      held.quotes = [...new Set([...held.quotes.filter((q) => !text.includes(q)), ...quotes])];
      if (held.quotes.length) return;
      const parts = held.parts;
      held = undefined;
      yield* parts;
      return;
    }
    if (quotes.length) held = { quotes, docs: [...docs], parts: [[parsed, text.length]], before };
    else yield [parsed, text.length];
  };
  /** `next` is the text after the group, when there is one. */
  const flush = function* (next: string | undefined): Generator<[ParsedManifests, number]> {
    const docs = group;
    group = [];
    const first = docs[0];
    if (!first) return;
    const text = docs.length === 1 ? first.text : docs.map((d) => d.text).join("");
    const before = documents;
    if (only && !only.test(text) && !held) {
      documents += docs.length;
      return;
    }
    const marker = next?.startsWith("---") === true;
    const part =
      docs.length === 1 && !slow
        ? parseDocument(first, file, documents + 1, schema, marker)
        : {
            ...parseWithNextMarker(text, file, { line: first.line, documents }, marker),
            read: "yaml" as const,
          };
    // yaml's lexer may carry a broken document's state into the next ones: from here on, read the old way.
    if (part.parsed.diagnostics.some((d) => d.code === "yaml-syntax")) {
      goWhole(docs, before);
      return;
    }
    documents = part.documents;
    yield* pass(docs, part.parsed, text, before, part.read);
  };
  /** The rest of the file is read whole, from `docs` (and any held before them) on. */
  const goWhole = (docs: DocumentText[], before: number, line = docs[0]?.line ?? 1) => {
    const from = [...(held?.docs ?? []), ...docs];
    documents = held?.before ?? before;
    held = undefined;
    whole = { parts: from.map((d) => d.text), line: from[0]?.line ?? line };
  };
  /** The held documents read again as one text, as the whole-file path reads them. */
  const unhold = function* (): Generator<[ParsedManifests, number]> {
    if (!held) return;
    const { docs, before } = held;
    held = undefined;
    const text = docs.map((d) => d.text).join("");
    const part = parseManifestsAt(text, file, { line: docs[0]!.line, documents: before });
    documents = part.documents;
    yield [part.parsed, text.length];
  };
  const take = function* (docs: DocumentText[]): Generator<[ParsedManifests, number]> {
    for (const doc of docs) {
      if (!whole && doc.directive) {
        yield* flush(doc.text);
        // The rest goes the old way; documents held or flushed into it go first.
        if (!whole) goWhole([], documents, doc.line);
      }
      // yaml blames such a token on the document before it, and skips that one: read them together.
      if (!whole && !startsWithStray(doc.text)) yield* flush(doc.text);
      if (whole) whole.parts.push(doc.text);
      else group.push(doc);
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
      if (json) whole = { parts: [head], line: 1 };
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
    yield* unhold();
  }
  if (whole) {
    const text = whole.parts.join("");
    if (only && !only.test(text)) return;
    yield [parseManifestsAt(text, file, { line: whole.line, documents }, json).parsed, text.length];
  }
}
