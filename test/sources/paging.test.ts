// The small helpers the live read and the watch mode share: retry, pagination, bounded concurrency.
import { describe, expect, it } from "vitest";
import { KubeApiError } from "../../src/sources/kube-api.js";
import { listAll, mapLimit, retryAdvice, retryDelay, withRetry } from "../../src/sources/paging.js";

const http = (status: number, retryAfterMs?: number) =>
  new KubeApiError("http", status, "boom", undefined, retryAfterMs);

describe("withRetry", () => {
  it("retries 429/5xx and dropped connections, waiting as the server asks or backing off", async () => {
    const waits: number[] = [];
    const errors = [http(429, 2000), http(503), new KubeApiError("network", 0, "reset")];
    const result = await withRetry(
      async (attempt) => {
        const e = errors[attempt - 1];
        if (e) throw e;
        return attempt;
      },
      { attempts: 5, baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe(4);
    expect(waits).toEqual([2000, 200, 400]);
  });

  it("does not retry 403, 404, 410, unreachable servers, timeouts or aborts", async () => {
    const others = ["connect", "timeout", "aborted"] as const;
    for (const e of [http(403), http(404), http(410), ...others.map((k) => new KubeApiError(k, 0, k))]) {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw e;
          },
          { attempts: 5, baseDelayMs: 1, sleep: async () => {} },
        ),
      ).rejects.toBe(e);
      expect(calls).toBe(1);
    }
  });

  it("gives up after the attempts with the last error, and stops on abort", async () => {
    let calls = 0;
    const e = http(500);
    await expect(
      withRetry(
        async () => {
          calls++;
          throw e;
        },
        { attempts: 3, baseDelayMs: 1, sleep: async () => {} },
      ),
    ).rejects.toBe(e);
    expect(calls).toBe(3);

    const controller = new AbortController();
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          controller.abort();
          throw e;
        },
        { attempts: 5, baseDelayMs: 1, sleep: async () => {}, signal: controller.signal },
      ),
    ).rejects.toBe(e);
    expect(calls).toBe(1);
  });

  it("caps the wait, also a server's Retry-After", () => {
    expect(retryDelay(10, { attempts: 1, baseDelayMs: 500, maxDelayMs: 5000 })).toBe(5000);
    expect(retryDelay(1, { attempts: 1, baseDelayMs: 500, maxDelayMs: 5000 }, 60_000)).toBe(5000);
    expect(retryAdvice({ code: 503 })).toEqual({ retry: true });
  });
});

describe("listAll", () => {
  it("follows continue tokens", async () => {
    const pages = [
      { items: [1, 2], continueToken: "a", resourceVersion: "7" },
      { items: [3, 4], continueToken: "b" },
      { items: [5] },
    ];
    const asked: (string | undefined)[] = [];
    const result = await listAll(async (token) => {
      asked.push(token);
      return pages[asked.length - 1]!;
    });
    expect(result).toEqual({ items: [1, 2, 3, 4, 5], pages: 3, relists: 0, resourceVersion: "7" });
    expect(asked).toEqual([undefined, "a", "b"]);
  });

  it("starts over on 410 for a continue token, up to `relists` times", async () => {
    let calls = 0;
    const result = await listAll(async (token) => {
      calls++;
      if (token === undefined) return { items: [calls], continueToken: "next" };
      if (calls < 4) throw http(410);
      return { items: [99] };
    });
    // Calls: 1 first page, 2 expired, 3 first page again, 4 last page.
    expect(result.relists).toBe(1);
    expect(result.items).toEqual([3, 99]);

    let tries = 0;
    await expect(
      listAll(
        async (token) => {
          tries++;
          if (token) throw http(410);
          return { items: [1], continueToken: "x" };
        },
        { relists: 2 },
      ),
    ).rejects.toMatchObject({ status: 410 });
    expect(tries).toBe(6);
  });

  it("does not relist a 410 on the first page", async () => {
    let tries = 0;
    await expect(
      listAll(async () => {
        tries++;
        throw http(410);
      }),
    ).rejects.toMatchObject({ status: 410 });
    expect(tries).toBe(1);
  });
});

describe("mapLimit", () => {
  it("keeps at most `limit` calls in flight and the input order", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
