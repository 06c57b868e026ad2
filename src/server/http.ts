// The plumbing every route shares: security headers, JSON and HTML answers, bodies with a size limit, bearer tokens.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { redact } from "../model/redact.js";

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Sent with every answer, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** An answer other than 200 that a handler decides on; the message is safe to show. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Answers that carry data (JSON, HTML, text, metrics) are redacted; our own script and style are not data. */
const NOT_DATA = /^(?:text\/javascript|text\/css|image\/)/;

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  content: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = typeof content === "string" && !NOT_DATA.test(contentType) ? redact(content) : content;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(value, null, 2)}\n`, {
    "Cache-Control": "no-store",
    ...headers,
  });
}

/** `{"error": "...", ...details}`: never a stack trace. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message, ...error.details }, error.headers ?? {});
}

/** The whole body as text; 413 once it passes `limit` bytes (by Content-Length, or as it streams in). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${limit} bytes`, { limit });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    // Not read: the connection is closed after the answer so the rest of the upload is not waited for.
    throw tooLarge();
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * Writes need `Authorization: Bearer <token>`. Without a token configured every write is refused (401);
 * a missing header is 401, a wrong token 403. Compared as SHA-256 digests in constant time, so neither the
 * token's length nor its content leaks through timing.
 */
export function requireToken(req: IncomingMessage, token: string | undefined): void {
  const challenge = { "WWW-Authenticate": 'Bearer realm="pitfall"' };
  if (!token)
    throw new HttpError(
      401,
      "writes are turned off: start serve with --token-file or PITFALL_TOKEN to allow them",
      {},
      challenge,
    );
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match)
    throw new HttpError(401, "this needs a bearer token: Authorization: Bearer <token>", {}, challenge);
  if (!timingSafeEqual(digest(match[1]!), digest(token)))
    throw new HttpError(403, "the bearer token is not the right one");
}
