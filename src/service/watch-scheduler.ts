// When a watched cluster is evaluated: changed objects after a debounce, the whole-snapshot rules as a sweep spaced
// by their own cost, everything at each resync. Evaluations run one at a time, in order; a failing one is reported
// and the watch goes on.

export interface SchedulerTuning {
  /** Changes arriving within this window are evaluated together (longer when one evaluation takes longer). */
  debounceMs: number;
  /** Shortest gap between two sweeps of the whole-snapshot rules. */
  sweepMinMs: number;
  /** A sweep waits at least this many times as long as the last one took. */
  sweepFactor: number;
  /** Everything is evaluated again this often (ages move on without events); 0: never. */
  resyncMs: number;
  /** How long an evaluation waits for a crash-looping container's previous log. */
  logWaitMs: number;
}

/** The evaluations the scheduler runs; each is synchronous once it has begun. */
export interface ScheduledWork {
  /** Whether there are whole-snapshot rules to sweep at all. */
  hasSweep: boolean;
  /** Waits (briefly) for logs being read, so an evaluation sees them. */
  settle(waitMs: number): Promise<void>;
  objects(keys: Set<string>): void;
  all(): void;
  sweep(): void;
  onFailure?(error: unknown): void;
}

export class WatchScheduler {
  private readonly dirty = new Set<string>();
  private sweepDirty = false;
  private ready = false;
  private stopped = false;
  private lastSweepEnd = 0;
  private lastSweepMs = 0;
  private lastObjectsMs = 0;
  private lastObjectsEnd = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly tuning: SchedulerTuning,
    private readonly work: ScheduledWork,
  ) {}

  /** Evaluations run one at a time, in order. */
  enqueue(work: () => Promise<void> | void): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (error) {
        this.work.onFailure?.(error);
      }
    });
    return this.chain;
  }

  /** These objects changed (or depend on what changed); before `start`, the first full evaluation covers them. */
  changed(keys: Iterable<string>): void {
    for (const k of keys) this.dirty.add(k);
    this.sweepDirty = true;
    if (this.ready) this.scheduleFlush();
  }

  /** Everything, now (in turn). */
  full(): Promise<void> {
    return this.enqueue(() => this.evaluateAll());
  }

  /** After the first full evaluation: changes are evaluated as they come, and everything at each resync. */
  start(): void {
    this.ready = true;
    this.scheduleFlush();
    if (this.tuning.resyncMs > 0) {
      this.resyncTimer = setInterval(() => void this.full(), this.tuning.resyncMs);
      this.resyncTimer.unref?.();
    }
  }

  /** No evaluation starts after this; `idle` waits for the one running. */
  stop(): void {
    this.stopped = true;
    for (const t of [this.flushTimer, this.sweepTimer]) if (t) clearTimeout(t);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
  }

  /** Waits for the evaluations queued so far. */
  idle(): Promise<void> {
    return this.chain;
  }

  private scheduleFlush(): void {
    if (this.dirty.size && !this.flushTimer)
      this.flushTimer = setTimeout(() => this.flush(), this.flushDelay());
  }

  /**
   * After a quiet spell, a change waits only the debounce; under a stream of changes the next evaluation waits
   * as long as the last one took, so evaluating keeps to about half the time and batches grow instead.
   */
  private flushDelay(): number {
    return Math.max(this.tuning.debounceMs, this.lastObjectsMs - (Date.now() - this.lastObjectsEnd));
  }

  private flush(): void {
    this.flushTimer = undefined;
    void this.enqueue(async () => {
      await this.work.settle(this.tuning.logWaitMs);
      const keys = new Set(this.dirty);
      this.dirty.clear();
      if (keys.size) {
        const started = performance.now();
        this.work.objects(keys);
        this.lastObjectsMs = performance.now() - started;
        this.lastObjectsEnd = Date.now();
      }
      this.scheduleSweep();
    });
  }

  private scheduleSweep(): void {
    if (!this.sweepDirty || this.sweepTimer || this.stopped || !this.work.hasSweep) return;
    const gap = Math.max(this.tuning.sweepMinMs, this.tuning.sweepFactor * this.lastSweepMs);
    const wait = Math.max(0, this.lastSweepEnd + gap - Date.now());
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      void this.enqueue(() => {
        this.sweepDirty = false;
        this.sweep();
      });
    }, wait);
  }

  private sweep(): void {
    const started = performance.now();
    this.work.sweep();
    this.lastSweepMs = performance.now() - started;
    this.lastSweepEnd = Date.now();
  }

  private evaluateAll(): void {
    this.dirty.clear();
    this.work.all();
    this.sweepDirty = false;
    if (this.work.hasSweep) this.sweep();
  }
}
