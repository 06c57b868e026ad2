// `pitfall serve`: node:http, no framework. Routes the dashboard, the JSON API, server-sent events, /metrics,
// health checks and MCP; answers every error as JSON without a stack trace; binds 127.0.0.1 unless told otherwise;
// answers only Host names it knows (DNS rebinding) and bounds what anonymous clients can hold (lint, streams).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { McpDeps } from "../mcp/deps.js";
import type { McpHttpHandler } from "../mcp/http.js";
import {
  addPitfallApi,
  type ApiContext,
  apiFinding,
  explainApi,
  findingsApi,
  lintApi,
  listPitfalls,
  scanApi,
  searchApi,
  showPitfall,
} from "./api.js";
import { APP_JS } from "./client-script.js";
import { APP_CSS } from "./client-style.js";
import { dashboardPage, findingsSection, searchResults } from "./dashboard.js";
import { EVENT_STREAM_LIMITS, EventHub } from "./events.js";
import type { Feed } from "./feeds.js";
import { filtersOf } from "./filters.js";
import { type HostCheck, hostCheck } from "./hosts.js";
import { HttpError, readBody, requireToken, send, sendError, sendJson } from "./http.js";
import { clientOf, type SlotLimits, WorkQueue } from "./limits.js";
import { createMetrics, type ServerMetrics } from "./metrics.js";

export interface ServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  kb: KnowledgeBase;
  /** Loads the pages again (after a pitfall is added); default: keep `kb`. */
  loadKb?: () => Promise<KnowledgeBase>;
  config: Config;
  feed: Feed;
  /** The bearer token writes need; without it writes are refused. */
  token?: string;
  /** The page `POST /api/pitfalls` adds to. */
  page?: string;
  /** The zone explain assumes when nothing else says it. */
  zone?: string;
  /** Largest request body. Default 256 KiB. */
  maxBodyBytes?: number;
  /** Host names answered besides localhost, 127.0.0.1, [::1] and the bound address (--allowed-host). */
  allowedHosts?: string[];
  /** No route or tool that writes: POST /api/pitfalls and add_pitfall are gone. */
  readOnly?: boolean;
  /** Per client address and in total; defaults: lint 1 and 4, event streams 8 and 200. */
  limits?: { lint?: SlotLimits; eventStreams?: SlotLimits };
  /**
   * MCP over HTTP at /mcp: without the token the tools reach only the server's own targets and write nothing;
   * with it they may name other contexts, Redis servers and allowed paths, and add_pitfall writes the page.
   */
  mcp?: McpDeps;
  /** Process metrics on /metrics. Default true. */
  processMetrics?: boolean;
  version: string;
  /** Server-side log (errors with their stacks, which never go to clients). */
  log?: (line: string) => void;
}

export interface PitfallServer {
  readonly url: string;
  readonly server: Server;
  address(): AddressInfo;
  close(): Promise<void>;
}

const DEFAULT_PORT = 8080;
const DEFAULT_MAX_BODY = 256 * 1024;
/** One lint per client address; four admitted at once (one running, the rest sending or waiting). */
export const LINT_LIMITS: SlotLimits = { perClient: 1, total: 4 };
/** Answer any Host: probes send the pod IP, and the answers say nothing a rebinding page could use. */
const ANY_HOST = new Set(["/healthz", "/readyz"]);

