// The looked-up objects of a streamed lint (a pod's ServiceAccount, the Service a Redis address names), kept for
// the whole lint as JSON text, not as objects: in a large input they can be a third of the documents, and as text
// they take about a third of the memory. A rule's lookup makes an object again from its text; those asked for by
// kind (the bindings: a few) stay made, and so do the last few thousand asked for by name.
// The linting pass takes the objects read the fast way from here instead of reading their documents again.
import { createHash } from "node:crypto";
import { metaString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import { ownCopy } from "../model/own-copy.js";
import type { Origin, SourcedObject } from "../model/snapshot.js";
import type { Lookup } from "../rules/types.js";
import { readFast } from "../sources/manifest-document.js";
import type { BatchOptions } from "../sources/manifest-stream.js";

/** Objects made again from their text that a lookup keeps, past those asked for by kind. */
const KEPT_MADE = 4096;
/** Objects' texts are kept joined in pieces of about this many characters: one string each has an overhead. */
const PIECE_CHARS = 1 << 20;

/** A ContextStore as plain data: it crosses to worker threads. */
export interface ContextData {
  /** The objects as JSON, in input order, joined in pieces. */
  pieces: string[];
  /** Each object's piece, and where its text starts and ends in it. */
  piece: number[];
  start: number[];
  end: number[];
  kind: string[];
  file: string[];
  line: (number | undefined)[];
  column: (number | undefined)[];
  /** Helm `# Source:` names, by index (most objects have none). */
  helm: Map<number, string>;
  /** Objects JSON would not give back as they are (notPlainJson), copied whole, by index. */
  exact: Map<number, KubeObject>;
  /** Objects read the fast way, by file and line (a fast document's root starts a line of its own): reusable. */
  fast: Map<string, Map<number, number>>;
}

/**
 * A value JSON would not give back as it is: a number it writes as another (`.inf`, `.nan`, `-0`), a bigint (it
 * cannot write one), or an object that is not plain (a custom tag's value).
 */
function notPlainJson(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value) || Object.is(value, -0);
  if (typeof value === "bigint" || typeof value === "undefined") return true;
  if (Array.isArray(value)) return value.some(notPlainJson);
  if (value && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return true;
    for (const key in value) if (notPlainJson((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** An object's JSON; a bigint, which JSON cannot write, as its digits (such an object is also kept as a copy). */
function jsonText(object: unknown): string {
  try {
    return JSON.stringify(object);
  } catch {
    return JSON.stringify(object, (_key, v: unknown) => (typeof v === "bigint" ? String(v) : v));
  }
}

export class ContextStore {
  private readonly kept: ContextData;
  /** Objects the linting pass took from here (readerOf), to tell them from objects read anew. */
  private readonly handedOut = new WeakSet<KubeObject>();
  /** Texts of the piece being gathered, and its length so far. */
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(data?: ContextData) {
    this.kept = data ?? {
      pieces: [],
      piece: [],
      start: [],
      end: [],
      kind: [],
      file: [],
      line: [],
      column: [],
      helm: new Map(),
      exact: new Map(),
      fast: new Map(),
    };
  }

  /** Everything kept, as plain data, its last piece joined. */
  get data(): ContextData {
    this.seal();
    return this.kept;
  }

  get size(): number {
    return this.kept.piece.length;
  }

  /** The gathered texts as one more piece. */
  private seal(): void {
    if (!this.pending.length) return;
    this.kept.pieces.push(this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** The object's text (JSON) at `i`. */
  private text(i: number): string {
    this.seal();
    const d = this.kept;
    return d.pieces[d.piece[i]!]!.slice(d.start[i], d.end[i]);
  }

  add(o: SourcedObject): void {
    const d = this.kept;
    const i = d.piece.length;
    const exact = notPlainJson(o.object);
    const json = jsonText(o.object);
    d.piece.push(d.pieces.length);
    d.start.push(this.pendingChars);
    this.pending.push(json);
    this.pendingChars += json.length;
    d.end.push(this.pendingChars);
    if (this.pendingChars >= PIECE_CHARS) this.seal();
    if (exact) d.exact.set(i, structuredClone(o.object));
    d.kind.push(this.kindOf(o.object));
    d.file.push(o.origin.file ?? "");
    d.line.push(o.origin.line);
    d.column.push(o.origin.column);
    if (o.origin.helmSource !== undefined) d.helm.set(i, ownCopy(o.origin.helmSource));
    if (readFast(o)) {
      let lines = d.fast.get(o.origin.file ?? "");
      if (!lines) {
        lines = new Map();
        d.fast.set(o.origin.file ?? "", lines);
      }
      // The first of equal places (a file named twice) is the one taken.
      if (!lines.has(o.origin.line ?? 0)) lines.set(o.origin.line ?? 0, i);
    }
  }

  /** Kinds met, each once: a long one read from a document is a slice of its batch's text, kept alive by it. */
  private readonly kinds = new Map<string, string>();

  private kindOf(object: KubeObject): string {
    const kind = String(object.kind);
    let own = this.kinds.get(kind);
    if (own === undefined) {
      own = ownCopy(kind);
      this.kinds.set(own, own);
    }
    return own;
  }

  /** The object at `i`, made anew. */
  object(i: number): KubeObject {
    const exact = this.kept.exact.get(i);
    return exact ? structuredClone(exact) : (JSON.parse(this.text(i)) as KubeObject);
  }

  /** Where the object at `i` was read: the document's place, no positions inside it. */
  origin(i: number): Origin {
    const d = this.kept;
    const origin: Origin = { file: d.file[i]! };
    if (d.line[i] !== undefined) origin.line = d.line[i];
    if (d.column[i] !== undefined) origin.column = d.column[i];
    const helm = d.helm.get(i);
    if (helm !== undefined) origin.helmSource = helm;
    return origin;
  }

  /** The index of the object read the fast way at `file:line:column`, if any. */
  private fastAt(file: string | undefined, line: number | undefined, column: number | undefined) {
    const i = this.kept.fast.get(file ?? "")?.get(line ?? 0);
    return i !== undefined && this.kept.column[i] === column ? i : undefined;
  }

  /** What the linting pass reads with: the objects read the fast way from here, not from their documents. */
  readerOf(read: BatchOptions): BatchOptions {
    return {
      ...read,
      reuse: (file, line, column) => {
        const i = this.fastAt(file, line, column);
        if (i === undefined) return undefined;
        const object = this.object(i);
        this.handedOut.add(object);
        return object;
      },
    };
  }

  /** True when the linting pass took `o` from here (readerOf), not from its document. */
  wasReused(o: SourcedObject): boolean {
    return this.handedOut.has(o.object);
  }

  /** The digest a pass that reads the objects of `files` (default: all) should find (ContextDigest). */
  digest(files?: ReadonlySet<string>): { count: number; digest: string } {
    const d = new ContextDigest();
    const k = this.kept;
    for (let i = 0; i < this.size; i++) {
      const file = k.file[i]!;
      if (files && !files.has(file)) continue;
      const reused = this.fastAt(file, k.line[i], k.column[i]) !== undefined;
      d.addText(file, k.line[i], k.column[i], reused ? undefined : this.text(i));
    }
    return { count: d.count, digest: d.digest() };
  }

  /** A lookup that answers for the kinds rules declare (`meta.reads`) and refuses any other question. */
  lookup(kinds: ReadonlySet<string>): Lookup {
    return declaredLookup(this, kinds);
  }
}

/**
 * The looked-up objects a pass read, in order: where each was read and what it holds (unless it was the
 * collecting pass's own object), as one digest, so both passes can be compared without holding either list.
 */
export class ContextDigest {
  private readonly hash = createHash("sha1");
  count = 0;

  /** `reused`: the collecting pass's own object, so its content need not be compared. */
  add(o: SourcedObject, reused: boolean): void {
    this.addText(
      o.origin.file ?? "",
      o.origin.line,
      o.origin.column,
      reused ? undefined : jsonText(o.object),
    );
  }

  addText(
    file: string,
    line: number | undefined,
    column: number | undefined,
    json: string | undefined,
  ): void {
    this.count++;
    this.hash.update(`${file}\u0000${line}\u0000${column}\u0000${json === undefined ? "=" : json}\u0000`);
  }

  digest(): string {
    return `${this.count}:${this.hash.digest("base64")}`;
  }
}

/** Indexes over a ContextStore, made per kind when first asked for, with the engine's lookup's answers. */
function declaredLookup(store: ContextStore, kinds: ReadonlySet<string>): Lookup {
  const refuse = (what: string): never => {
    throw new Error(
      `a streamed lint answers lookups of ${[...kinds].join(", ")} only, not ${what}: add it to the rule's meta.reads`,
    );
  };
  const declared = (kind: string) => kinds.has(kind) || refuse(`kind ${kind}`);
  const ofKind = new Map<string, number[]>();
  for (let i = 0; i < store.size; i++) {
    const kind = store.data.kind[i]!;
    const list = ofKind.get(kind);
    if (list) list.push(i);
    else ofKind.set(kind, [i]);
  }
  const wholeKind = new Map<string, SourcedObject[]>();
  const plainKind = new Map<string, KubeObject[]>();
  /** Objects made for a kind asked for whole: kept for the lint, so every answer gives the same object. */
  const pinned = new Map<number, SourcedObject>();
  const made = new Map<number, SourcedObject>();
  const sourced = (i: number): SourcedObject => {
    const kept = pinned.get(i);
    if (kept) return kept;
    let o = made.get(i);
    if (o) {
      // The most recently used last: the first is the one to let go.
      made.delete(i);
    } else {
      o = { object: store.object(i), origin: store.origin(i) };
      if (made.size >= KEPT_MADE) made.delete(made.keys().next().value!);
    }
    made.set(i, o);
    return o;
  };
  const byKind = (kind: string): SourcedObject[] => {
    let list = wholeKind.get(kind);
    if (!list) {
      list = (ofKind.get(kind) ?? []).map((i) => {
        const o = sourced(i);
        pinned.set(i, o);
        return o;
      });
      wholeKind.set(kind, list);
    }
    return list;
  };
  /** Names and namespaces of a kind's objects, read once from their text. */
  const names = new Map<
    string,
    { named: Map<string, number[]>; byNamespace: Map<string, Map<string, number>> }
  >();
  const namesOf = (kind: string) => {
    let index = names.get(kind);
    if (!index) {
      index = { named: new Map(), byNamespace: new Map() };
      for (const i of ofKind.get(kind) ?? []) {
        const object = store.object(i);
        const name = metaString(object, "name");
        if (name !== undefined) {
          const list = index.named.get(name);
          if (list) list.push(i);
          else index.named.set(name, [i]);
        }
        // As the engine's lookup: the last object of a name wins.
        const ns = String(object.metadata?.namespace ?? "");
        let inNamespace = index.byNamespace.get(ns);
        if (!inNamespace) {
          inNamespace = new Map();
          index.byNamespace.set(ns, inNamespace);
        }
        inNamespace.set(String(object.metadata?.name ?? ""), i);
      }
      names.set(kind, index);
    }
    return index;
  };
  return {
    all: () => refuse("all objects"),
    byKind: (kind) => (declared(kind) ? byKind(kind) : []),
    named: (kind, name) => (declared(kind) ? (namesOf(kind).named.get(name) ?? []).map(sourced) : []),
    byUid: () => refuse("objects by uid"),
    get(kind, namespace, name) {
      if (!declared(kind)) return undefined;
      const i = namesOf(kind)
        .byNamespace.get(namespace ?? "")
        ?.get(name);
      return i === undefined ? undefined : sourced(i);
    },
    eventsFor: () => refuse("events"),
    podsOnNode: () => refuse("pods by node"),
    previousLog: () => undefined,
    currentLog: () => undefined,
    owners: () => refuse("owner chains"),
    objectsOfKind(kind) {
      if (!declared(kind)) return [];
      let list = plainKind.get(kind);
      if (!list) {
        list = byKind(kind).map((o) => o.object);
        plainKind.set(kind, list);
      }
      return list;
    },
  };
}
