// Plain values from yaml nodes in one linear pass. Unlike yaml's toJS: aliases are looked up in O(1)
// (yaml rescans the document per alias), their expansion is measured (billion laughs), cycles are
// refused, and duplicate keys are collected instead of checked pairwise at parse time.
import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Node, YAMLMap } from "yaml";

export interface ValueLimits {
  /** Nesting allowed in the value, counting what aliases stand for. */
  maxDepth: number;
  /** Nodes allowed beyond the document's own: 10 per real node plus this. */
  expansionAllowance: number;
}

export interface DuplicateKey {
  key: string;
  offset: number;
}

export interface ValueResult {
  value: unknown;
  duplicates: DuplicateKey[];
}

/** Why a document could not become a value; `offset` points into the source. */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** What kind of input error: alias trouble, or a key Kubernetes' decoder refuses. */
    readonly code: "yaml-aliases" | "yaml-key" = "yaml-aliases",
  ) {
    super(message);
  }
}

interface Anchored {
  value: unknown;
  /** Nodes in the value once aliases are expanded. */
  size: number;
  depth: number;
  done: boolean;
}

function offsetOf(node: unknown): number {
  return (node as Node | null)?.range?.[0] ?? 0;
}

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  // A plain assignment to `__proto__` would change the object's prototype.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function isMergeKey(key: unknown): boolean {
  // yaml's 1.1 schema resolves a plain `<<` key to Symbol("<<").
  return isScalar(key) && typeof key.value === "symbol" && key.value.description === "<<";
}

class Converter {
  private readonly anchors = new Map<string, Anchored>();
  private real = 0;
  private expanded = 0;
  private deepest = 0;
  readonly duplicates: DuplicateKey[] = [];

  constructor(private readonly limits: ValueLimits) {}

  value(node: unknown, level: number): unknown {
    if (level > this.deepest) this.deepest = level;
    if (isAlias(node)) return this.alias(node.source, node, level);
    const anchor = (node as Node | null)?.anchor;
    return anchor ? this.anchored(anchor, node, level) : this.plain(node, level);
  }

  private plain(node: unknown, level: number): unknown {
    this.real++;
    this.expanded++;
    if (isScalar(node)) return node.value;
    if (isMap(node)) return this.map(node, level);
    if (isSeq(node)) {
      const out: unknown[] = new Array(node.items.length);
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i];
        // `!!pairs` / `!!omap` hold pairs directly in a sequence.
        out[i] = isPair(item)
          ? this.pairObject(item.key, item.value, level + 1)
          : this.value(item, level + 1);
      }
      return out;
    }
    return null;
  }

  private pairObject(key: unknown, value: unknown, level: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    setKey(out, this.key(key, level + 1), this.value(value, level + 1));
    return out;
  }

  private key(key: unknown, level: number): string {
    // YAML allows a map or list as a key; Kubernetes' decoder (JSON underneath) refuses the file. Most often it is
    // an unrendered template: `replicas: {{replicas}}` is a map whose one key is the map {replicas: null}.
    if (isMap(key) || isSeq(key))
      throw new ValueError(
        `a ${isMap(key) ? "map" : "list"} used as a key, which kubectl refuses (an unrendered template expression such as {{name}} reads this way: render the template first)`,
        offsetOf(key),
        "yaml-key",
      );
    const value = this.value(key, level);
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return JSON.stringify(value) ?? "";
    return String(value);
  }

  private map(node: YAMLMap, level: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let merges: unknown[] | undefined;
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        merges ??= [];
        merges.push(pair.value);
        continue;
      }
      const key = this.key(pair.key, level + 1);
      const value = this.value(pair.value, level + 1);
      if (Object.hasOwn(out, key)) this.duplicates.push({ key, offset: offsetOf(pair.key ?? pair.value) });
      setKey(out, key, value);
    }
    // Merged keys never override explicit ones, and earlier merge sources win over later ones.
    if (merges) for (const source of merges) this.merge(out, source, level);
    return out;
  }

  private merge(out: Record<string, unknown>, source: unknown, level: number): void {
    const value = this.value(source, level + 1);
    const sources = Array.isArray(value) ? value : [value];
    for (const from of sources) {
      if (typeof from !== "object" || from === null || Array.isArray(from)) {
        throw new ValueError("a `<<` merge key takes a map or a list of maps", offsetOf(source));
      }
      for (const key of Object.keys(from)) {
        if (Object.hasOwn(out, key)) continue;
        setKey(out, key, (from as Record<string, unknown>)[key]);
        this.grow(1, source);
      }
    }
  }

  private anchored(name: string, node: unknown, level: number): unknown {
    const data: Anchored = { value: undefined, size: 0, depth: 0, done: false };
    // Set before converting, so an alias inside its own anchor is seen as a cycle.
    this.anchors.set(name, data);
    const before = this.expanded;
    const outerDeepest = this.deepest;
    this.deepest = level;
    data.value = this.plain(node, level);
    data.size = this.expanded - before;
    data.depth = this.deepest - level;
    data.done = true;
    if (outerDeepest > this.deepest) this.deepest = outerDeepest;
    return data.value;
  }

  private alias(name: string, node: unknown, level: number): unknown {
    const data = this.anchors.get(name);
    if (!data) throw new ValueError(`alias *${name} has no anchor &${name} before it`, offsetOf(node));
    if (!data.done) {
      throw new ValueError(`alias *${name} is inside the node anchored &${name} (a cycle)`, offsetOf(node));
    }
    if (level + data.depth > this.limits.maxDepth) {
      throw new ValueError(
        `aliases nest the value deeper than ${this.limits.maxDepth} levels`,
        offsetOf(node),
      );
    }
    if (level + data.depth > this.deepest) this.deepest = level + data.depth;
    this.grow(data.size, node);
    return data.value;
  }

  private grow(nodes: number, at: unknown): void {
    this.expanded += nodes;
    if (this.expanded > 10 * this.real + this.limits.expansionAllowance) {
      throw new ValueError(
        `aliases expand to more than ${this.expanded} nodes from ${this.real} written ones (a "billion laughs" document?)`,
        offsetOf(at),
      );
    }
  }
}

/** The plain value of `root` with its duplicate keys (last one wins, as in JSON.parse). Throws ValueError. */
export function plainValueOf(root: unknown, limits: ValueLimits): ValueResult {
  const converter = new Converter(limits);
  const value = converter.value(root, 0);
  return { value, duplicates: converter.duplicates };
}
