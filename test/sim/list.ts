// Lists: one page at a time (limit/continue) or all, serialized in chunks so big lists are never one string.
import type { KubeObject } from "../../src/model/kube.js";
import type { Matcher } from "./selectors.js";
import type { Store } from "./store.js";
import { type IncludeObject, type Printer, tableRow } from "./table.js";
import type { ResourceType } from "./types.js";

/** Items serialized per chunk written to the socket. */
const ITEMS_PER_CHUNK = 200;

export interface ContinueKey {
  rv: number;
  /** The last key already returned. */
  start: string;
}

/** Opaque to clients; shaped like the API server's (base64 of `{"v","rv","start"}`). */
export function encodeContinue(k: ContinueKey): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: k.rv, start: `${k.start}\u0000` })).toString(
    "base64",
  );
}

export function decodeContinue(token: string): ContinueKey | undefined {
  try {
    const raw = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (raw.v !== "meta.k8s.io/v1" || typeof raw.rv !== "number" || typeof raw.start !== "string")
      return undefined;
    return { rv: raw.rv, start: raw.start.replace(/\u0000$/, "") };
  } catch {
    return undefined;
  }
}

export interface ListRequest {
  type: ResourceType;
  namespace?: string;
  match: Matcher;
  limit?: number;
  after?: ContinueKey;
  table?: { printer: Printer; include: IncludeObject; nowMs: number };
}

/** The page to send: objects now, bytes later. */
export interface ListPage {
  items: Iterable<KubeObject>;
  continueToken?: string;
}

function* matching(store: Store, req: ListRequest, afterKey?: string): Generator<[string, KubeObject]> {
  for (const entry of store.scan(req.type, req.namespace, afterKey)) {
    if (req.match(entry[1])) yield entry;
  }
}

/** Picks the items of one page; without a limit the items stay a lazy scan of the store. */
export function listPage(store: Store, req: ListRequest): ListPage {
  const rv = req.after && req.after.rv > 0 ? req.after.rv : store.rv;
  if (!req.limit) {
    return {
      items: (function* () {
        for (const [, o] of matching(store, req, req.after?.start)) yield o;
      })(),
    };
  }
  const items: KubeObject[] = [];
  let lastKey: string | undefined;
  // Stepped by hand: a for-of `break` would close the scan before the look-ahead below.
  const scan = matching(store, req, req.after?.start);
  let next = scan.next();
  while (!next.done && items.length < req.limit) {
    items.push(next.value[1]);
    lastKey = next.value[0];
    next = scan.next();
  }
  const more = !next.done;
  scan.return(undefined);
  return more && lastKey !== undefined
    ? { items, continueToken: encodeContinue({ rv, start: lastKey }) }
    : { items };
}

/** The JSON text of a list response, in chunks. */
export function* listChunks(store: Store, req: ListRequest, page: ListPage): Generator<string> {
  const metadata: Record<string, string> = { resourceVersion: String(store.rv) };
  if (page.continueToken) metadata.continue = page.continueToken;
  const table = req.table;
  if (table) {
    yield `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"columnDefinitions":${JSON.stringify(table.printer.columns)},"rows":[`;
  } else {
    const apiVersion = req.type.group ? `${req.type.group}/${req.type.version}` : req.type.version;
    yield `{"kind":"${req.type.kind}List","apiVersion":"${apiVersion}","metadata":${JSON.stringify(metadata)},"items":[`;
  }
  let batch: string[] = [];
  let first = true;
  for (const o of page.items) {
    batch.push(JSON.stringify(table ? tableRow(table.printer, o, table.nowMs, table.include) : o));
    if (batch.length >= ITEMS_PER_CHUNK) {
      yield (first ? "" : ",") + batch.join(",");
      first = false;
      batch = [];
    }
  }
  if (batch.length > 0) yield (first ? "" : ",") + batch.join(",");
  yield "]}";
}
