// Load an anonymous client can put on `serve`: lints are admitted per client address and in total (429 with
// Retry-After past that) and run one at a time, so health checks are answered and memory stays inside the pod's
// limit; event streams are capped per client address, so one client holding its cap locks nobody else out.
// Real sockets from several loopback addresses (Linux routes all of 127/8 to lo) and a real `pitfall serve`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type ClientRequest, type IncomingMessage, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseBytes } from "../../src/k8s/quantity.js";
import { LINT_LIMITS } from "../../src/server/app.js";
import { EVENT_STREAM_LIMITS } from "../../src/server/events.js";
import { loadCluster } from "../sim/index.js";
import {
  BROKEN,
  type ServeProcess,
  startServeProcess,
  startTestServer,
  type TestServer,
  testMcpDeps,
  waitReady,
} from "./support.js";

const MAX_BODY = 256 * 1024;

/** Deployments with hostNetwork and no requests: every one is a finding, as in a big helm template. */
function manifests(bytes: number): string {
  let text = "";
  for (let i = 0; text.length < bytes; i++)
    text += `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: ns\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: c\n          image: x:latest\n---\n`;
  return text;
}

interface Held {
  req: ClientRequest;
  response: Promise<{ res: IncomingMessage; body: string }>;
}

/** A request from `localAddress` whose headers and first part of the body are sent; the rest is up to the test. */
function hold(
  url: string,
  path: string,
  localAddress: string,
  opts: { method?: string; length?: number; part?: string } = {},
): Held {
  const u = new URL(url);
  const req = request({
    host: u.hostname,
    port: u.port,
    path,
    method: opts.method ?? "POST",
    localAddress,
    agent: false,
    headers: opts.length !== undefined ? { "Content-Length": String(opts.length) } : {},
  });
  const response = new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ res, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  // A stream the test destroys rejects its pending answer; that is expected, not an unhandled error.
  response.catch(() => {});
  req.flushHeaders();
  if (opts.part) req.write(opts.part);
  return { req, response };
}

/** The indexes of the first `count` of `held` to be answered (with their bodies still unsent). */
async function responded(held: Held[], count: number): Promise<number[]> {
  const done: number[] = [];
  await new Promise<void>((resolve) => {
    held.forEach((h, i) => {
      void h.response.then(
        () => {
          done.push(i);
          if (done.length === count) resolve();
        },
        () => {},
      );
    });
  });
  return done;
}

/**
 * A GET on a new connection: a kept-alive socket that the busy server closed (its keep-alive timeout passed
 * while lint held the thread) would reset the request, which says nothing about the server's health.
 */
function getFresh(target: string): Promise<{ status: number; text(): Promise<string> }> {
  return new Promise((done, fail) => {
    request(target, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        done({ status: res.statusCode ?? 0, text: async () => text });
      });
      res.on("error", fail);
    })
      .on("error", fail)
      .end();
  });
}

