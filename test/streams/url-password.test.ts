// A Redis password with `/`, `@` or `:` in a URL: percent-encoded it connects (real redis-server); written as it
// is, or in a URL that does not parse, the error says to percent-encode and never shows the password.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisConnectError, redisTargetOf } from "../../src/sources/redis.js";
import { writeFixtureDump } from "../mcp/fixture-dump.js";
import { runBin, runCli } from "../support/cli.js";
import { type RedisServer, redisAvailable, startRedis } from "../support/redis.js";

// Every part of it distinctive, so a part shown alone is caught too.
const PASSWORD = "Zq7/Kp9@Wm:3x";
const PARTS = ["Zq7", "Kp9", "Wm:3x", PASSWORD];
const ENCODED = encodeURIComponent(PASSWORD);

function shows(text: string): string[] {
  return PARTS.filter((p) => text.includes(p));
}

describe("parsing a Redis URL", () => {
  it("a percent-encoded password is decoded whole", () => {
    expect(redisTargetOf({ url: `redis://:${ENCODED}@h:6381/2`, defaultPort: 6381 })).toMatchObject({
      host: "h",
      port: 6381,
      db: 2,
      password: PASSWORD,
    });
    expect(redisTargetOf({ url: "redis://u:p@ss:w@h:1", defaultPort: 6381 })).toMatchObject({
      host: "h",
      username: "u",
      password: "p@ss:w",
    });
  });

  it.each([
    [`redis://:${PASSWORD}@127.0.0.1:6381`, "'/'"],
    ["redis://:Zq7%Kp9@127.0.0.1:6381", "a % not followed by two hex digits"],
    ["redis://:Zq7 Kp9@127.0.0.1:6381", "' '"],
    ["redis://:Zq7#Kp9@127.0.0.1:6381", "'#'"],
  ])("%s: says what to percent-encode, without the password", (url, what) => {
    let error: unknown;
    try {
      redisTargetOf({ url, defaultPort: 6381 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RedisConnectError);
    const message = (error as Error).message;
    expect(message).toContain(`holds ${what}`);
    expect(message).toContain("percent-encode it");
    expect(message).toContain("redis://:***@127.0.0.1:6381");
    expect(shows(message)).toEqual([]);
  });

  it("a URL that does not parse for another reason shows no password either", () => {
    for (const url of [
      `redis://:${ENCODED}@127.0.0 .1:1`,
      `http://:${ENCODED}@h:1`,
      `redis://:${ENCODED}@h:1/x`,
    ]) {
      expect(() => redisTargetOf({ url, defaultPort: 6381 })).toThrow(RedisConnectError);
      try {
        redisTargetOf({ url, defaultPort: 6381 });
      } catch (e) {
        expect(shows((e as Error).message)).toEqual([]);
        expect((e as Error).message).not.toContain(ENCODED);
        expect((e as Error).message).toContain(":***@");
      }
    }
  });
});

describe.skipIf(!redisAvailable())("streams and scan --redis with that password (real redis-server)", () => {
  let server: RedisServer;
  let dir: string;
  let dump: string;
  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    dir = mkdtempSync(join(tmpdir(), "pitfall-url-password-"));
    dump = writeFixtureDump("test/fixtures/clusters/healthy-k3s.yaml", join(dir, "dump"), new Date());
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("percent-encoded, it connects; the output shows the URL with ***", async () => {
    const r = await runBin(["streams", "--redis", `redis://:${ENCODED}@127.0.0.1:${server.port}`], {
      cwd: dir,
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(shows(r.out + r.err)).toEqual([]);
  });

  it("written as it is: streams exits 2 with the percent-encode message, no part of the password", async () => {
    const r = await runBin(["streams", "--redis", `redis://:${PASSWORD}@127.0.0.1:${server.port}`], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("percent-encode it");
    expect(shows(r.out + r.err)).toEqual([]);
  });

  it("written as it is: scan --redis says the same", async () => {
    const r = await runCli(
      ["scan", "--from", dump, "--redis", `redis://:${PASSWORD}@127.0.0.1:${server.port}`],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain("percent-encode it");
    expect(shows(r.out + r.err)).toEqual([]);
  });

  it("a wrong password, percent-encoded: refused, and not shown", async () => {
    const wrong = encodeURIComponent(`${PASSWORD}x`);
    const r = await runCli(["streams", "--redis", `redis://:${wrong}@127.0.0.1:${server.port}`], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("refused the password");
    expect(shows(r.out + r.err)).toEqual([]);
    expect(r.out + r.err).not.toContain(wrong);
  });
});
