// The fix for stale consumers: move a dead consumer's idle entries to a live one, then delete it once empty.
// Never XACK, never XDEL: every message stays pending until a consumer acknowledges it.
import { formatDuration } from "../k8s/duration.js";
import { type ConsumerVerdict, claimTarget, judgeConsumers } from "../rules/stream-consumers.js";
import type { GroupState, StreamsSnapshot } from "../model/streams.js";
import { nextStreamId, type RedisCommands } from "../sources/redis.js";

export interface ClaimOptions {
  /** Entries idle this long may move; without the pods, consumers idle this long are dead. */
  idleMs: number;
  /** Names of the pods that exist, when the cluster is known (see judgeConsumers). */
  livePods?: ReadonlySet<string>;
  /** The live consumer that takes the entries; else the least-loaded one. */
  to?: string;
}

export interface ClaimMove {
  stream: string;
  group: string;
  from: string;
  to: string;
  ids: string[];
}

export interface ClaimDelete {
  stream: string;
  group: string;
  consumer: string;
}

/** Something the fix left alone, and why. */
export interface ClaimNote {
  stream: string;
  group: string;
  consumer?: string;
  ids?: string[];
  reason: string;
}

/** How long ago one pending entry was delivered (or claimed). */
export interface EntryAge {
  id: string;
  idleMs: number;
}

/** What the fix knows about one consumer and what it concludes: the evidence a dry run shows. */
export interface ConsumerEvidence {
  stream: string;
  group: string;
  consumer: string;
  verdict: "dead" | "live";
  /** The reason in words, e.g. `no pod named executor-7d9f-x2x4z` or `pod exists`. */
  why: string;
  pod: ConsumerVerdict["pod"];
  /** XINFO CONSUMERS `idle` (see ConsumerState.idleMs for what it counts from). */
  idleMs: number;
  inactiveMs?: number;
  pending: number;
  /** Its pending entries as read (the first few), oldest first. */
  entries: EntryAge[];
}

/** What the server re-checks, in one script with the claim, before it takes anything from a consumer. */
export interface MoveGuard {
  /** The consumer must still not have been seen for this long: the idle threshold when time is the evidence, 0 when its pod is gone. */
  minConsumerIdleMs: number;
  /** Server time the consumer was last seen at the snapshot: seen later means it is alive. */
  seenAtMs?: number;
  /** Its pending count at the snapshot: any change but our own moves means someone works on its entries. */
  pending: number;
}

export interface PlannedMove extends ClaimMove {
  guard: MoveGuard;
}

export interface ClaimPlan {
  /** XCLAIM's min-idle-time: an entry delivered or claimed more recently is being worked on and stays. */
  minIdleMs: number;
  /** Whether the cluster's pods were known; without them the verdicts rest on time alone. */
  cluster: boolean;
  evidence: ConsumerEvidence[];
  moves: PlannedMove[];
  deletes: ClaimDelete[];
  notes: ClaimNote[];
}

export interface ClaimResult {
  dryRun: boolean;
  minIdleMs: number;
  cluster: boolean;
  /** Per consumer of every group the fix acts in: the evidence, as the snapshot showed it. */
  evidence: ConsumerEvidence[];
  moves: ClaimMove[];
  /** Consumers deleted (or, in a dry run, that would be). */
  deletes: ClaimDelete[];
  notes: ClaimNote[];
}

/** Entries listed per consumer in the evidence. */
const EVIDENCE_ENTRIES = 10;

/** What the fix would do, from the snapshot alone. */
export function planClaims(snapshot: StreamsSnapshot, opts: ClaimOptions): ClaimPlan {
  const plan: ClaimPlan = {
    minIdleMs: opts.idleMs,
    cluster: opts.livePods !== undefined,
    evidence: [],
    moves: [],
    deletes: [],
    notes: [],
  };
  for (const stream of snapshot.streams) {
    for (const group of stream.groups) {
      const where = { stream: stream.key, group: group.name };
      const verdicts = judgeConsumers(group, opts);
      const dead = verdicts.filter((v) => !v.live);
      if (!dead.length) continue;
      for (const v of verdicts) plan.evidence.push(evidenceOf(where, group, v, opts.idleMs));
      const load = new Map(verdicts.filter((v) => v.live).map((v) => [v.consumer.name, v.consumer.pending]));
      for (const { consumer: c, reason } of dead) {
        const entries = group.entries.filter((e) => e.consumer === c.name);
        const movable = entries.filter((e) => e.idleMs >= opts.idleMs).map((e) => e.id);
        const busy = entries.filter((e) => e.idleMs < opts.idleMs).map((e) => e.id);
        if (busy.length)
          plan.notes.push({
            ...where,
            consumer: c.name,
            ids: busy,
            reason: "delivered less than the idle threshold ago",
          });
        let emptied = c.pending === 0;
        if (c.pending > 0) {
          const to = pickTarget(load, verdicts, opts.to);
          if (!to) {
            plan.notes.push({
              ...where,
              consumer: c.name,
              reason:
                opts.to !== undefined && load.size
                  ? `--to ${opts.to} is not a live consumer of this group: nothing moved`
                  : `no live consumer in this group: nothing moved (${c.pending} entries stay with ${c.name})`,
            });
            continue;
          }
          if (movable.length) {
            const guard: MoveGuard = {
              minConsumerIdleMs: reason === "unseen" ? opts.idleMs : 0,
              pending: c.pending,
              ...(c.seenAtMs !== undefined ? { seenAtMs: c.seenAtMs } : {}),
            };
            plan.moves.push({ ...where, from: c.name, to, ids: movable, guard });
            load.set(to, (load.get(to) ?? 0) + movable.length);
          }
          if (entries.length < c.pending)
            plan.notes.push({
              ...where,
              consumer: c.name,
              reason: `${c.pending - entries.length} more entries were not read; --yes moves them too when idle`,
            });
          emptied = busy.length === 0 && entries.length === c.pending;
        }
        // Deleting an empty consumer loses nothing; one seen recently is kept, it may be alive.
        if (emptied && c.idleMs >= opts.idleMs) plan.deletes.push({ ...where, consumer: c.name });
      }
    }
  }
  return plan;
}

