// The streams every Redis test starts from: live and dead consumers, old and fresh entries, a poison message.
import type { Redis } from "ioredis";
import { ageStream } from "../support/redis.js";

export const GROUP = "ge-executor-group";
export const HOUR = 3_600_000;

export interface Seeded {
  /** Entry ids each consumer holds, by stream. */
  held: Record<string, Record<string, string[]>>;
  poisonId: string;
}

async function read(r: Redis, key: string, consumer: string, count: number): Promise<string[]> {
  const reply = (await r.call("XREADGROUP", "GROUP", GROUP, consumer, "COUNT", count, "STREAMS", key, ">")) as
    | [string, [string, string[]][]][]
    | null;
  return reply?.[0]?.[1].map((e) => e[0]) ?? [];
}

/**
 * triggers.alpha: executor-old-1 (unseen 2h, 4 entries), executor-a (live, 3 fresh entries, one delivered 9
 * times), executor-b (live, 2 entries idle 2h), executor-gone-2 (unseen 2h, holds nothing), 3 undelivered.
 * triggers.beta: only executor-old-2 (unseen 2h, 2 entries). Also a string key and a stream off the pattern.
 */
export async function seedStreams(r: Redis): Promise<Seeded> {
  const since = Date.now() - 1000;
  const held: Seeded["held"] = { "triggers.alpha": {}, "triggers.beta": {} };
  await r.xgroup("CREATE", "triggers.alpha", GROUP, "0", "MKSTREAM");
  for (let i = 0; i < 12; i++) await r.xadd("triggers.alpha", "*", "n", String(i));
  const alpha = held["triggers.alpha"]!;
  alpha["executor-old-1"] = await read(r, "triggers.alpha", "executor-old-1", 4);
  alpha["executor-a"] = await read(r, "triggers.alpha", "executor-a", 3);
  alpha["executor-b"] = await read(r, "triggers.alpha", "executor-b", 2);
  await r.call("XGROUP", "CREATECONSUMER", "triggers.alpha", GROUP, "executor-gone-2");

  await r.xgroup("CREATE", "triggers.beta", GROUP, "0", "MKSTREAM");
  for (let i = 0; i < 2; i++) await r.xadd("triggers.beta", "*", "n", String(i));
  held["triggers.beta"]!["executor-old-2"] = await read(r, "triggers.beta", "executor-old-2", 2);

  await r.set("triggers.not-a-stream", "x");
  await r.xgroup("CREATE", "other.stream", GROUP, "$", "MKSTREAM");

  // Everyone looks unseen for 2h; then the live consumers touch their own entries (XCLAIM refreshes them).
  const until = Date.now() + 1000;
  await ageStream(r, "triggers.alpha", 2 * HOUR, since, until);
  await ageStream(r, "triggers.beta", 2 * HOUR, since, until);
  const [poisonId, ...fresh] = alpha["executor-a"];
  await r.call(
    "XCLAIM",
    "triggers.alpha",
    GROUP,
    "executor-a",
    0,
    poisonId!,
    "IDLE",
    1000,
    "RETRYCOUNT",
    9,
    "JUSTID",
  );
  await r.call("XCLAIM", "triggers.alpha", GROUP, "executor-a", 0, ...fresh, "IDLE", 1000, "JUSTID");
  await r.call(
    "XCLAIM",
    "triggers.alpha",
    GROUP,
    "executor-b",
    0,
    ...alpha["executor-b"],
    "IDLE",
    2 * HOUR,
    "JUSTID",
  );
  return { held, poisonId: poisonId! };
}

export type PendingRow = [id: string, consumer: string, idle: number, deliveries: number];

export async function pendingOf(r: Redis, key: string): Promise<PendingRow[]> {
  return (await r.call("XPENDING", key, GROUP, "-", "+", 10_000)) as PendingRow[];
}

export async function consumersOf(r: Redis, key: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of (await r.call("XINFO", "CONSUMERS", key, GROUP)) as unknown[][])
    out[String(c[1])] = Number(c[3]);
  return out;
}
