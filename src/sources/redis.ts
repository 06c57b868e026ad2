// Redis Streams as plain data: connect, find the stream keys, read groups, consumers and pending entries.
import type { RedisConfig } from "../config/model.js";
import { redact } from "../model/redact.js";
import type { Incomplete } from "../model/snapshot.js";
import type {
  ConsumerState,
  GroupState,
  PendingEntry,
  StreamState,
  StreamsSnapshot,
} from "../model/streams.js";

/** Where to connect. The password is kept here only; nothing prints this object. */
export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
  db: number;
}

/** The few things the streams code needs from a client; tests and the fix use the same interface. */
export interface RedisCommands {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  close(): Promise<void>;
}

export type RedisErrorKind = "url" | "down" | "auth" | "noauth" | "not-redis" | "timeout" | "tls";

/** Connecting failed; the message says what to check and never holds the password. */
export class RedisConnectError extends Error {
  override name = "RedisConnectError";
  constructor(
    readonly kind: RedisErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A URL with its password masked (`redis://:***@host`), also when the password holds `/`, `@` or `:`. */
export function redactUrl(url: string): string {
  return redact(url);
}

/** `redis://host:port/db` for messages, `:***@` when a password is set. */
export function describeTarget(t: RedisTarget): string {
  const auth = t.password !== undefined ? `${t.username ?? ""}:***@` : t.username ? `${t.username}@` : "";
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${t.tls ? "rediss" : "redis"}://${auth}${host}:${t.port}${t.db ? `/${t.db}` : ""}`;
}

export interface TargetInput {
  /** `redis://[user:password@]host[:port][/db]`, `rediss://...`, or `host[:port]`. */
  url?: string;
  config?: RedisConfig;
  /** From REDIS_PASSWORD or the config's passwordFile; a password in the URL wins. */
  password?: string;
  /** Used when neither the URL nor the config names a port (the page's Redis: 6381). */
  defaultPort: number;
}

/** Flags first, then the config's `redis` section, then defaults. */
export function redisTargetOf(input: TargetInput): RedisTarget {
  const c = input.config ?? {};
  const target: RedisTarget = {
    host: c.host ?? "127.0.0.1",
    port: c.port ?? input.defaultPort,
    tls: c.tls ?? false,
    db: c.db ?? 0,
  };
  const url = input.url ?? c.url;
  if (url) Object.assign(target, parseRedisUrl(url, input.defaultPort));
  if (target.password === undefined && input.password !== undefined && input.password !== "")
    target.password = input.password;
  return target;
}

/** Characters a URL's userinfo carries as they are (RFC 3986: unreserved, sub-delims, `:` and `%XX`). */
const USERINFO = /^(?:[A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-Fa-f]{2})*$/;

/**
 * `redis://[user:password@]host[:port][/db]`. The userinfo is split off at the last `@` here, not by `URL`, so a
 * password with a character a URL cannot carry (`/`, `#`, `?`, a lone `%`) gets an error that says to
 * percent-encode it, and no error ever shows the password: they show the URL as `redis://:***@host`.
 */
function parseRedisUrl(raw: string, defaultPort: number): Partial<RedisTarget> {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `redis://${raw}`;
  const schemeEnd = text.indexOf("://") + 3;
  const at = text.lastIndexOf("@");
  const hasUserinfo = at >= schemeEnd;
  const userinfo = hasUserinfo ? text.slice(schemeEnd, at) : "";
  const colon = userinfo.indexOf(":");
  const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  const rawPassword = colon >= 0 ? userinfo.slice(colon + 1) : undefined;
  const hostPart = hasUserinfo ? text.slice(at + 1) : text.slice(schemeEnd);
  const shown = `${text.slice(0, schemeEnd)}${hasUserinfo ? `${redact(rawUser)}${rawPassword !== undefined ? ":***" : ""}@` : ""}${redact(hostPart)}`;
  if (hasUserinfo && !USERINFO.test(userinfo.replaceAll("@", "%40"))) {
    const bad = [
      ...new Set(userinfo.replace(/%[0-9A-Fa-f]{2}/g, "").replace(/[A-Za-z0-9._~!$&'()*+,;=:@-]/g, "")),
    ]
      .map((c) => (c === "%" ? "a % not followed by two hex digits" : `'${c}'`))
      .join(", ");
    throw new RedisConnectError(
      "url",
      `the user or password in the Redis URL ${shown} holds ${bad}, which a URL cannot carry as it is: percent-encode it (/ → %2F, # → %23, ? → %3F, % → %25, space → %20), or leave the password out of the URL and set REDIS_PASSWORD or redis.passwordFile`,
    );
  }
  let u: URL;
  try {
    u = new URL(`${text.slice(0, schemeEnd)}${hostPart}`);
  } catch {
    throw new RedisConnectError(
      "url",
      `not a Redis URL: ${shown} (expected redis://[:password@]host[:port][/db], e.g. redis://127.0.0.1:6381)`,
    );
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new RedisConnectError(
      "url",
      `not a Redis URL: ${shown} (the scheme must be redis:// or rediss:// for TLS)`,
    );
  const out: Partial<RedisTarget> = {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: u.port ? Number(u.port) : defaultPort,
    tls: u.protocol === "rediss:",
  };
  const decoded = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new RedisConnectError(
        "url",
        `the ${what} in the Redis URL ${shown} is percent-encoded, but not as UTF-8: encode each byte of the UTF-8 text (é → %C3%A9)`,
      );
    }
  };
  if (rawUser) out.username = decoded(rawUser, "user");
  if (rawPassword) out.password = decoded(rawPassword, "password");
  const db = u.pathname.replace(/^\//, "");
  if (db) {
    if (!/^\d+$/.test(db))
      throw new RedisConnectError("url", `the database in ${shown} must be a number, e.g. /0`);
    out.db = Number(db);
  }
  return out;
}

export interface ConnectOptions {
  /** For connecting and for each command. */
  timeoutMs: number;
}

/** Connect and check that the server answers as Redis; errors say what to check. */
export async function connectRedis(target: RedisTarget, opts: ConnectOptions): Promise<RedisCommands> {
  const { Redis } = await import("ioredis");
  const where = describeTarget(target);
  const client = new Redis({
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    db: target.db,
    tls: target.tls ? { servername: target.host } : undefined,
    protocol: 2,
    lazyConnect: true,
    connectTimeout: opts.timeoutMs,
    commandTimeout: opts.timeoutMs,
    // One attempt: a tool that reports must not hang retrying, nor replay commands.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    connectionName: "pitfall",
    disableClientInfo: true,
  });
  // The cause (refused, WRONGPASS, protocol error) arrives as an event; connect() then only says "closed".
  let firstError: unknown;
  client.on("error", (e) => {
    firstError ??= e;
  });
  const close = async () => {
    client.disconnect();
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
      opts.timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        const pong = await client.call("PING");
        if (pong !== "PONG") throw Object.assign(new Error("unexpected PING reply"), { code: "NOTREDIS" });
      })(),
      deadline,
    ]);
  } catch (e) {
    await close();
    throw connectError(firstError ?? e, where, target);
  } finally {
    clearTimeout(timer);
  }
  return {
    call: (command, ...args) => client.call(command, ...args) as Promise<unknown>,
    close: async () => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

function connectError(e: unknown, where: string, t: RedisTarget): RedisConnectError {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e);
  const code = err?.code ?? "";
  const portHint = "the host and port (--redis, or redis.url / redis.host / redis.port in .pitfall.yaml)";
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg))
    return new RedisConnectError(
      "auth",
      `Redis at ${where} refused the password (WRONGPASS): check REDIS_PASSWORD or redis.passwordFile`,
    );
  if (/NOAUTH|Authentication required/i.test(msg))
    return new RedisConnectError(
      "noauth",
      `Redis at ${where} needs a password (NOAUTH): set REDIS_PASSWORD or redis.passwordFile`,
    );
  if (code === "ECONNREFUSED")
    return new RedisConnectError(
      "down",
      `cannot reach Redis at ${where} (connection refused): check that it runs and ${portHint}`,
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new RedisConnectError("down", `cannot resolve the Redis host in ${where}: check ${portHint}`);
  if (code === "ETIMEDOUT" || /timed out/i.test(msg))
    return new RedisConnectError(
      "timeout",
      `no answer from Redis at ${where} within the timeout: check ${portHint}, network policies, and TLS (rediss:// or redis.tls)`,
    );
  if (t.tls && (code.startsWith("ERR_SSL") || code === "EPROTO" || /SSL|TLS|certificate/i.test(msg)))
    return new RedisConnectError(
      "tls",
      `TLS with ${where} failed (${code || "handshake"}): check whether that server uses TLS (rediss:// vs redis://, redis.tls) and its certificate`,
    );
  if (
    code === "NOTREDIS" ||
    /Protocol error|RESP type|unknown command|Connection is closed|ECONNRESET|EPIPE/i.test(msg) ||
    code === "ECONNRESET"
  )
    return new RedisConnectError(
      "not-redis",
      `the server at ${where} does not answer like Redis: check the port (is it another service, or does it need TLS?) and ${portHint}`,
    );
  return new RedisConnectError(
    "down",
    `cannot use Redis at ${where}: ${safeMessage(msg, t)}; check ${portHint}`,
  );
}

/** Last guard: an error text from the client never carries the password. */
export function safeMessage(msg: string, t: RedisTarget): string {
  const out = redactUrl(msg);
  return t.password ? out.split(t.password).join("***") : out;
}

export interface ReadOptions {
  /** SCAN MATCH pattern, e.g. `triggers.*`. */
  pattern: string;
  /** Only these groups; all when absent or empty. */
  groups?: string[];
  /** SCAN COUNT hint. */
  scanCount?: number;
  /** XPENDING page size. */
  pageSize?: number;
  /** Pending entries read per group at most; the counts stay exact beyond it. */
  maxEntriesPerGroup?: number;
  /** Streams read at the same time over the one connection. */
  concurrency?: number;
}

/** The state of every matching stream; a stream that fails to read is listed in `incomplete`. */
export async function readStreams(client: RedisCommands, opts: ReadOptions): Promise<StreamsSnapshot> {
  const now = await serverTimeMs(client);
  const version = await serverVersion(client);
  const keys = await scanStreamKeys(client, opts.pattern, opts.scanCount ?? 1000);
  const streams: (StreamState | undefined)[] = new Array(keys.length);
  const incomplete: Incomplete[] = [];
  let lost: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = next++;
      const key = keys[i]!;
      if (lost) {
        incomplete.push({ resource: `stream ${key}`, reason: `not read: ${lost}` });
        continue;
      }
      try {
        streams[i] = await readStream(client, key, opts);
      } catch (e) {
        const reason = String((e as Error)?.message ?? e);
        if (isConnectionGone(e)) lost = `connection lost (${reason})`;
        incomplete.push({ resource: `stream ${key}`, reason });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  incomplete.sort((a, b) => a.resource.localeCompare(b.resource));
  const snapshot: StreamsSnapshot = {
    takenAt: new Date(now).toISOString(),
    nowMs: now,
    streams: streams.filter((s): s is StreamState => s !== undefined),
    incomplete,
  };
  if (version) snapshot.serverVersion = version;
  return snapshot;
}

/** The connection is closed: every later command would fail the same way. A timeout or an error reply is not. */
function isConnectionGone(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "ReplyError") return false;
  return (
    /Connection is closed|Stream isn't writeable/i.test(String(err?.message)) ||
    ["ECONNRESET", "EPIPE", "ECONNREFUSED"].includes(err?.code ?? "")
  );
}

async function serverTimeMs(client: RedisCommands): Promise<number> {
  const t = (await client.call("TIME")) as [string, string];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

async function serverVersion(client: RedisCommands): Promise<string | undefined> {
  try {
    const info = String(await client.call("INFO", "server"));
    return /redis_version:([^\r\n]+)/.exec(info)?.[1];
  } catch {
    return undefined; // INFO may be renamed or denied by ACL; the version is only informative.
  }
}

/** Stream keys matching `pattern`, sorted, with SCAN (never KEYS) and the TYPE filter. */
async function scanStreamKeys(client: RedisCommands, pattern: string, count = 1000): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = "0";
  do {
    const reply = (await client.call("SCAN", cursor, "MATCH", pattern, "COUNT", count, "TYPE", "stream")) as [
      string,
      string[],
    ];
    cursor = reply[0];
    for (const k of reply[1]) keys.add(k);
  } while (cursor !== "0");
  return [...keys].sort();
}

async function readStream(client: RedisCommands, key: string, opts: ReadOptions): Promise<StreamState> {
  const length = Number(await client.call("XLEN", key));
  const groups: GroupState[] = [];
  const wanted = opts.groups?.length ? new Set(opts.groups) : undefined;
  for (const raw of (await client.call("XINFO", "GROUPS", key)) as unknown[]) {
    const g = fields(raw);
    const name = String(g.name);
    if (wanted && !wanted.has(name)) continue;
    groups.push(await readGroup(client, key, name, g, opts));
  }
  return { key, length, groups };
}

async function readGroup(
  client: RedisCommands,
  key: string,
  name: string,
  info: Record<string, unknown>,
  opts: ReadOptions,
): Promise<GroupState> {
  const consumers: ConsumerState[] = [];
  const listed = (await client.call("XINFO", "CONSUMERS", key, name)) as unknown[];
  // Server time taken after the listing: `now - idle` is then never earlier than the real last-seen time,
  // so the fix's re-check ("not seen since") cannot mistake an unchanged consumer for a returning one.
  const listedAt = await serverTimeMs(client);
  for (const raw of listed) {
    const c = fields(raw);
    const consumer: ConsumerState = {
      name: String(c.name),
      pending: Number(c.pending ?? 0),
      idleMs: Number(c.idle ?? 0),
    };
    consumer.seenAtMs = listedAt - consumer.idleMs;
    // Redis 7.2+: time since the last successful read or claim (`idle` is then since the last attempt).
    if (typeof c.inactive === "number" && c.inactive >= 0) consumer.inactiveMs = c.inactive;
    consumers.push(consumer);
  }
  const summary = (await client.call("XPENDING", key, name)) as [
    number,
    string | null,
    string | null,
    unknown,
  ];
  const group: GroupState = {
    name,
    pending: Number(summary[0] ?? 0),
    lastDeliveredId: String(info["last-delivered-id"] ?? ""),
    consumers,
    entries: [],
  };
  if (typeof info.lag === "number") group.lag = info.lag;
  if (typeof info["entries-read"] === "number") group.entriesRead = info["entries-read"];
  if (summary[1]) group.oldestPendingId = summary[1];
  if (group.pending > 0) {
    const max = opts.maxEntriesPerGroup ?? 100_000;
    group.entries = await readPending(client, key, name, { pageSize: opts.pageSize ?? 100, max });
    if (group.entries.length < group.pending) group.truncated = true;
  }
  return group;
}

/** Pending entries in id order, a page at a time; `consumer` narrows to one consumer. */
async function readPending(
  client: RedisCommands,
  key: string,
  group: string,
  opts: { pageSize: number; max: number; consumer?: string },
): Promise<PendingEntry[]> {
  const out: PendingEntry[] = [];
  let start = "-";
  while (out.length < opts.max) {
    const count = Math.min(opts.pageSize, opts.max - out.length);
    const args: (string | number)[] = [key, group, start, "+", count];
    if (opts.consumer !== undefined) args.push(opts.consumer);
    const page = (await client.call("XPENDING", ...args)) as [string, string, number, number][];
    for (const [id, consumer, idle, deliveries] of page)
      out.push({ id, consumer, idleMs: Number(idle), deliveries: Number(deliveries) });
    if (page.length < count) break;
    start = nextStreamId(page[page.length - 1]![0]);
  }
  return out;
}

/** The smallest id after `id` (`(id` needs Redis 6.2; this works everywhere). */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split("-");
  const s = BigInt(seq ?? "0");
  if (s === 0xffffffffffffffffn) return `${BigInt(ms ?? "0") + 1n}-0`;
  return `${ms}-${s + 1n}`;
}

/** `[k1, v1, k2, v2]` → `{ k1: v1, k2: v2 }`. */
function fields(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(raw)) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = raw[i + 1];
  return out;
}
