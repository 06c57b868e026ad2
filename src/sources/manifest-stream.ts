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
import { type ParsedManifests, parseManifestsAt, YAML_OPTIONS } from "./manifests.js";

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
  }
  else yield* createReadStream(it.file, { encoding: "utf8", highWaterMark: CHUNK_BYTES });
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
  /** Set once the file is read whole: JSON, or the rest of a YAML stream from a `%` directive on. */
  let whole: { parts: string[]; line: number } | undefined;
  let head = "";
  let decided = false;
  let json = false;
  const take = function* (docs: DocumentText[]): Generator<[ParsedManifests, number]> {
    for (const doc of docs) {
      if (!whole && doc.directive) whole = { parts: [], line: doc.line };
      if (whole) {
        whole.parts.push(doc.text);
        continue;
      }
      if (only && !only.test(doc.text)) {
        // Documents after this one are numbered as before.
        documents++;
        continue;
      }
      const part = slow
        ? parseManifestsAt(doc.text, file, { line: doc.line, documents })
        : parseDocument(doc, file, documents + 1, schema);
      documents = part.documents;
      yield [part.parsed, doc.text.length];
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
    if (whole) whole.parts.push(chunk);
    else yield* take(splitter.push(chunk));
  }
  if (!decided && head) yield* take(splitter.push(head));
  if (!json) yield* take(splitter.end());
  if (whole) {
    const text = whole.parts.join("");
    if (only && !only.test(text)) return;
    yield [parseManifestsAt(text, file, { line: whole.line, documents }).parsed, text.length];
  }
}
