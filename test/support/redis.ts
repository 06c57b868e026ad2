// A throwaway redis-server for tests: free port, no persistence, temp dir; plus a way to age a stream.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface RedisServer {
  port: number;
  /** Without the password. */
  url: string;
  password?: string;
  stop(): Promise<void>;
}

/** Path of redis-server, or undefined when it is not installed. */
export function redisServerPath(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

/**
 * Whether the Redis tests can run. On CI a missing redis-server is a failure, not a skip;
 * locally the tests skip and say why.
 */
export function redisAvailable(): boolean {
  if (redisServerPath()) return true;
  if (process.env.CI === "true")
    throw new Error(
      "redis-server is not installed; CI must install it (.ci/run does: apt-get install redis-server)",
    );
  console.warn("skipping Redis tests: redis-server is not installed (apt-get install redis-server)");
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(opts: { password?: string } = {}): Promise<RedisServer> {
  // Another process may take the free port before redis-server binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(opts);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/i.test(String((e as Error).message))) throw e;
    }
  }
}

async function startOnFreePort(opts: { password?: string }): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-redis-"));
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ];
  if (opts.password) args.push("--requirepass", opts.password);
  const child = spawn(redisServerPath() ?? "redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const stop = async () => {
    await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(port, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  const server: RedisServer = { port, url: `redis://127.0.0.1:${port}`, stop };
  if (opts.password) server.password = opts.password;
  return server;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Until the server answers PING (or asks for a password, which also means it is up). */
async function waitForPing(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr()}`);
    const answer = await new Promise<string>((resolve) => {
      const sock = createConnection({ port, host: "127.0.0.1" }, () => sock.write("PING\r\n"));
      sock.once("data", (d) => {
        resolve(String(d));
        sock.destroy();
      });
      sock.once("error", () => resolve(""));
    });
    if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING: ${stderr()}`);
}

export function client(server: RedisServer): Redis {
  return new Redis({
    port: server.port,
    host: "127.0.0.1",
    password: server.password,
    protocol: 2,
    lazyConnect: false,
  });
}

/**
 * Make every consumer and pending entry of a stream look `byMs` older, without waiting: DUMP the key, move
 * the millisecond timestamps the RDB format stores little-endian (delivery times, consumer seen and active
 * times) back, fix the CRC, RESTORE. Consumers touched afterwards are fresh again.
 */
export async function ageStream(redis: Redis, key: string, byMs: number, since: number, until: number) {
  const payload = await redis.dumpBuffer(key);
  if (!payload) throw new Error(`no key ${key}`);
  const body = Buffer.from(payload.subarray(0, payload.length - 8));
  let shifted = 0;
  for (let i = 0; i + 8 <= body.length; i++) {
    const v = Number(body.readBigUInt64LE(i));
    if (v >= since && v <= until) {
      body.writeBigUInt64LE(BigInt(v - byMs), i);
      shifted++;
      i += 7;
    }
  }
  if (!shifted) throw new Error(`ageStream: no timestamps found in the dump of ${key}`);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  await redis.restore(key, 0, Buffer.concat([body, crc]), "REPLACE");
}

// CRC-64/Jones as Redis computes it for DUMP payloads (reflected, poly 0xad93d23594c935a9, init 0).
const CRC_TABLE = (() => {
  const poly = 0x95ac9329ac4bc9b5n; // the polynomial bit-reversed
  const table: bigint[] = [];
  for (let n = 0n; n < 256n; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    table.push(c);
  }
  return table;
})();

export function crc64(data: Uint8Array): bigint {
  let crc = 0n;
  for (const b of data) crc = CRC_TABLE[Number((crc ^ BigInt(b)) & 0xffn)]! ^ (crc >> 8n);
  return crc;
}
