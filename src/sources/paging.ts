// Reading lists from the Kubernetes API robustly: retry what the server asks to retry, page through big lists,
// and start over when a continue token expires (as client-go's pager and informer do).

/** How a failed call is retried. `attempts` counts every try, the first included. */
export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  /** Longest wait between tries, also for a server's `Retry-After`. Default 30 s. */
  maxDelayMs?: number;
  /** Injectable so tests do not wait; default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Stops waiting and trying when aborted. */
  signal?: AbortSignal;
  /** Which errors are worth another try and how long the server asked to wait. Default: `retryAdvice`. */
  advise?: (error: unknown) => RetryAdvice;
  /** Told before each wait, e.g. for progress output. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface RetryAdvice {
  retry: boolean;
  /** The wait the server asked for (`Retry-After`), if any. */
  afterMs?: number;
}

/** A failure's HTTP status (our `KubeApiError.status` or the client's `ApiException.code`); 0 when none. */
export function statusOf(error: unknown): number {
  const e = error as { status?: unknown; code?: unknown } | null | undefined;
  if (typeof e?.status === "number") return e.status;
  if (typeof e?.code === "number") return e.code;
  return 0;
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * 429 and 5xx are retried (the API server says when with `Retry-After`); so are dropped or reset connections.
 * Our own timeouts and aborts are not: a server too slow once is too slow again, and the deadline is the deadline.
 */
export function retryAdvice(error: unknown): RetryAdvice {
  const e = error as { kind?: unknown; retryAfterMs?: unknown } | null | undefined;
  const afterMs = typeof e?.retryAfterMs === "number" ? e.retryAfterMs : undefined;
  if (RETRY_STATUSES.has(statusOf(error)))
    return afterMs === undefined ? { retry: true } : { retry: true, afterMs };
  return { retry: e?.kind === "network" };
}

function timerSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `sleep` does or when the signal aborts, whichever is first. */
function sleepUnlessAborted(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!signal) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    sleep(ms).then(done, reject);
  });
}

/** Exponential back-off from `baseDelayMs`, or the server's wait when it named one; both capped. */
export function retryDelay(attempt: number, opts: RetryOptions, afterMs?: number): number {
  const max = opts.maxDelayMs ?? 30_000;
  const backoff = opts.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(max, afterMs ?? backoff);
}

/** Calls `fn` until it succeeds, the error is not worth retrying, the tries run out or the signal aborts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts));
  const advise = opts.advise ?? retryAdvice;
  const sleep = opts.sleep ?? timerSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const advice = advise(error);
      if (!advice.retry || attempt >= attempts || opts.signal?.aborted) throw error;
      const delay = retryDelay(attempt, opts, advice.afterMs);
      opts.onRetry?.(error, attempt, delay);
      await sleepUnlessAborted(sleep, delay, opts.signal);
      if (opts.signal?.aborted) throw error;
    }
  }
}

/** One page of a list: its items and the token for the next page, if there is one. */
export interface ListPage<T> {
  items: T[];
  continueToken?: string;
  resourceVersion?: string;
}

export interface ListAllOptions {
  /** Fresh starts allowed after a 410 on a continue token. Default 2. */
  relists?: number;
  /** Told after each page. */
  onPage?: (page: number, items: number) => void;
  /** Told when a list starts over. */
  onRelist?: (relist: number, error: unknown) => void;
}

export interface ListResult<T> {
  items: T[];
  /** Pages read in the list that completed. */
  pages: number;
  relists: number;
  /** The list's resourceVersion, where a watch can start from. */
  resourceVersion?: string;
}

/** 410 Gone on a continue token: the snapshot the pages came from was compacted away. */
export function isExpired(error: unknown): boolean {
  return statusOf(error) === 410;
}

/**
 * Reads every page of a list. A continue token that expired (410) means the pages no longer fit together,
 * so the list starts over from the first page, `relists` times at most; after that the 410 is thrown.
 */
export async function listAll<T>(
  fetchPage: (continueToken: string | undefined) => Promise<ListPage<T>>,
  opts: ListAllOptions = {},
): Promise<ListResult<T>> {
  const relists = opts.relists ?? 2;
  for (let relist = 0; ; relist++) {
    const items: T[] = [];
    let token: string | undefined;
    let pages = 0;
    let resourceVersion: string | undefined;
    try {
      do {
        const page = await fetchPage(token);
        pages++;
        for (const item of page.items) items.push(item);
        resourceVersion ??= page.resourceVersion;
        opts.onPage?.(pages, page.items.length);
        token = page.continueToken || undefined;
      } while (token !== undefined);
      return { items, pages, relists: relist, ...(resourceVersion ? { resourceVersion } : {}) };
    } catch (error) {
      if (!isExpired(error) || pages === 0 || relist >= relists) throw error;
      opts.onRelist?.(relist + 1, error);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return out;
}
