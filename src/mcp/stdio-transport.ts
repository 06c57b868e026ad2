// The read side of MCP over stdio, done so a bad line never ends the server: one JSON-RPC message per line; a line
// over the size limit gets an error (its id recovered when it can be) and is skipped, garbage gets -32700 Parse
// error, valid JSON that is not JSON-RPC gets -32600. The SDK's own StdioServerTransport closes on the first of
// these, silently. Writing is the SDK's format: one JSON text and a newline.
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** As the SDK's own limit: larger messages are refused, not buffered. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const NEWLINE = 0x0a;

type Id = string | number | null;

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line; it looks for the line's id as it goes. */
  private skipping: IdScanner | undefined;
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  private readonly onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      this.take(buf.subarray(start, end));
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
  };

  private readonly onError = (error: Error) => this.onerror?.(error);
  private readonly onEnd = () => void this.close();

  async start(): Promise<void> {
    this.input.on("data", this.onData);
    this.input.on("error", this.onError);
    this.input.on("end", this.onEnd);
    this.input.on("close", this.onEnd);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.write(`${JSON.stringify(message)}\n`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off("data", this.onData);
    this.input.off("error", this.onError);
    this.input.off("end", this.onEnd);
    this.input.off("close", this.onEnd);
    this.parts = [];
    this.onclose?.();
  }

  /** Part of the current line: kept while under the limit, scanned for the id once over it. */
  private take(part: Buffer): void {
    if (!part.length) return;
    if (this.skipping) {
      this.skipping.feed(part);
      return;
    }
    this.size += part.length;
    if (this.size <= this.maxBytes) {
      this.parts.push(part);
      return;
    }
    this.skipping = new IdScanner();
    for (const p of this.parts) this.skipping.feed(p);
    this.skipping.feed(part);
    this.parts = [];
  }

  private endLine(): void {
    const skipped = this.skipping;
    const line = skipped ? "" : Buffer.concat(this.parts).toString("utf8").replace(/\r$/, "");
    this.parts = [];
    this.size = 0;
    this.skipping = undefined;
    if (skipped) {
      this.reply(
        skipped.id(),
        INVALID_REQUEST,
        `message larger than ${this.maxBytes} bytes: not read. Send smaller arguments (split the manifests, name a dump on the server instead of sending it).`,
      );
      return;
    }
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.reply(null, PARSE_ERROR, "Parse error: the line is not JSON (one JSON-RPC message per line)");
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      this.reply(idOf(value), INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message");
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(id: Id, code: number, message: string): void {
    // A line whose id cannot be read is answered with id null (JSON-RPC 2.0).
    void this.write(`${JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } })}\n`).catch((e) =>
      this.onerror?.(e as Error),
    );
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = this.output.write(text, (e) => {
        if (e) reject(e);
      });
      if (ok) resolve();
      else this.output.once("drain", resolve);
    });
  }
}

function idOf(value: unknown): Id {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/**
 * Finds the top-level `"id"` of a JSON object streamed past in pieces, without keeping the text: tracks strings,
 * escapes and nesting; keeps only the current top-level key and, after `"id":`, up to 200 bytes of the value.
 */
class IdScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1, the next string is a key. */
  private expectKey = false;
  private key: number[] | undefined;
  private lastKey = "";
  private value: number[] | undefined;
  private found: Id = null;
  private done = false;

  feed(part: Buffer): void {
    for (const byte of part) {
      if (this.done) return;
      this.step(byte);
    }
  }

  id(): Id {
    if (!this.done && this.value) this.finishValue();
    return this.found;
  }

  private step(b: number): void {
    if (this.value && this.depth === 1 && !this.inString && (b === 0x2c || b === 0x7d)) {
      this.finishValue();
      return;
    }
    if (this.value) {
      if (this.value.length > 200) {
        this.done = true;
        return;
      }
      this.value.push(b);
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === 0x5c) this.escaped = true;
      else if (b === 0x22) {
        this.inString = false;
        if (this.key) {
          this.lastKey = Buffer.from(this.key).toString("utf8");
          this.key = undefined;
        }
      } else if (this.key && this.key.length < 8) this.key.push(b);
      return;
    }
    switch (b) {
      case 0x22: // "
        this.inString = true;
        if (this.depth === 1 && this.expectKey && !this.value) {
          this.key = [];
          this.expectKey = false;
        }
        break;
      case 0x7b: // {
      case 0x5b: // [
        this.depth++;
        if (this.depth === 1) this.expectKey = true;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        this.depth--;
        break;
      case 0x2c: // ,
        if (this.depth === 1) this.expectKey = true;
        break;
      case 0x3a: // :
        if (this.depth === 1 && this.lastKey === "id" && !this.value) this.value = [];
        this.lastKey = "";
        break;
    }
  }

  private finishValue(): void {
    try {
      const v = JSON.parse(Buffer.from(this.value ?? []).toString("utf8")) as unknown;
      if (typeof v === "string" || typeof v === "number") this.found = v;
    } catch {
      // Not an id JSON-RPC allows: answer with null.
    }
    this.value = undefined;
    this.done = true;
  }
}