function evidenceOf(
  where: { stream: string; group: string },
  group: GroupState,
  v: ConsumerVerdict,
  idleMs: number,
): ConsumerEvidence {
  const c = v.consumer;
  const quiet = formatDuration(c.idleMs, 2);
  const why =
    v.reason === "pod-gone"
      ? `no pod named ${c.name} in the cluster`
      : v.reason === "unseen"
        ? `not seen for ${quiet} (threshold ${formatDuration(idleMs, 2)}); cluster unknown: time is the only evidence`
        : v.pod === "exists"
          ? `pod ${c.name} exists${c.idleMs >= idleMs ? `; quiet for ${quiet}, maybe working: left alone` : ""}`
          : `seen ${quiet} ago (threshold ${formatDuration(idleMs, 2)})`;
  const e: ConsumerEvidence = {
    ...where,
    consumer: c.name,
    verdict: v.live ? "live" : "dead",
    why,
    pod: v.pod,
    idleMs: c.idleMs,
    pending: c.pending,
    entries: group.entries
      .filter((x) => x.consumer === c.name)
      .slice(0, EVIDENCE_ENTRIES)
      .map((x) => ({ id: x.id, idleMs: x.idleMs })),
  };
  if (c.inactiveMs !== undefined) e.inactiveMs = c.inactiveMs;
  return e;
}

/** The least-loaded live consumer, counting what this plan already gives each. */
function pickTarget(
  load: Map<string, number>,
  verdicts: ReturnType<typeof judgeConsumers>,
  to?: string,
): string | undefined {
  const counted = verdicts.map((v) => ({
    ...v,
    consumer: { ...v.consumer, pending: load.get(v.consumer.name) ?? v.consumer.pending },
  }));
  return claimTarget(counted, to);
}

/** The plan as a dry-run result: nothing touched. */
export function dryRun(plan: ClaimPlan): ClaimResult {
  return {
    ...resultBase(plan, true),
    moves: plan.moves.map(({ guard: _, ...m }) => m),
    deletes: plan.deletes,
    notes: plan.notes,
  };
}

function resultBase(plan: ClaimPlan, dry: boolean) {
  return { dryRun: dry, minIdleMs: plan.minIdleMs, cluster: plan.cluster, evidence: plan.evidence };
}

// Atomic, so a consumer that reads between the check and the delete cannot lose its entries:
// delete only when it holds nothing and has not been seen for min-idle ms.
const DELETE_IF_EMPTY = `
local pel = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pel > 0 then return -1 end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, idle
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'idle' then idle = c[i + 1] end
  end
  if name == ARGV[2] then
    if idle < tonumber(ARGV[3]) then return -2 end
    return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
  end
end
return -3
`;

// One page of a move, atomically: take entries from ARGV[2] only while it still looks dead as it did in the
// snapshot (not seen since, quiet long enough, pending count unchanged but for our moves), and then only the
// entries idle for min-idle-time (XCLAIM re-checks each one). JUSTID: a move is not a delivery.
// KEYS[1] stream; ARGV: group, from, to, min-idle, consumer-min-idle, seen-at (-1: unknown), pending, ids...
const CLAIM_IF_STILL_DEAD = `
local found
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] == ARGV[2] then found = f break end
end
if not found then return {'gone'} end
if found['idle'] < tonumber(ARGV[5]) then return {'seen'} end
local seenAt = tonumber(ARGV[6])
if seenAt >= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if now - found['idle'] > seenAt + 5 then return {'seen'} end
end
if found['pending'] ~= tonumber(ARGV[7]) then return {'pending'} end
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[3], ARGV[4]}
for i = 8, #ARGV do args[#args + 1] = ARGV[i] end
args[#args + 1] = 'JUSTID'
local claimed = redis.call(unpack(args))
table.insert(claimed, 1, 'ok')
return claimed
`;

