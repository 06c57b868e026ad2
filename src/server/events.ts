// Server-sent events: findings appeared and resolved, scans done. A comment every 15 s keeps proxies from
// closing an idle stream.
import type { ServerResponse } from "node:http";
import { redact } from "../model/redact.js";
import { SECURITY_HEADERS } from "./http.js";
import { ClientSlots, type SlotLimits } from "./limits.js";

const HEARTBEAT_MS = 15_000;
/** Streams open at once, per client address and in all: one client cannot lock the others out. */
export const EVENT_STREAM_LIMITS: SlotLimits = { perClient: 8, total: 200 };

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly slots: ClientSlots;
  private readonly heartbeat: NodeJS.Timeout;
  private nextId = 1;

  constructor(limits: SlotLimits = EVENT_STREAM_LIMITS) {
    this.slots = new ClientSlots("event streams", limits);
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Opens a stream on `res` for `client` (its address); 429 when it, or the server, has too many open. */
  add(res: ServerResponse, client: string): void {
    const free = this.slots.take(client);
    res.on("close", free);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 2000\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  /** One event to every open stream; `data` is sent as one line of JSON, redacted. */
  send(event: string, data: unknown): void {
    this.write(`id: ${this.nextId++}\nevent: ${event}\ndata: ${redact(JSON.stringify(data))}\n\n`);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) if (!res.destroyed) res.write(text);
  }
}
