// GET requests to the Kubernetes API as raw JSON, authenticated by the official client's KubeConfig.
// Raw JSON rather than the typed API classes: those turn timestamps into Date objects and drop fields they do not
// know, and the detectors must see a live object exactly as `kubectl get -o json` would show it in a dump.
import { STATUS_CODES } from "node:http";
import type { Agent, IncomingHttpHeaders, IncomingMessage, RequestOptions } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";

/**
 * What went wrong: an HTTP answer; a connection lost mid-way (reset, dropped, garbled: worth another try); a server
 * that cannot be reached or trusted (DNS, refused, TLS: not); an answer too big to hold; our timeout; the caller's
 * abort.
 */
export type KubeErrorKind = "http" | "network" | "connect" | "too-large" | "timeout" | "aborted";

/** Socket errors that say the connection broke, not that it cannot be made. */
const BROKEN_CONNECTION = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly kind: KubeErrorKind,
    /** HTTP status; 0 when there was no HTTP answer. */
    readonly status: number,
    message: string,
    /** The Status `reason` (`Forbidden`, `Expired`, `TooManyRequests`). */
    readonly reason?: string,
    /** From `Retry-After` (or the Status details) when the server asked to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** `403 Forbidden: pods is forbidden: User "x" cannot list …`: what the report shows. */
  describe(): string {
    if (this.kind !== "http") return this.message;
    return `${this.status} ${STATUS_CODES[this.status] ?? "Error"}: ${this.message}`;
  }
}

export interface GetOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** The caller's abort (e.g. the overall deadline). */
  signal?: AbortSignal;
  /** Per-request limit in ms, body included. */
  timeoutMs?: number;
}

export interface KubeApi {
  /** The API server URL of the current context. */
  readonly server: string;
  getJson(path: string, opts?: GetOptions): Promise<unknown>;
  getText(path: string, opts?: GetOptions): Promise<string>;
}

/** Bodies larger than this are refused rather than held in memory (a list page of 500 pods is a few MB). */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** `Retry-After` is seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function urlOf(server: string, path: string, query: GetOptions["query"]): URL {
  const url = new URL(server.replace(/\/+$/, "") + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

/** The Status the API server sends with an error, as far as it is one. */
function statusError(code: number, headers: IncomingHttpHeaders, body: string): KubeApiError {
  let message = body.trim().slice(0, 500) || (STATUS_CODES[code] ?? "error");
  let reason: string | undefined;
  let detailsRetry: number | undefined;
  try {
    const s = JSON.parse(body) as {
      message?: unknown;
      reason?: unknown;
      details?: { retryAfterSeconds?: unknown };
    };
    if (typeof s.message === "string" && s.message !== "") message = s.message;
    if (typeof s.reason === "string") reason = s.reason;
    if (typeof s.details?.retryAfterSeconds === "number") detailsRetry = s.details.retryAfterSeconds * 1000;
  } catch {
    // Not a Status (a proxy's HTML page, say): the text is the message.
  }
  const header = headers["retry-after"];
  const retry = retryAfterMs(Array.isArray(header) ? header[0] : header) ?? detailsRetry;
  return new KubeApiError("http", code, message, reason, retry);
}

interface Connection {
  agent: Agent | undefined;
  options: RequestOptions;
}

/**
 * A small GET client for one context. The agent (TLS, proxy) is made once; the headers are asked for on every
 * request so rotating tokens (exec plugins, projected service account tokens) stay fresh.
 */
export async function createKubeApi(kc: KubeConfig): Promise<KubeApi> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`context "${kc.getCurrentContext()}" names no cluster`);
  const server = cluster.server;
  const request = server.startsWith("https:")
    ? (await import("node:https")).request
    : (await import("node:http")).request;

  const connect = async (): Promise<Connection> => {
    const options: RequestOptions & { agent?: Agent } = { headers: {} };
    await kc.applyToHTTPSOptions(options as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
    return { agent: options.agent as Agent | undefined, options };
  };
  let agent: Agent | undefined;

  async function get(path: string, accept: string, opts: GetOptions): Promise<string> {
    const conn = await connect();
    agent ??= conn.agent;
    const url = urlOf(server, path, opts.query);
    const timeout = opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : undefined;
    const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const failure = (e: unknown): KubeApiError => {
      if (opts.signal?.aborted) return new KubeApiError("aborted", 0, "aborted");
      if (timeout?.aborted) {
        return new KubeApiError(
          "timeout",
          0,
          `no complete answer within ${opts.timeoutMs} ms (${url.pathname})`,
        );
      }
      if (e instanceof KubeApiError) return e;
      const code = (e as NodeJS.ErrnoException | undefined)?.code;
      const message = (e as Error | undefined)?.message ?? String(e);
      if (code === undefined || BROKEN_CONNECTION.has(code)) {
        return new KubeApiError("network", 0, `connection lost: ${message}`);
      }
      return new KubeApiError("connect", 0, `cannot connect to ${url.host}: ${message}`);
    };
    if (signal?.aborted) throw failure(undefined);

    return new Promise<string>((resolve, reject) => {
      const headers = { ...(conn.options.headers as Record<string, string>), Accept: accept };
      const req = request(url, {
        method: "GET",
        headers,
        ...(agent ? { agent } : {}),
        ...(conn.options.auth ? { auth: conn.options.auth } : {}),
        ...(signal ? { signal } : {}),
      });
      req.on("error", (e) => reject(failure(e)));
      req.on("response", (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        let size = 0;
        let complete = false;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy(new KubeApiError("too-large", 0, `answer larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          parts.push(chunk);
        });
        res.on("end", () => {
          complete = true;
          const body = Buffer.concat(parts).toString("utf8");
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(body);
          else reject(statusError(code, res.headers, body));
        });
        res.on("error", (e) => reject(failure(e)));
        // A socket closed mid-body may end without an error event on some Node versions.
        res.on("close", () => {
          if (!complete) reject(failure(new Error("connection closed before the answer was complete")));
        });
      });
      req.end();
    });
  }

  return {
    server,
    async getJson(path, opts = {}) {
      const body = await get(path, "application/json", opts);
      try {
        return JSON.parse(body) as unknown;
      } catch {
        // A truncated body that still ended cleanly: treat like a dropped connection.
        throw new KubeApiError("network", 0, `answer from ${path} is not complete JSON`);
      }
    },
    getText(path, opts = {}) {
      return get(path, "text/plain, */*", opts);
    },
  };
}