const REFUSED: Record<string, string> = {
  seen: "not moved: the consumer was seen again since the snapshot, so it is alive",
  pending:
    "not moved: its pending entries changed since the snapshot (it, or someone, acknowledged or claimed some), so they are being worked on",
  gone: "not moved: the consumer no longer exists",
};

export interface ApplyOptions {
  /** XPENDING / XCLAIM batch size. */
  pageSize?: number;
  /** Groups worked on at the same time. */
  concurrency?: number;
}

/**
 * Carry out a plan: for each dead consumer, page through its own pending entries (XPENDING with the consumer
 * filter) and claim them in a script that first re-checks that the consumer still looks dead, then XCLAIMs
 * with the min-idle-time, so an entry anyone touched recently stays where it is. What the server actually
 * moved is what the result lists.
 */
export async function applyClaims(
  client: RedisCommands,
  plan: ClaimPlan,
  opts: ApplyOptions = {},
): Promise<ClaimResult> {
  const result: ClaimResult = { ...resultBase(plan, false), moves: [], deletes: [], notes: [] };
  const byGroup = new Map<string, { moves: PlannedMove[]; deletes: ClaimDelete[] }>();
  const slot = (stream: string, group: string) => {
    const k = JSON.stringify([stream, group]);
    let s = byGroup.get(k);
    if (!s) {
      s = { moves: [], deletes: [] };
      byGroup.set(k, s);
    }
    return s;
  };
  for (const m of plan.moves) slot(m.stream, m.group).moves.push(m);
  for (const d of plan.deletes) slot(d.stream, d.group).deletes.push(d);

  const work = [...byGroup.values()];
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const w = work[next++]!;
      for (const m of w.moves) await moveEntries(client, m, plan.minIdleMs, opts.pageSize ?? 100, result);
      for (const d of w.deletes) await deleteIfEmpty(client, d, plan.minIdleMs, result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  // For consumers that were moved from, the moves themselves tell which ids stayed; other notes still hold.
  const movedFrom = new Set(plan.moves.map((m) => JSON.stringify([m.stream, m.group, m.from])));
  result.notes.push(
    ...plan.notes.filter((n) => !n.ids || !movedFrom.has(JSON.stringify([n.stream, n.group, n.consumer]))),
  );
  // Groups finish in any order; the report should not.
  const order = (a: { stream: string; group: string }, b: { stream: string; group: string }) =>
    a.stream.localeCompare(b.stream) || a.group.localeCompare(b.group);
  result.moves.sort(order);
  result.deletes.sort(order);
  result.notes.sort(order);
  return result;
}

async function moveEntries(
  client: RedisCommands,
  m: PlannedMove,
  minIdleMs: number,
  pageSize: number,
  result: ClaimResult,
): Promise<void> {
  const { guard, ...move } = m;
  const moved: string[] = [];
  const kept: string[] = [];
  let refused: string | undefined;
  let start = "-";
  for (;;) {
    const page = (await client.call("XPENDING", m.stream, m.group, start, "+", pageSize, m.from)) as [
      string,
      string,
      number,
      number,
    ][];
    const ids = page.filter((e) => Number(e[2]) >= minIdleMs).map((e) => e[0]);
    kept.push(...page.filter((e) => Number(e[2]) < minIdleMs).map((e) => e[0]));
    if (ids.length) {
      const reply = (await client.call(
        "EVAL",
        CLAIM_IF_STILL_DEAD,
        1,
        m.stream,
        m.group,
        m.from,
        m.to,
        minIdleMs,
        guard.minConsumerIdleMs,
        guard.seenAtMs ?? -1,
        guard.pending - moved.length,
        ...ids,
      )) as string[];
      const [status, ...claimed] = reply;
      if (status !== "ok") {
        refused = REFUSED[status ?? ""] ?? `not moved: ${status}`;
        break;
      }
      const got = new Set(claimed);
      moved.push(...claimed);
      kept.push(...ids.filter((id) => !got.has(id)));
    }
    if (page.length < pageSize) break;
    start = nextStreamId(page[page.length - 1]![0]);
  }
  if (moved.length) result.moves.push({ ...move, ids: moved });
  if (refused) result.notes.push({ stream: m.stream, group: m.group, consumer: m.from, reason: refused });
  if (kept.length)
    result.notes.push({
      stream: m.stream,
      group: m.group,
      consumer: m.from,
      ids: kept,
      reason: "not moved: delivered, claimed or acknowledged less than the idle threshold ago",
    });
}

async function deleteIfEmpty(client: RedisCommands, d: ClaimDelete, minIdleMs: number, result: ClaimResult) {
  let r: number;
  try {
    r = Number(await client.call("EVAL", DELETE_IF_EMPTY, 1, d.stream, d.group, d.consumer, minIdleMs));
  } catch (e) {
    result.notes.push({ ...d, reason: `not deleted: ${(e as Error).message}` });
    return;
  }
  if (r >= 0) result.deletes.push(d);
  else if (r === -1) result.notes.push({ ...d, reason: "not deleted: it still holds entries" });
  else if (r === -2) result.notes.push({ ...d, reason: "not deleted: it was seen again" });
}
