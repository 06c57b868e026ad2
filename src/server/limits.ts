// Bounds on what unauthenticated clients can make the server do: long-lived or heavy requests counted per client
// address and in total (429 with Retry-After past either), and CPU-heavy work (lint) run one job at a time.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http.js";

/** 429 with a Retry-After in whole seconds. */
function tooBusy(message: string, retryAfterSeconds: number): HttpError {
  return new HttpError(
    429,
    message,
    { retryAfter: retryAfterSeconds },
    { "Retry-After": String(retryAfterSeconds) },
  );
}

export interface SlotLimits {
  perClient: number;
  total: number;
}

/** Counts what is open (event streams, admitted lints) per client address and in total. */
export class ClientSlots {
  private readonly byClient = new Map<string, number>();
  private total = 0;

  /** `what` names the thing in the 429 message: "event streams", "lint requests". */
  constructor(
    private readonly what: string,
    private readonly limits: SlotLimits,
    private readonly retryAfter: (open: number) => number = () => 10,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Takes a slot for `client`, freed by the returned function (idempotent); throws 429 when full. */
  take(client: string): () => void {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.limits.perClient)
      throw tooBusy(
        `at most ${this.limits.perClient} ${this.what} per client address at a time: wait for yours to finish`,
        this.retryAfter(mine),
      );
    if (this.total >= this.limits.total)
      throw tooBusy(`too many ${this.what} at once: try again later`, this.retryAfter(this.total));
    this.total++;
    this.byClient.set(client, mine + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.total--;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left > 0) this.byClient.set(client, left);
      else this.byClient.delete(client);
    };
  }
}

/**
 * Heavy jobs (lint is synchronous): admitted per client and in total (`slots`), run one at a time. Two at once
 * would only block the event loop longer and hold twice the memory; between jobs the event loop turns, so health
 * checks and other requests are answered in between.
 */
export class WorkQueue {
  readonly slots: ClientSlots;
  private turn: Promise<void> = Promise.resolve();
  private lastMs = 1000;

  constructor(what: string, limits: SlotLimits) {
    this.slots = new ClientSlots(what, limits, (jobs) => Math.max(1, Math.ceil((this.lastMs * jobs) / 1000)));
  }

  /** Waits for the turn, then runs `work` alone. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.turn.then(async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const started = Date.now();
      try {
        return await work();
      } finally {
        this.lastMs = Math.max(1, Date.now() - started);
      }
    });
    this.turn = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}

/** The peer's address; behind a proxy every client shares the proxy's (forwarded headers can be forged). */
export function clientOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? "unknown";
}
