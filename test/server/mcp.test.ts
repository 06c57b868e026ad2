// MCP mounted at /mcp under serve: read-only tools for anyone; add_pitfall writes the page only with the token.
import { readFileSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testMcpDeps, waitReady, withMcpClient } from "./support.js";

const TOKEN = "mcp-token-for-tests";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    server: {
      token: TOKEN,
      mcp: testMcpDeps(),
    },
  });
  await waitReady(t.url);
});
afterAll(async () => {
  await t.close();
});

const withClient = <T>(headers: Record<string, string>, fn: (c: Client) => Promise<T>) =>
  withMcpClient(t.url, headers, fn);

const ENTRY = {
  title: "Finalizer Blocks Namespace Deletion",
  severity: "MEDIUM",
  zone: "ALL",
  steps: [
    { kind: "IF", text: "a namespace stays in Terminating" },
    { kind: "RUN", text: "kubectl get namespace {namespace} -o json" },
  ],
  added_from: "cleanup-2026-04, a namespace hung for a day",
};

describe("serve: /mcp", () => {
  it("serves the read-only tools without a token", async () => {
    const names = await withClient({}, async (c) => (await c.listTools()).tools.map((x) => x.name));
    expect(names).toContain("search_pitfalls");
    const r = (await withClient({}, (c) =>
      c.callTool({ name: "search_pitfalls", arguments: { query: "exit code 137" } }),
    )) as CallToolResult;
    expect((r.structuredContent as { hits: { id: string }[] }).hits[0]!.id).toBe("oomkilled");
  });

  it("refuses add_pitfall without the token, and a wrong token outright", async () => {
    const r = (await withClient({}, (c) =>
      c.callTool({ name: "add_pitfall", arguments: ENTRY }),
    )) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(readFileSync(t.page, "utf8")).not.toContain(ENTRY.title);
    const wrong = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: {
        Authorization: "Bearer nope",
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(wrong.status).toBe(403);
  });

  it("adds the pitfall to the page with the token", async () => {
    const r = (await withClient({ Authorization: `Bearer ${TOKEN}` }, (c) =>
      c.callTool({ name: "add_pitfall", arguments: ENTRY }),
    )) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(readFileSync(t.page, "utf8")).toContain(ENTRY.title);
  });
});