export async function startServer(opts: ServerOptions): Promise<PitfallServer> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => {});
  const hosts = hostCheck(host, opts.allowedHosts ?? []);
  const metrics = await createMetrics({ processMetrics: opts.processMetrics !== false });
  const hub = new EventHub(opts.limits?.eventStreams ?? EVENT_STREAM_LIMITS);
  const lint = new WorkQueue("lint requests", opts.limits?.lint ?? LINT_LIMITS);
  const { buildSearchIndex, searchPitfalls } = await import("../kb/search.js");
  let kb = opts.kb;
  let index = buildSearchIndex(kb.pitfalls);
  const round = (n: number) => Math.round(n * 100) / 100;
  const ctx: ApiContext = {
    kb: () => kb,
    async reloadKb() {
      if (!opts.loadKb) return;
      kb = await opts.loadKb();
      index = buildSearchIndex(kb.pitfalls);
    },
    search: (q, o) =>
      searchPitfalls(index, q, o).map((h) => ({ id: h.id, title: h.title, score: round(h.score) })),
    config: opts.config,
    feed: opts.feed,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.page ? { page: opts.page } : {}),
    ...(opts.zone ? { zone: opts.zone } : {}),
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
    lint,
  };

  const updateGauges = () => {
    const state = opts.feed.state();
    metrics.setFindings(state.findings);
    metrics.setIncomplete(state.incomplete);
  };
  opts.feed.start({
    changes(changes) {
      for (const c of changes) hub.send(c.event, { event: c.event, finding: apiFinding(c.finding) });
      updateGauges();
    },
    scanned(done) {
      if (!done.failure) metrics.observeScan(done.seconds);
      else log(`pitfall serve: scan failed: ${done.failure}`);
      updateGauges();
      hub.send("scan", done);
    },
    apiError: (resource, code) => metrics.apiError(resource, code),
    evaluated: (e) => metrics.observeEvaluation(e.kind, e.ms / 1000),
  });

  let mcpHandler: Promise<{ handle: McpHttpHandler; busy: (message: string) => Error }> | undefined;
  const mcp = () => {
    const deps = opts.mcp;
    if (!deps) throw new HttpError(404, "MCP is not served here");
    mcpHandler ??= Promise.all([import("../mcp/http.js"), import("../mcp/result.js")]).then(
      ([{ mcpHttpHandler }, { ToolBusyError }]) => {
        const page = opts.page ?? deps.page;
        const readOnly = opts.readOnly || deps.readOnly;
        return {
          handle: mcpHttpHandler({ ...deps, ...(page ? { page } : {}), ...(readOnly ? { readOnly } : {}) }),
          busy: (message: string) => new ToolBusyError(message),
        };
      },
    );
    return mcpHandler;
  };

  const app: App = { opts, ctx, hosts, metrics, hub, lint, mcp };
  const server = createServer((req, res) => {
    route(app, req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        // A refused upload is not read to its end: close the connection rather than wait for it.
        if (error.status === 413) res.setHeader("Connection", "close");
        sendError(res, error);
        return;
      }
      if (error instanceof URIError) {
        sendError(res, new HttpError(400, "the path is not valid percent-encoding"));
        return;
      }
      log(`pitfall serve: ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: "internal error; the server log has the details" });
    });
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  // Slow clients cannot hold a connection open forever; event streams are long-lived but send a heartbeat.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    address: () => server.address() as AddressInfo,
    async close() {
      hub.close();
      await opts.feed.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      metrics.close();
    },
  };
}

/** What the routes share. */
interface App {
  opts: ServerOptions;
  ctx: ApiContext;
  hosts: HostCheck;
  metrics: ServerMetrics;
  hub: EventHub;
  lint: WorkQueue;
  mcp(): Promise<{ handle: McpHttpHandler; busy: (message: string) => Error }>;
}

/** A request as the routes read it. */
interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  method: string;
  query: URLSearchParams;
  /** 405 unless the method is one of these. */
  only(...allowed: string[]): void;
}

async function route(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  if (!ANY_HOST.has(path) && !app.hosts.allowed(req.headers.host))
    throw new HttpError(
      421,
      `this server answers only requests addressed to ${app.hosts.names.join(", ")}: start it with --allowed-host <name> for another name`,
    );
  const method = req.method ?? "GET";
  const r: Request = {
    req,
    res,
    path,
    method,
    query: url.searchParams,
    only(...allowed) {
      if (!allowed.includes(method))
        throw new HttpError(405, `${method} is not allowed here`, {}, { Allow: allowed.join(", ") });
    },
  };
  if (path === "/mcp") return mcpRoute(app, r);
  if (path.startsWith("/api/")) return apiRoute(app, r);
  return pageRoute(app, r);
}

/** The dashboard and its parts, health, metrics. */
async function pageRoute(app: App, { res, path, query, only }: Request): Promise<void> {
  const { opts, ctx } = app;
  if (path === "/") {
    only("GET", "HEAD");
    const q = query.get("q")?.trim() || undefined;
    const page = dashboardPage({
      state: opts.feed.state(),
      kb: ctx.kb(),
      filters: filtersOf(query, false),
      ...(q ? { query: q, hits: ctx.search(q, { limit: 10 }) } : {}),
      version: opts.version,
    });
    return send(res, 200, "text/html; charset=utf-8", page, { "Cache-Control": "no-store" });
  }
  if (path === "/partials/findings") {
    only("GET");
    const fragment = findingsSection(opts.feed.state(), ctx.kb(), filtersOf(query, false));
    return send(res, 200, "text/html; charset=utf-8", fragment.value, { "Cache-Control": "no-store" });
  }
  if (path === "/partials/search") {
    only("GET");
    const q = query.get("q")?.trim() || undefined;
    const html = searchResults(q, q ? ctx.search(q, { limit: 10 }) : undefined).value;
    return send(res, 200, "text/html; charset=utf-8", html, { "Cache-Control": "no-store" });
  }
  if (path === "/app.js")
    return send(res, 200, "text/javascript; charset=utf-8", APP_JS, { "Cache-Control": "no-cache" });
  if (path === "/app.css")
    return send(res, 200, "text/css; charset=utf-8", APP_CSS, { "Cache-Control": "no-cache" });
  if (path === "/healthz") return send(res, 200, "text/plain; charset=utf-8", "ok\n");
  if (path === "/readyz") {
    const state = opts.feed.state();
    return state.ready
      ? send(res, 200, "text/plain; charset=utf-8", "ready\n")
      : send(
          res,
          503,
          "text/plain; charset=utf-8",
          `not ready: ${state.failure ?? "the first scan has not finished"}\n`,
        );
  }
  if (path === "/metrics") {
    only("GET");
    const m = await app.metrics.render();
    return send(res, 200, m.contentType, m.body, { "Cache-Control": "no-store" });
  }
  throw new HttpError(404, `nothing at ${path}`);
}

/** MCP over HTTP: the body read here so the size limit holds; lint_manifests waits in the lint queue. */
async function mcpRoute(app: App, { req, res, method }: Request): Promise<void> {
  const { handle, busy } = await app.mcp();
  if (method !== "POST") return handle(req, res);
  // A token, when sent, must be the right one; only then is the caller trusted (other targets, add_pitfall).
  const trusted = req.headers.authorization !== undefined;
  if (trusted) requireToken(req, app.opts.token);
  const body = await readBody(req, app.ctx.maxBodyBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, "the body is not JSON-RPC");
  }
  const client = clientOf(req);
  // lint_manifests shares POST /api/lint's queue, so MCP is no way around it.
  const heavy = async <T>(work: () => T): Promise<T> => {
    let free: () => void;
    try {
      free = app.lint.slots.take(client);
    } catch (e) {
      throw busy((e as Error).message);
    }
    try {
      return await app.lint.run(work);
    } finally {
      free();
    }
  };
  return handle(req, res, parsed, { trusted, heavy });
}

/** The JSON API and its event stream. */
async function apiRoute(app: App, { req, res, path, method, query, only }: Request): Promise<void> {
  const { ctx, opts } = app;
  if (path === "/api/events") {
    only("GET");
    return app.hub.add(res, clientOf(req));
  }
  if (path === "/api/pitfalls") {
    // --read-only: the route that writes is gone, not refused.
    if (opts.readOnly) {
      only("GET");
      return listPitfalls(ctx, query, res);
    }
    only("GET", "POST");
    return method === "POST" ? addPitfallApi(ctx, req, res) : listPitfalls(ctx, query, res);
  }
  const pitfall = /^\/api\/pitfalls\/([^/]+)$/.exec(path);
  if (pitfall) {
    only("GET");
    return showPitfall(ctx, decodeURIComponent(pitfall[1]!), res);
  }
  if (path === "/api/search") {
    only("GET");
    return searchApi(ctx, query, res);
  }
  if (path === "/api/findings") {
    only("GET");
    return findingsApi(ctx, query, res);
  }
  const explain = /^\/api\/explain\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (explain) {
    only("GET");
    const [kind, namespace, name] = explain.slice(1).map((p) => decodeURIComponent(p!)) as [
      string,
      string,
      string,
    ];
    return explainApi(ctx, { kind, namespace, name }, query, res);
  }
  if (path === "/api/lint") {
    only("POST");
    return lintApi(ctx, req, clientOf(req), query, res);
  }
  if (path === "/api/scan") {
    only("POST");
    return scanApi(ctx, req, res);
  }
  throw new HttpError(404, `nothing at ${path}`);
}
