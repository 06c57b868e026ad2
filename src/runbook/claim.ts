// The fix for stale consumers: move a dead consumer's idle entries to a live one, then delete it once empty.
// Never XACK, never XDEL: every message stays pending until a consumer acknowledges it.
import {
  claimTarget,
  judgeConsumers,
  type StreamsCheckOptions,
  type StreamsSnapshot,
} from "../rules/stale-consumer-groups.js";
import { nextStreamId, type RedisCommands } from "../sources/redis.js";

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

export interface ClaimPlan {
  /** XCLAIM's min-idle-time: an entry delivered or claimed more recently is being worked on and stays. */
  minIdleMs: number;
  moves: ClaimMove[];
  deletes: ClaimDelete[];
  notes: ClaimNote[];
}

export interface ClaimResult {
  dryRun: boolean;
  moves: ClaimMove[];
  /** Consumers deleted (or, in a dry run, that would be). */
  deletes: ClaimDelete[];
  notes: ClaimNote[];
}

/** What the fix would do, from the snapshot alone. */
export function planClaims(
  snapshot: StreamsSnapshot,
  opts: Pick<StreamsCheckOptions, "idleMs" | "livePods" | "to">,
): ClaimPlan {
  const plan: ClaimPlan = { minIdleMs: opts.idleMs, moves: [], deletes: [], notes: [] };
  for (const stream of snapshot.streams) {
    for (const group of stream.groups) {
      const where = { stream: stream.key, group: group.name };
      const verdicts = judgeConsumers(group, opts);
      const dead = verdicts.filter((v) => !v.live).map((v) => v.consumer);
      if (!dead.length) continue;
      const load = new Map(verdicts.filter((v) => v.live).map((v) => [v.consumer.name, v.consumer.pending]));
      for (const c of dead) {
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
            plan.moves.push({ ...where, from: c.name, to, ids: movable });
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
  return { dryRun: true, moves: plan.moves, deletes: plan.deletes, notes: plan.notes };
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

export interface ApplyOptions {
  /** XPENDING / XCLAIM batch size. */
  pageSize?: number;
  /** Groups worked on at the same time. */
  concurrency?: number;
}

/**
 * Carry out a plan: for each dead consumer, page through its own pending entries (XPENDING with the consumer
 * filter) and XCLAIM them with the min-idle-time, so an entry that anyone touched recently is left where it is.
 * What the server actually moved is what the result lists.
 */
export async function applyClaims(
  client: RedisCommands,
  plan: ClaimPlan,
  opts: ApplyOptions = {},
): Promise<ClaimResult> {
  const result: ClaimResult = { dryRun: false, moves: [], deletes: [], notes: [] };
  const byGroup = new Map<string, { moves: ClaimMove[]; deletes: ClaimDelete[] }>();
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
  m: ClaimMove,
  minIdleMs: number,
  pageSize: number,
  result: ClaimResult,
): Promise<void> {
  const moved: string[] = [];
  const kept: string[] = [];
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
      // JUSTID: moving is not a delivery, so the delivery count (poison detection) stays honest.
      const claimed = (await client.call(
        "XCLAIM",
        m.stream,
        m.group,
        m.to,
        minIdleMs,
        ...ids,
        "JUSTID",
      )) as string[];
      const got = new Set(claimed);
      moved.push(...claimed);
      kept.push(...ids.filter((id) => !got.has(id)));
    }
    if (page.length < pageSize) break;
    start = nextStreamId(page[page.length - 1]![0]);
  }
  if (moved.length) result.moves.push({ ...m, ids: moved });
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
