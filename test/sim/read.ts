// GET on resources: one object, a list page, a watch, or a pod's log.
import type { KubeObject } from "../../src/model/kube.js";
import { decodeContinue, encodeContinue, type ListRequest, listChunks, listPage } from "./list.js";
import { podLog } from "./logs.js";
import { json, type Reply, statusReply } from "./reply.js";
import { isTrue, type Route } from "./routes.js";
import { fieldSelector, labelSelector, type Matcher } from "./selectors.js";
import { badRequest, expired, noSuchResource, notFound } from "./status.js";
import type { Store } from "./store.js";
import { type IncludeObject, printerFor, tableRow, wantsTable } from "./table.js";
import type { ResourceType, Verb } from "./types.js";
import { startWatch, type WatchRequest } from "./watch.js";

export const CONTINUE_EXPIRED =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export interface ReadRequest {
  route: Route;
  verb: Verb;
  query: URLSearchParams;
  accept: string | undefined;
}

function intParam(v: string | null): number | undefined {
  if (v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

function matcherOf(t: ResourceType, query: URLSearchParams): Matcher {
  const byLabel = labelSelector(query.get("labelSelector") ?? "");
  const byField = fieldSelector(query.get("fieldSelector") ?? "", t.kind);
  return (o) => byLabel(o) && byField(o);
}

function crdOf(store: Store, t: ResourceType): KubeObject | undefined {
  const crdType = store.typeByName("customresourcedefinitions");
  return crdType && t.group ? store.get(crdType, undefined, `${t.plural}.${t.group}`) : undefined;
}

function tableOf(store: Store, r: ReadRequest): ListRequest["table"] {
  if (!wantsTable(r.accept)) return undefined;
  const include = (r.query.get("includeObject") ?? "Metadata") as IncludeObject;
  return { printer: printerFor(r.route.type, crdOf(store, r.route.type)), include, nowMs: Date.now() };
}

/** The 410 a list answers when its continue token is too old, with a token to carry on inconsistently. */
export function expiredContinue(token: string | null): Reply {
  const after = token ? decodeContinue(token) : undefined;
  return statusReply(
    expired(CONTINUE_EXPIRED, after ? encodeContinue({ rv: -1, start: after.start }) : undefined),
  );
}

function readLog(store: Store, r: ReadRequest): Reply {
  const { route, query } = r;
  const tailLines = intParam(query.get("tailLines"));
  const limitBytes = intParam(query.get("limitBytes"));
  const container = query.get("container");
  const out = podLog(store, route.namespace!, route.name!, {
    ...(container ? { container } : {}),
    previous: isTrue(query.get("previous")),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    timestamps: isTrue(query.get("timestamps")),
  });
  return typeof out === "string" ? { kind: "text", code: 200, body: out } : statusReply(out);
}

function readOne(store: Store, r: ReadRequest): Reply {
  const { type, namespace, name } = r.route;
  const o = store.get(type, namespace, name!);
  if (!o) return statusReply(notFound(type.plural, type.group, name!));
  const table = tableOf(store, r);
  if (!table) return json(o);
  return json({
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: o.metadata?.resourceVersion },
    columnDefinitions: table.printer.columns,
    rows: [tableRow(table.printer, o, table.nowMs, table.include)],
  });
}

function readWatch(store: Store, r: ReadRequest, match: Matcher): Reply {
  const { query, route } = r;
  const rvParam = query.get("resourceVersion");
  const rv = rvParam === null || rvParam === "" ? undefined : Number(rvParam);
  if (rv !== undefined && !Number.isInteger(rv)) {
    return statusReply(badRequest(`resourceVersion: Invalid value: "${rvParam}": must be an integer`));
  }
  const sendInitial = query.get("sendInitialEvents");
  const timeoutSeconds = intParam(query.get("timeoutSeconds"));
  const table = tableOf(store, r);
  const w: WatchRequest = {
    type: route.type,
    match,
    allowBookmarks: isTrue(query.get("allowWatchBookmarks")),
    ...(route.namespace ? { namespace: route.namespace } : {}),
    ...(rv !== undefined ? { resourceVersion: rv } : {}),
    ...(sendInitial !== null ? { sendInitialEvents: isTrue(sendInitial) } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(table ? { table: { printer: table.printer, include: table.include } } : {}),
  };
  return { kind: "watch", start: (res) => startWatch(res, store, w) };
}

function readList(store: Store, r: ReadRequest, match: Matcher): Reply {
  const token = r.query.get("continue");
  const after = token ? decodeContinue(token) : undefined;
  if (token && !after) return statusReply(badRequest(`continue key is not valid: ${token}`));
  if (after && after.rv > 0 && after.rv < store.compactedRv) return expiredContinue(token);
  const limit = intParam(r.query.get("limit"));
  const table = tableOf(store, r);
  const req: ListRequest = {
    type: r.route.type,
    match,
    ...(r.route.namespace ? { namespace: r.route.namespace } : {}),
    ...(limit && limit > 0 ? { limit } : {}),
    ...(after ? { after } : {}),
    ...(table ? { table } : {}),
  };
  return { kind: "chunks", code: 200, chunks: listChunks(store, req, listPage(store, req)) };
}

/** Answers a GET; selector syntax errors throw SelectorError. */
export function readReply(store: Store, r: ReadRequest): Reply {
  const { route } = r;
  if (route.subresource === "log" && route.type.kind === "Pod" && !route.type.group && route.namespace) {
    return readLog(store, r);
  }
  if (route.subresource) return statusReply(noSuchResource());
  if (r.verb === "get") return readOne(store, r);
  const bySelectors = matcherOf(route.type, r.query);
  if (r.verb !== "watch") return readList(store, r, bySelectors);
  // Watching one object by name is watching the collection for that name.
  const match: Matcher = route.name ? (o) => o.metadata?.name === route.name && bySelectors(o) : bySelectors;
  return readWatch(store, r, match);
}
