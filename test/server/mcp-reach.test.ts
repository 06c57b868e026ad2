// /mcp reaches only what the server was started with: without the token, another Redis URL or another kube context
// is refused before anything is contacted; with it, the server's Redis password still goes only to its own Redis.
// Real sockets: two simulators behind one kubeconfig, a real redis-server with requirepass, and a bare listener
// standing for "someone else's port" that records every connection and byte.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { type PitfallServer, startServer } from "../../src/server/app.js";
import { scanFeed } from "../../src/server/feeds.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { writeKubeconfig } from "../sim/kubeconfig.js";
import { seedStreams } from "../streams/fixture.js";
import {
  freePort,
  type RedisServer,
  client as redisClient,
  redisAvailable,
  startRedis,
} from "../support/redis.js";
import { BROKEN, waitReady } from "./support.js";

const TOKEN = "reach-token-for-tests";
const PASSWORD = "the-servers-own-redis-pw";
const CRASHING = "dolly-orchestrator-5d8c7b9f6d-q7xkz";

/** A port someone else owns: counts connections and keeps what they send, answers nothing. */
interface Listener {
  port: number;
  connections: number;
  received(): string;
  close(): Promise<void>;
}

async function recordingListener(): Promise<Listener> {
  const sockets = new Set<Socket>();
  let data = "";
  const l = {
    port: 0,
    connections: 0,
    received: () => data,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    l.connections++;
    sockets.add(socket);
    socket.on("data", (d) => {
      data += String(d);
      // Not Redis: close after the first bytes, as a random service would.
      socket.destroy();
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  l.port = (server.address() as { port: number }).port;
  return l;
}

let dir: string;
let staging: Sim;
let prod: Sim;
let redis: RedisServer | undefined;
let listener: Listener;
let server: PitfallServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-reach-"));
  [staging, prod] = await Promise.all([
    startSimulator({ cluster: BROKEN }),
    startSimulator({ cluster: BROKEN }),
  ]);
  const kubeconfig = writeKubeconfig(join(dir, "kubeconfig"), [
    staging.kubeconfigEntry("staging"),
    prod.kubeconfigEntry("prod"),
  ]);
  if (redisAvailable()) {
    redis = await startRedis({ password: PASSWORD });
    const r = redisClient(redis);
    await seedStreams(r);
    r.disconnect();
  }
  listener = await recordingListener();
  const loadKb = () => loadKnowledgeBase({ cwd: process.cwd() });
  const kb = await loadKb();
  const config = defaultConfig();
  const live = { contexts: ["staging"], kubeconfig, cwd: dir };
  server = await startServer({
    port: 0,
    kb,
    config,
    feed: scanFeed({ request: { kb, config, cwd: dir, live }, intervalMs: 0 }),
    token: TOKEN,
    version: "test",
    processMetrics: false,
    mcp: {
      cwd: dir,
      config,
      loadKb,
      target: { contexts: ["staging"], kubeconfig, timeoutMs: 10_000 },
      redis: {
        ...(redis ? { url: redis.url } : {}),
        password: PASSWORD,
        timeoutMs: 2000,
        idleMs: 300_000,
        maxDeliveries: 5,
      },
      pathRoots: [],
      version: "test",
    },
  });
  await waitReady(server.url);
});
afterAll(async () => {
  await server?.close();
  await Promise.all([staging?.close(), prod?.close(), listener?.close(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  name: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<CallToolResult & { text: string }> {
  const client = new Client({ name: "reach-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }),
  );
  try {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return { ...r, text: r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n") };
  } finally {
    await client.close();
  }
}
const withToken = { Authorization: `Bearer ${TOKEN}` };

describe("/mcp check_streams: only the server's own Redis without the token", () => {
  it("refuses a foreign URL without the token: the listener gets no connection, and a closed port reads the same", async () => {
    const open = await call("check_streams", { url: `redis://127.0.0.1:${listener.port}` });
    const closedPort = await freePort();
    const closed = await call("check_streams", { url: `redis://127.0.0.1:${closedPort}` });
    const unroutable = await call("check_streams", { url: "redis://10.255.255.1:6379" });
    expect(open.isError).toBe(true);
    expect(open.text).toContain(
      "without the server's token, check_streams reads only the server's own Redis",
    );
    expect(open.text).toContain("Nothing was contacted");
    // Nothing tells an open port from a closed or unroutable one: the port-scanner hole is shut.
    expect(closed.text).toBe(open.text);
    expect(unroutable.text).toBe(open.text);
    expect(listener.connections).toBe(0);
    expect(JSON.stringify([open, closed, unroutable])).not.toContain(PASSWORD);
  });

  it.runIf(redisAvailable())(
    "reads the configured Redis (requirepass) with the server's password, with or without naming its URL",
    async () => {
      for (const args of [{}, { url: redis!.url }]) {
        const r = await call("check_streams", { ...args, streams: "triggers.*" });
        expect(r.isError, r.text).toBeFalsy();
        expect(r.text).toMatch(/triggers\.alpha \/ ge-executor-group: \d+ pending/);
        expect(r.text).toContain("executor-old-1");
        expect(JSON.stringify(r)).not.toContain(PASSWORD);
      }
    },
  );

  it("with the token, a foreign Redis is contacted, but never with the server's password", async () => {
    const before = listener.connections;
    const r = await call("check_streams", { url: `redis://127.0.0.1:${listener.port}` }, withToken);
    expect(r.isError).toBe(true);
    expect(listener.connections).toBeGreaterThan(before);
    expect(listener.received().length).toBeGreaterThan(0);
    expect(listener.received()).not.toContain(PASSWORD);
    expect(listener.received().toUpperCase()).not.toContain("AUTH");
    expect(r.text).not.toContain(PASSWORD);
  });
});

describe("/mcp cluster tools: only the server's own contexts without the token", () => {
  const prodPaths = () => prod.requests.map((q) => q.path);

  it("refuses scan, explain and upgrade_check of another context; that cluster receives no request", async () => {
    expect(prod.requests).toHaveLength(0);
    const scan = await call("scan", { context: "prod", namespace: "ge-agents" });
    const explain = await call("explain", {
      context: "prod",
      kind: "pod",
      namespace: "ge-agents",
      name: CRASHING,
    });
    const upgrade = await call("upgrade_check", { context: "prod", to: "1.34" });
    for (const r of [scan, explain, upgrade]) {
      expect(r.isError).toBe(true);
      expect(r.text).toBe(
        "without the server's token, the cluster tools read only its own context (staging): leave out `context`, or send the server's bearer token (Authorization: Bearer <token>). Nothing was contacted.",
      );
    }
    expect(prodPaths()).toEqual([]);
  });

  it("reads its own context, named or not, without the token", async () => {
    const before = staging.requests.length;
    for (const args of [{}, { context: "staging" }]) {
      const r = await call("scan", { ...args, namespace: "ge-agents" });
      expect(r.isError, r.text).toBeFalsy();
      expect(r.text).toMatch(/^cluster staging namespace ge-agents: \d+ objects/m);
      expect(r.text).toContain(`RUN: kubectl logs ${CRASHING} -n ge-agents --previous`);
    }
    expect(staging.requests.length).toBeGreaterThan(before);
    expect(prodPaths()).toEqual([]);
  });

  it("with the token, scans the other context", async () => {
    const r = await call("scan", { context: "prod", namespace: "ge-agents" }, withToken);
    expect(r.isError, r.text).toBeFalsy();
    expect(r.text).toMatch(/^cluster prod namespace ge-agents: \d+ objects/m);
    expect(prodPaths()).toContain("/api/v1/namespaces/ge-agents/pods");
  });

  it("a wrong token is refused before any tool runs", async () => {
    const before = prod.requests.length;
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        Authorization: "Bearer not-the-token",
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "scan", arguments: { context: "prod" } },
      }),
    });
    expect(res.status).toBe(403);
    expect(prod.requests.length).toBe(before);
  });
});
