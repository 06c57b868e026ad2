// One document of a manifest file into objects: through js-yaml when it reads the document exactly as the
// whole-file `yaml` path would, else through that path on this document alone. Positions are the whole
// file's either way; a fast object's field positions are computed (by the `yaml` path) only when asked for.
import type jsyaml from "js-yaml";
import type { KubeObject } from "../k8s/types.js";
import type { SourcedObject } from "../engine/types.js";
import type { DocumentText } from "./document-split.js";
import { blockOffsetOf } from "./block-locate.js";
import { fastValue } from "./fast-yaml.js";
import { helmSourceOf, type ParsedManifests, parseManifestsAt } from "./manifests.js";
import { withoutSecretValues } from "./secret-values.js";

const NEWLINE = 10;
const HASH = 35;

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

function isKubernetesObject(value: unknown): value is KubeObject & { apiVersion: string; kind: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return typeof o.apiVersion === "string" && typeof o.kind === "string";
}

/**
 * Objects and diagnostics of one document, `number` being its number in the file (1-based). Returns the number
 * of documents counted so far in the file: `number`, unless the `yaml` path counts otherwise.
 */
export function parseDocument(
  doc: DocumentText,
  file: string,
  number: number,
  schema: jsyaml.Schema,
): { parsed: ParsedManifests; documents: number } {
  const slow = () => parseManifestsAt(doc.text, file, { line: doc.line, documents: number - 1 });
  const at = rootOf(doc.text, doc.offset === 0);
  if (!at) return slow();
  const loaded = fastValue(doc.text, schema);
  if (!loaded) return slow();
  const value = loaded.value;
  // Non-objects, Lists (whose items get positions of their own) and odd documents say more the `yaml` way.
  if (!isKubernetesObject(value) || (value.kind.endsWith("List") && Array.isArray(value.items))) return slow();

  const { line, column } = positionIn(doc.text, at.root, doc.line);
  let slowObject: SourcedObject | undefined;
  const origin: SourcedObject["origin"] = {
    file,
    line,
    column,
    locate(path) {
      const offset = blockOffsetOf(doc.text, at.root, path);
      if (offset !== undefined) return positionIn(doc.text, offset, doc.line);
      slowObject ??= slow().parsed.objects[0];
      return slowObject?.origin.locate?.(path) ?? { line, column };
    },
  };
  const helmSource = at.marker === undefined ? undefined : helmSourceOf(doc.text, at.marker, at.root);
  if (helmSource !== undefined) origin.helmSource = helmSource;
  return { parsed: { objects: [{ object: withoutSecretValues(value), origin }], diagnostics: [] }, documents: number };
}
