// Watches: newline-delimited `{type, object}` events on a chunked response that stays open.
import type { ServerResponse } from "node:http";
import type { KubeObject } from "../../src/model/kube.js";
import { waitDrain } from "./io.js";
import type { Matcher } from "./selectors.js";
import { expired } from "./status.js";
import type { Change, Store } from "./store.js";
import { type IncludeObject, type Printer, tableRow } from "./table.js";
import type { ResourceType } from "./types.js";

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  match: Matcher;
  /** undefined or "0": start with ADDED for every object; a number: resume after that version. */
  resourceVersion?: number;
  allowBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  /** kubectl get -w asks for Tables: each event's object is then a one-row Table. */
  table?: { printer: Printer; include: IncludeObject };
}

type EventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

function line(type: EventType, object: unknown): string {
  return `{"type":"${type}","object":${JSON.stringify(object)}}\n`;
}

/** How a change looks through the watch's namespace and selectors (objects moving out look DELETED). */
function eventFor(req: WatchRequest, c: Change): EventType | undefined {
  if (c.resource !== req.type) return undefined;
  if (req.namespace && c.object.metadata?.namespace !== req.namespace) return undefined;
  const now = req.match(c.object);
  if (c.type !== "MODIFIED" || !c.previous) return now ? c.type : undefined;
  const before = req.match(c.previous);
  if (before && now) return "MODIFIED";
  if (now) return "ADDED";
  return before ? "DELETED" : undefined;
}

function bookmark(t: ResourceType, rv: number, initialEnd: boolean): KubeObject {
  const metadata: KubeObject["metadata"] = { resourceVersion: String(rv) };
  if (initialEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
  return { kind: t.kind, apiVersion: t.group ? `${t.group}/${t.version}` : t.version, metadata };
}

/** Streams a watch on `res` until the client leaves, the timeout passes or `stop` is called. */
export function startWatch(res: ServerResponse, store: Store, req: WatchRequest): { stop: () => void } {
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();

  let initial: KubeObject[] = [];
  let replay: Change[] = [];
  const fromStart = req.resourceVersion === undefined || req.resourceVersion === 0;
  if (!fromStart) {
    const changes = store.changesSince(req.type, req.resourceVersion!);
    if (changes === "expired") {
      const message = `too old resource version: ${req.resourceVersion} (${store.compactedRv})`;
      res.end(line("ERROR", expired(message)));
      return { stop: () => {} };
    }
    replay = changes;
  }
  if (fromStart || req.sendInitialEvents) {
    for (const [, o] of store.scan(req.type, req.namespace)) if (req.match(o)) initial.push(o);
  }
  const caughtUpRv = store.rv;

  let columnsSent = false;
  const render = (o: KubeObject): unknown => {
    if (!req.table) return o;
    const columnDefinitions = columnsSent ? [] : req.table.printer.columns;
    columnsSent = true;
    return {
      kind: "Table",
      apiVersion: "meta.k8s.io/v1",
      metadata: { resourceVersion: o.metadata?.resourceVersion },
      columnDefinitions,
      rows: [tableRow(req.table.printer, o, Date.now(), req.table.include)],
    };
  };

  let live = false;
  const pending: Change[] = [];
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = store.subscribe((c) => {
    if (!live) pending.push(c);
    else send(c);
  });
  const stop = () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  res.on("close", stop);

  function send(c: Change): void {
    const type = eventFor(req, c);
    if (type && !res.destroyed) res.write(line(type, render(c.object)));
  }

  (async () => {
    for (const o of initial) {
      if (res.destroyed) return;
      if (!res.write(line("ADDED", render(o)))) await waitDrain(res);
    }
    initial = [];
    for (const c of replay) send(c);
    replay = [];
    if (req.allowBookmarks && !res.destroyed) {
      res.write(line("BOOKMARK", bookmark(req.type, caughtUpRv, req.sendInitialEvents === true)));
    }
    live = true;
    for (const c of pending.splice(0)) send(c);
  })().catch(() => res.destroy());

  if (req.timeoutSeconds !== undefined && req.timeoutSeconds > 0) {
    timer = setTimeout(() => {
      if (req.allowBookmarks && !res.destroyed)
        res.write(line("BOOKMARK", bookmark(req.type, store.rv, false)));
      stop();
    }, req.timeoutSeconds * 1000);
  }
  return { stop };
}