describe("POST /api/lint under load (a real pitfall serve)", () => {
  let dir: string;
  let serve: ServeProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-limits-"));
    mkdirSync(join(dir, "dump"));
    writeFileSync(
      join(dir, "dump", "all.json"),
      JSON.stringify({ apiVersion: "v1", kind: "List", items: loadCluster(BROKEN).objects }),
    );
    serve = await startServeProcess(["--from", "dump", "--port", "0", "--no-mcp"], dir);
    url = serve.url;
    await waitReady(url);
  });
  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("eight lints at once from eight addresses: four admitted and linted, four get 429 with Retry-After; /healthz answers meanwhile", async () => {
    const body = manifests(MAX_BODY - 4096);
    const half = body.slice(0, body.length / 2);
    const held = Array.from({ length: 8 }, (_, i) =>
      hold(url, "/api/lint?zone=1", `127.0.0.${i + 2}`, { length: Buffer.byteLength(body), part: half }),
    );
    // The refusals come before the bodies are sent: admission counts requests, not bytes.
    const refused = await responded(held, 8 - LINT_LIMITS.total);
    for (const i of refused) {
      const { res, body: text } = await held[i]!.response;
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(text).error).toBe("too many lint requests at once: try again later");
      held[i]!.req.destroy();
    }
    const admitted = held.filter((_, i) => !refused.includes(i));
    expect(admitted).toHaveLength(LINT_LIMITS.total);
    // The same address again, while its first is admitted: 429 at once.
    const twice = hold(url, "/api/lint", "127.0.0.2", { length: 10, part: "x" });
    const again = await twice.response;
    expect(again.res.statusCode).toBe(429);
    expect(JSON.parse(again.body).error).toContain("at most 1 lint requests per client address");
    twice.req.destroy();

    for (const h of admitted) h.req.end(body.slice(half.length));
    const samples: number[] = [];
    const health: number[] = [];
    let linting = true;
    const sampler = (async () => {
      while (linting) {
        health.push((await getFresh(`${url}/healthz`)).status);
        const metrics = await (await getFresh(`${url}/metrics`)).text();
        samples.push(Number(/^pitfall_process_resident_memory_bytes (\d+)/m.exec(metrics)![1]));
      }
    })();
    const results = await Promise.all(admitted.map((h) => h.response));
    linting = false;
    await sampler;
    for (const { res, body: text } of results) {
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(text).findings.length).toBeGreaterThan(100);
    }
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((s) => s === 200)).toBe(true);
    // The Deployment's memory limit (deploy/base), not a number written here.
    const deployment = parse(readFileSync("deploy/base/deployment.yaml", "utf8"));
    const limit = parseBytes(deployment.spec.template.spec.containers[0].resources.limits.memory)!;
    expect(Math.max(...samples)).toBeLessThan(limit);
  });

  it("eight 1 MiB bodies at once are refused with 413 before they are read", async () => {
    const big = manifests(1024 * 1024);
    const sent = Array.from({ length: 8 }, (_, i) =>
      hold(url, "/api/lint", `127.0.1.${i + 2}`, { length: Buffer.byteLength(big) }),
    );
    for (const h of sent) h.req.end(big);
    let answered = 0;
    for (const h of sent) {
      const r = await h.response.catch(() => undefined);
      // The server may close before the whole upload is written; the answer is 413 when it arrives.
      if (!r) continue;
      answered++;
      expect(r.res.statusCode).toBe(413);
    }
    expect(answered).toBeGreaterThan(0);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe("event streams and MCP lint under load (in-process server)", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      server: {
        mcp: testMcpDeps(),
      },
    });
    await waitReady(t.url);
  });
  afterAll(async () => {
    await t.close();
  });

  it("200 streams from one address: its cap of 8 opens, the rest get 429; another address still gets in", async () => {
    const streams = Array.from({ length: 200 }, () =>
      hold(t.url, "/api/events", "127.0.0.1", { method: "GET" }),
    );
    for (const s of streams) s.req.end();
    const statuses = await Promise.all(
      streams.map(
        (s) =>
          new Promise<{ status: number; retry?: string }>((resolve) =>
            s.req.on("response", (res) =>
              resolve({
                status: res.statusCode ?? 0,
                ...(res.headers["retry-after"] ? { retry: String(res.headers["retry-after"]) } : {}),
              }),
            ),
          ),
      ),
    );
    expect(statuses.filter((s) => s.status === 200)).toHaveLength(EVENT_STREAM_LIMITS.perClient);
    const refused = statuses.filter((s) => s.status === 429);
    expect(refused).toHaveLength(200 - EVENT_STREAM_LIMITS.perClient);
    expect(refused.every((s) => Number(s.retry) >= 1)).toBe(true);

    const other = hold(t.url, "/api/events", "127.0.0.2", { method: "GET" });
    other.req.end();
    const status = await new Promise<number>((resolve) =>
      other.req.on("response", (res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(200);
    // Closing one frees its slot.
    for (const s of [...streams, other]) s.req.destroy();
    let back = 0;
    for (let i = 0; i < 100 && back !== 200; i++) {
      const again = hold(t.url, "/api/events", "127.0.0.1", { method: "GET" });
      again.req.end();
      back = await new Promise<number>((resolve) =>
        again.req.on("response", (res) => resolve(res.statusCode ?? 0)),
      );
      again.req.destroy();
      if (back !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(back).toBe(200);
  });

  it("MCP lint_manifests shares the lint queue: one per client address", async () => {
    const yaml = manifests(2000);
    const held = hold(t.url, "/api/lint", "127.0.0.1", { length: yaml.length, part: yaml.slice(0, 10) });
    // The SDK client connects from 127.0.0.1 too.
    const client = new Client({ name: "limits-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
    try {
      // Until the held lint is admitted, a call could slip in first: wait for the refusal.
      let r: CallToolResult | undefined;
      for (let i = 0; i < 100; i++) {
        r = (await client.callTool({ name: "lint_manifests", arguments: { yaml } })) as CallToolResult;
        if (r.isError) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(r!.isError).toBe(true);
      expect(JSON.stringify(r!.content)).toContain("at most 1 lint requests per client address");
      held.req.end(yaml.slice(10));
      expect((await held.response).res.statusCode).toBe(200);
      const after = (await client.callTool({
        name: "lint_manifests",
        arguments: { yaml },
      })) as CallToolResult;
      expect(after.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
