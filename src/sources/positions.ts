// Field positions inside a parsed YAML node, found lazily by walking only the requested path.
import { isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { Position } from "../model/snapshot.js";

/** 1-based line and column of a source offset (binary search over line starts). */
export function positionAt(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function startOf(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

// Keys compare as the parsed object spells them (a null key is "").
function keyMatches(key: unknown, segment: string): boolean {
  if (!isScalar(key)) return false;
  return (key.value === null ? "" : String(key.value)) === segment;
}

/** One step down: the child at `segment` and the offset that names it (a map key, a sequence item start). */
export function childOf(
  node: unknown,
  segment: string | number,
): { node: unknown; offset: number } | undefined {
  if (isMap(node)) {
    const wanted = String(segment);
    // Last duplicate wins, as in the parsed value.
    for (let i = node.items.length - 1; i >= 0; i--) {
      const pair = node.items[i];
      if (pair && keyMatches(pair.key, wanted)) {
        const offset = startOf(pair.key as Node) ?? startOf(pair.value as Node);
        return offset === undefined ? undefined : { node: pair.value, offset };
      }
    }
    return undefined;
  }
  if (isSeq(node)) {
    const index = typeof segment === "number" ? segment : Number(segment);
    if (!Number.isInteger(index) || index < 0) return undefined;
    const item = node.items[index] as Node | undefined;
    const offset = startOf(item);
    return offset === undefined ? undefined : { node: item, offset };
  }
  // A scalar, an alias (its target may sit in another object) or nothing.
  return undefined;
}

/**
 * Offset of the field at `path` below `root`: a map key's own position, a sequence item's start,
 * or the deepest existing ancestor when the path goes further than the document.
 */
export function offsetOf(root: Node, path: readonly (string | number)[]): number {
  let node: unknown = root;
  let offset = startOf(root) ?? 0;
  for (const segment of path) {
    const child = childOf(node, segment);
    if (!child) break;
    node = child.node;
    offset = child.offset;
  }
  return offset;
}

/** Where a value sits in its file, for YAML and JSON alike: its start, its children and `locate`. */
export interface Place {
  offset: number;
  child(segment: string | number): Place | undefined;
  /** Nothing is computed until it is called. */
  locate(path: readonly (string | number)[]): Position;
}

/** A Place for a yaml node. */
export function yamlPlace(node: Node, lines: LineCounter): Place {
  return {
    offset: startOf(node) ?? 0,
    child(segment) {
      const next = childOf(node, segment)?.node;
      // Aliases and missing values have no place of their own.
      return isMap(next) || isSeq(next) || isScalar(next) ? yamlPlace(next, lines) : undefined;
    },
    locate: (path) => positionAt(lines, offsetOf(node, path)),
  };
}
