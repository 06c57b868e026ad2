// The state of a Redis instance's streams as plain data: sources/redis.ts fills it, the streams rules read it.
import type { Incomplete } from "./snapshot.js";

export interface PendingEntry {
  id: string;
  consumer: string;
  /** Since the entry was last delivered (read or claimed). */
  idleMs: number;
  deliveries: number;
}

export interface ConsumerState {
  name: string;
  pending: number;
  /**
   * XINFO CONSUMERS `idle`. Redis 7.2+: since the consumer's last attempted interaction (any read or claim,
   * even one that got nothing). Before 7.2: since its last successful one (a read or claim that got entries).
   * An XACK counts in neither, so a consumer working through a batch looks idle while it works.
   */
  idleMs: number;
  /** Redis 7.2+ (`inactive`): since its last successful interaction; absent before 7.2. */
  inactiveMs?: number;
  /** Server time (ms) of the interaction `idleMs` counts from, when the reader measured it; the fix re-checks it. */
  seenAtMs?: number;
}

export interface GroupState {
  name: string;
  /** Exact count of the group's pending entries (XPENDING summary). */
  pending: number;
  lastDeliveredId: string;
  /** Entries not yet delivered to the group (Redis 7+; absent when the server cannot tell). */
  lag?: number;
  entriesRead?: number;
  oldestPendingId?: string;
  consumers: ConsumerState[];
  /** Pending entries in id order (XPENDING extended form); fewer than `pending` when `truncated`. */
  entries: PendingEntry[];
  truncated?: boolean;
}

export interface StreamState {
  key: string;
  length: number;
  groups: GroupState[];
}

export interface StreamsSnapshot {
  takenAt: string;
  /** Server time when the snapshot began; entry ages are measured from it. */
  nowMs: number;
  serverVersion?: string;
  streams: StreamState[];
  /** Streams that could not be read. */
  incomplete: Incomplete[];
}
