// --read-only: the route and the tool that write are gone (not refused), even for a caller with the token.
import { readFileSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testMcpDeps, waitReady, withMcpClient } from "./support.js";

const TOKEN = "read-only-token";
const withToken = { Authorization: `Bearer ${TOKEN}` };
const ENTRY =
  "Sidecar Eats Memory\n\nSeverity: LOW\nZone: ALL\n\nFIX: give the sidecar its own limits\n\nADDED_FROM: mesh-2026-04, the proxy grew to 2Gi\n";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({
    server: {
      token: TOKEN,
      readOnly: true,
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

describe("serve --read-only", () => {
  it("tools/list has no add_pitfall, with or without the token; calling it finds no such tool", async () => {
    for (const headers of [{}, withToken]) {
      const names = await withClient(headers, async (c) => (await c.listTools()).tools.map((x) => x.name));
      expect(names).toContain("search_pitfalls");
      expect(names).not.toContain("add_pitfall");
      expect(names).toHaveLength(10);
    }
    const before = readFileSync(t.page, "utf8");
    const r = (await withClient(withToken, (c) =>
      c.callTool({ name: "add_pitfall", arguments: { entry: ENTRY } }),
    )) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain("add_pitfall not found");
    expect(readFileSync(t.page, "utf8")).toBe(before);
  });

  it("POST /api/pitfalls is 405 even with the token; GET still lists; the page is unchanged", async () => {
    const before = readFileSync(t.page, "utf8");
    const r = await fetch(`${t.url}/api/pitfalls`, { method: "POST", body: ENTRY, headers: withToken });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET");
    expect(readFileSync(t.page, "utf8")).toBe(before);
    expect((await fetch(`${t.url}/api/pitfalls`)).status).toBe(200);
  });
});
