// The one HTTP client for the Kubernetes API: GET as raw JSON or text (lists, objects, log tails) and streaming
// GET (watches), authenticated by the official client's KubeConfig, with one parser for the Status of an error.
// Raw JSON rather than the typed API classes: those turn timestamps into Date objects and drop fields they do not
// know, and the detectors must see a live object exactly as `kubectl get -o json` would show it in a dump.
import type { Agent, IncomingHttpHeaders, IncomingMessage, RequestOptions } from "node:http";
import { STATUS_CODES } from "node:http";
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

/** `403 Forbidden: …`, `connection lost: …`: what an incomplete entry and an error message say. */
export function describeError(error: unknown): string {
  if (error instanceof KubeApiError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface GetOptions {
  query?: Query;
  /** The caller's abort (e.g. the overall deadline). */
  signal?: AbortSignal;
  /** Per-request limit in ms, body included. */
  timeoutMs?: number;
}

export interface StreamOptions {
  query?: Query;
  /** Ends the stream (a stop), rejecting with an `aborted` error. */
  signal?: AbortSignal;
  /** A stream silent this long is taken as a half-open connection and dropped. */
  idleMs: number;
  /** Each line as it arrives; what it throws ends the stream with that error. */
  onLine(line: string): void;
}

export interface KubeApi {
  /** The API server URL of the current context. */
  readonly server: string;
  getJson(path: string, opts?: GetOptions): Promise<unknown>;
  getText(path: string, opts?: GetOptions): Promise<string>;
  /** A streaming GET (a watch); resolves when the server ends the stream. */
  streamLines(path: string, opts: StreamOptions): Promise<void>;
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

function urlOf(server: string, path: string, query: Query | undefined): URL {
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

/** A socket error as lost (worth another try) or as a server that cannot be reached. */
function socketError(e: unknown, url: URL): KubeApiError {
  if (e instanceof KubeApiError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const message = (e as Error | undefined)?.message ?? String(e);
  if (code === undefined || BROKEN_CONNECTION.has(code))
    return new KubeApiError("network", 0, `connection lost: ${message}`);
  return new KubeApiError("connect", 0, `cannot connect to ${url.host}: ${message}`);
}

/** The body of an answer, at most MAX_BODY_BYTES; rejects when the connection closes before its end. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
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
      resolve(Buffer.concat(parts).toString("utf8"));
    });
    res.on("error", reject);
    // A socket closed mid-body may end without an error event on some Node versions.
    res.on("close", () => {
      if (!complete) reject(new Error("connection closed before the answer was complete"));
    });
  });
}

/**
 * A client for one context. The agent (TLS, proxy) is made once; the headers are asked for on every request so
 * rotating tokens (exec plugins, projected service account tokens) stay fresh.
 */
export async function createKubeApi(kc: KubeConfig): Promise<KubeApi> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`context "${kc.getCurrentContext()}" names no cluster`);
  const server = cluster.server;
  const request = server.startsWith("https:")
    ? (await import("node:https")).request
    : (await import("node:http")).request;
  let agent: Agent | undefined;

  /** The request options of one request: fresh headers, the agent made once. */
  async function requestOptions(accept: string): Promise<RequestOptions> {
    const options: RequestOptions & { agent?: Agent } = { headers: {} };
    await kc.applyToHTTPSOptions(options as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
    agent ??= options.agent as Agent | undefined;
    return {
      method: "GET",
      headers: { ...(options.headers as Record<string, string>), Accept: accept },
      ...(agent ? { agent } : {}),
      ...(options.auth ? { auth: options.auth } : {}),
    };
  }

  async function get(path: string, accept: string, opts: GetOptions): Promise<string> {
    const options = await requestOptions(accept);
    const url = urlOf(server, path, opts.query);
    const timeout = opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : undefined;
    const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const failure = (e: unknown): KubeApiError => {
      if (opts.signal?.aborted) return new KubeApiError("aborted", 0, "aborted");
      if (timeout?.aborted)
        return new KubeApiError(
          "timeout",
          0,
          `no complete answer within ${opts.timeoutMs} ms (${url.pathname})`,
        );
      return socketError(e, url);
    };
    if (signal?.aborted) throw failure(undefined);

    return new Promise<string>((resolve, reject) => {
      const req = request(url, { ...options, ...(signal ? { signal } : {}) });
      req.on("error", (e) => reject(failure(e)));
      req.on("response", (res: IncomingMessage) => {
        readBody(res).then(
          (body) => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve(body);
            else reject(statusError(code, res.headers, body));
          },
          (e) => reject(failure(e)),
        );
      });
      req.end();
    });
  }

  async function streamLines(path: string, opts: StreamOptions): Promise<void> {
    const options = await requestOptions("application/json");
    const url = urlOf(server, path, opts.query);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        opts.signal?.removeEventListener("abort", abort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const req = request(url, options);
      const abort = () => {
        req.destroy();
        finish(new KubeApiError("aborted", 0, "aborted"));
      };
      const silent = () => req.destroy(new Error(`no data for ${opts.idleMs} ms`));
      let idle = setTimeout(silent, opts.idleMs);
      if (opts.signal?.aborted) return abort();
      opts.signal?.addEventListener("abort", abort, { once: true });
      req.on("error", (e) => finish(socketError(e, url)));
      req.on("response", (res: IncomingMessage) => {
        const code = res.statusCode ?? 0;
        if (code !== 200) {
          readBody(res).then(
            (body) => finish(statusError(code, res.headers, body)),
            (e) => finish(socketError(e, url)),
          );
          return;
        }
        let buffered = "";
        let ended = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          clearTimeout(idle);
          idle = setTimeout(silent, opts.idleMs);
          buffered += chunk;
          let nl = buffered.indexOf("\n");
          while (nl >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) {
              try {
                opts.onLine(line);
              } catch (error) {
                req.destroy();
                finish(error);
                return;
              }
            }
            nl = buffered.indexOf("\n");
          }
        });
        res.on("end", () => {
          ended = true;
          // A stream that ends mid-line was cut, not closed by the server's timeout.
          if (buffered.trim())
            finish(new KubeApiError("network", 0, "connection lost: the stream ended mid-line"));
          else finish();
        });
        res.on("error", (e) => finish(new KubeApiError("network", 0, `connection lost: ${e.message}`)));
        res.on("close", () => {
          if (!ended) finish(new KubeApiError("network", 0, "connection lost: the stream closed early"));
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
    streamLines,
  };
}
