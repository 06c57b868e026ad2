// A List document (`kubectl get -o yaml` writes one) read the fast way: its items become objects placed where the
// `yaml` path places them (each item's first key), their field positions read from the item's lines when a
// finding asks. Anything not plain (an item that is no Kubernetes object or is a List itself, items not written
// as `- key: value` block maps) leaves the whole document to the `yaml` path, which says more about it.
import { kubeObjectOf } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { blockItemsOf, blockOffsetOf } from "./block-locate.js";
import type { DocumentText } from "./document-split.js";
import type { ParsedManifests } from "./manifests.js";
import { markWithoutDollarKeys } from "./patch-fragments.js";
import { withoutSecretValues } from "./secret-values.js";

/** Line and column of offsets in a document's text, by a binary search over its line starts (made once). */
class LineStarts {
  private starts: number[] | undefined;

  constructor(
    private readonly text: string,
    private readonly firstLine: number,
  ) {}

  at(offset: number): { line: number; column: number } {
    if (!this.starts) {
      this.starts = [0];
      for (let nl = this.text.indexOf("\n"); nl >= 0; nl = this.text.indexOf("\n", nl + 1))
        this.starts.push(nl + 1);
    }
    const starts = this.starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: this.firstLine + low, column: offset - starts[low]! + 1 };
  }
}

export interface FastList {
  doc: DocumentText;
  file: string;
  /** Where the List's first key starts in the document's text. */
  root: number;
  items: unknown[];
  /** Some key of the document begins with `$` (sources/fast-yaml). */
  dollarKeys: boolean;
  helmSource: string | undefined;
  /** The document's objects the `yaml` way, for a position the item's lines cannot tell. */
  slow: () => ParsedManifests;
}

/** The List's items as objects, or undefined when the `yaml` path should read the document. */
export function fastListItems(list: FastList): ParsedManifests | undefined {
  const { doc, file, items } = list;
  const starts = blockItemsOf(doc.text, list.root, "items");
  if (!starts || starts.length !== items.length) return undefined;
  const lines = new LineStarts(doc.text, doc.line);
  let slowObjects: SourcedObject[] | undefined;
  const objects: SourcedObject[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = kubeObjectOf(items[i]);
    if (typeof item === "string" || (String(item.kind).endsWith("List") && Array.isArray(item.items)))
      return undefined;
    const object = withoutSecretValues(item);
    if (!list.dollarKeys) markWithoutDollarKeys(object);
    const start = starts[i]!;
    const { line, column } = lines.at(start);
    const origin: SourcedObject["origin"] = {
      file,
      line,
      column,
      locate(path) {
        const offset = blockOffsetOf(doc.text, start, path, true);
        if (offset !== undefined) return lines.at(offset);
        slowObjects ??= list.slow().objects;
        return slowObjects[i]?.origin.locate?.(path) ?? { line, column };
      },
    };
    if (list.helmSource !== undefined) origin.helmSource = list.helmSource;
    objects.push({ object, origin });
  }
  return { objects, diagnostics: [] };
}
