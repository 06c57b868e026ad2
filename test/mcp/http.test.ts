// The HTTP handler `serve` mounts at /mcp: the SDK's Streamable HTTP client against a real node:http server.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { mcpHttpHandler } from "../../src/mcp/http.js";
import { BROKEN, writeFixtureDump } from "./fixture-dump.js";

let dir: string;
let server: Server;
let url: string;
let loads = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-mcp-http-"));
  const dump = writeFixtureDump(BROKEN, join(dir, "dump"), new Date());
  const handler = mcpHttpHandler({
    cwd: process.cwd(),
    config: defaultConfig(),
    loadKb: () => {
      loads++;
      return loadKnowledgeBase({ cwd: process.cwd() });
    },
    target: { from: [dump] },
    redis: { timeoutMs: 2000, idleMs: 300_000, maxDeliveries: 5 },
    pathRoots: [],
    version: "test",
  });
  server = createServer((req, res) => {
    if (req.url === "/mcp") void handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "pitfall-http-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe("mcpHttpHandler (stateless)", () => {
  it("serves the tools; calls from separate clients share the loaded pages", async () => {
    const names = await withClient(async (c) => (await c.listTools()).tools.map((t) => t.name));
    expect(names).toContain("scan");
    expect(names).toHaveLength(11);
    const r = (await withClient((c) =>
      c.callTool({ name: "search_pitfalls", arguments: { query: "exit code 137" } }),
    )) as CallToolResult;
    expect((r.structuredContent as { hits: { id: string }[] }).hits[0]!.id).toBe("oomkilled");
    const s = (await withClient((c) =>
      c.callTool({ name: "scan", arguments: { namespace: "ge-agents" } }),
    )) as CallToolResult;
    expect(JSON.stringify(s.content)).toContain(
      "kubectl logs dolly-orchestrator-5d8c7b9f6d-q7xkz -n ge-agents --previous",
    );
    expect(loads).toBe(1);
  });

  it("does not read files named by tools for a caller without the server's token", async () => {
    const r = (await withClient((c) =>
      c.callTool({ name: "scan", arguments: { from: "/etc" } }),
    )) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain(
      "this server reads files named by tools only for callers with its token",
    );
  });

  it("GET (no sessions, no event stream) is 405", async () => {
    const res = await fetch(url, { headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
