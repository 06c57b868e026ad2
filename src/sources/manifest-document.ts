// One document of a manifest file into objects: through js-yaml when it reads the document exactly as the
// whole-file `yaml` path would, else through that path on this document alone. Positions are the whole
// file's either way; a fast object's field positions are computed (by the `yaml` path) only when asked for.
import type jsyaml from "js-yaml";
import { type KubeObject, kubeObjectOf } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { blockOffsetOf } from "./block-locate.js";
import { HASH, isBlank, NEWLINE } from "./char-codes.js";
import { valuesEndOnTheirLines } from "./clear-lines.js";
import type { DocumentText } from "./document-split.js";
import { fastValue } from "./fast-yaml.js";
import { fastListItems } from "./manifest-list.js";
import { helmSourceOf, type ParsedManifests, parseWithNextMarker } from "./manifests.js";
import { markWithoutDollarKeys } from "./patch-fragments.js";
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

/** The `# Source:` comment Helm writes after the `---` line, if there is one. */
function helmSourceAt(text: string, at: { root: number; marker: number | undefined }): string | undefined {
  return at.marker === undefined ? undefined : helmSourceOf(text, at.marker, at.root);
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
    // Non-objects and objects the API server would refuse: the `yaml` way says more about them.
    const value = kubeObjectOf(loaded.value);
    if (typeof value === "string") return slow();
    // A List's items get objects and positions of their own.
    if (String(value.kind).endsWith("List") && Array.isArray(value.items)) {
      const parsed = fastListItems({
        doc,
        file,
        root: at.root,
        items: value.items,
        dollarKeys: loaded.dollarKeys,
        helmSource: helmSourceAt(doc.text, at),
        slow: () => slow().parsed,
      });
      return parsed ? { parsed, documents: number } : slow();
    }
    object = withoutSecretValues(value);
    if (!loaded.dollarKeys) markWithoutDollarKeys(object);
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
  const helmSource = helmSourceAt(doc.text, at);
  if (helmSource !== undefined) origin.helmSource = helmSource;
  const objects = [{ object, origin }];
  return { parsed: { objects, diagnostics: [] }, documents: number };
}
