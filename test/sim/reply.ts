// What a handler answers, and how it goes on the wire (including a dropped connection).
import type { ServerResponse } from "node:http";
import { writeChunks } from "./io.js";
import type { Status } from "./status.js";

export type Reply =
  | { kind: "json"; code: number; body: unknown; headers?: Record<string, string> }
  | { kind: "chunks"; code: number; chunks: Iterable<string> }
  | { kind: "text"; code: number; body: string }
  | { kind: "watch"; start: (res: ServerResponse) => { stop: () => void } };

export function json(body: unknown, code = 200): Reply {
  return { kind: "json", code, body };
}

export function statusReply(s: Status, headers?: Record<string, string>): Reply {
  return headers ? { kind: "json", code: s.code, body: s, headers } : { kind: "json", code: s.code, body: s };
}

/** Sends a reply; returns the watch handle when the reply is a watch. */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
): Promise<{ stop: () => void } | undefined> {
  if (res.destroyed) return undefined;
  switch (reply.kind) {
    case "json":
      res.writeHead(reply.code, { "Content-Type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return undefined;
    case "text":
      res.writeHead(reply.code, { "Content-Type": "text/plain" });
      res.end(reply.body);
      return undefined;
    case "chunks":
      res.writeHead(reply.code, { "Content-Type": "application/json" });
      await writeChunks(res, reply.chunks);
      return undefined;
    case "watch":
      return reply.start(res);
  }
}

/** Sends the headers and part of the body, then destroys the socket. */
export function dropReply(res: ServerResponse, reply: Reply): void {
  let partial = '{"type":"ADDED","object":{"kind":';
  if (reply.kind === "json") partial = JSON.stringify(reply.body);
  else if (reply.kind === "text") partial = reply.body;
  else if (reply.kind === "chunks") {
    partial = "";
    for (const c of reply.chunks) {
      partial += c;
      if (partial.length > 64) break;
    }
  }
  res.writeHead(200, { "Content-Type": reply.kind === "text" ? "text/plain" : "application/json" });
  // Destroy once the partial body is on the wire, so the client sees a response cut short.
  res.write(partial.slice(0, Math.max(1, Math.floor(partial.length / 2))), () => res.socket?.destroy());
}
