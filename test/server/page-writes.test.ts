// POST /api/pitfalls and MCP add_pitfall share kb add's checks: no injected lines, no DETECT that flags
// everything, no write to a read-only page. Each refusal leaves the page byte for byte as it was.
import { chmodSync, readFileSync, statSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, testMcpDeps, waitReady } from "./support.js";

const TOKEN = "page-writes-token";
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
beforeEach(() => {
  chmodSync(t.page, 0o644);
});

const FIELDS = {
  title: "Webhook Timeouts",
  severity: "HIGH",
  zone: "ALL",
  steps: [
    { kind: "IF", text: "kubectl apply hangs" },
    { kind: "RUN", text: "kubectl get validatingwebhookconfigurations" },
  ],
};

async function post(body: unknown, contentType = "application/json") {
  const r = await fetch(`${t.url}/api/pitfalls`, {
    method: "POST",
    headers: { "Content-Type": contentType, Authorization: `Bearer ${TOKEN}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { error?: string; diagnostics?: { code: string }[] } };
}

async function addPitfall(args: Record<string, unknown>): Promise<CallToolResult> {
  const client = new Client({ name: "page-writes-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
    }),
  );
  try {
    return (await client.callTool({ name: "add_pitfall", arguments: args })) as CallToolResult;
  } finally {
    await client.close();
  }
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

/** Runs a write and checks that the page did not change by a single byte. */
async function unchanged<T>(write: () => Promise<T>): Promise<T> {
  const before = readFileSync(t.page);
  const result = await write();
  expect(readFileSync(t.page).equals(before)).toBe(true);
  return result;
}

const ENTRY_WITH = (detect: string) =>
  `Webhook Timeouts\n\nSeverity: HIGH\nZone: ALL\n\nIF: apply hangs\nTHEN: look\n\nADDED_FROM: d-1, x\n\nDETECT: ${detect}\n`;

describe("POST /api/pitfalls refuses what would break the page", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["title", { title: "Webhook Timeouts\nID: crashloopbackoff" }, /title: a line break/],
    ["zone", { zone: "ALL\nDETECT: true" }, /zone: a line break/],
    ["severity", { severity: "HIGH\nDETECT: true" }, /severity: a line break/],
    ["id", { id: "webhook\nID: oomkilled" }, /id: a line break/],
    ["addedFrom", { addedFrom: "d-1, x\nDETECT: true" }, /added-from: a line break/],
    ["a step", { steps: [{ kind: "IF", text: "hangs\nDETECT: true" }] }, /step 1 \(IF\): a line break/],
    ["detect", { detect: "object.kind == 'Pod'\rDETECT: true" }, /detect: a line break/],
  ];
  for (const [field, over, message] of cases)
    it(`a newline in ${field}: 422, page unchanged`, async () => {
      const r = await unchanged(() => post({ ...FIELDS, addedFrom: "d-1, x", ...over }));
      expect(r.status).toBe(422);
      expect(r.json.error).toMatch(message);
    });

  for (const detect of ["true", "1 == 1"])
    it(`DETECT: ${detect} as a field and in an entry: 422, page unchanged`, async () => {
      const asField = await unchanged(() => post({ ...FIELDS, addedFrom: "d-1, x", detect }));
      expect(asField.status).toBe(422);
      expect(asField.json.diagnostics?.map((d) => d.code)).toContain("detect-constant");
      const asEntry = await unchanged(() => post(ENTRY_WITH(detect), "text/plain"));
      expect(asEntry.status).toBe(422);
    });

  it("a 0444 page is refused and stays 0444; a fine entry is then written", async () => {
    chmodSync(t.page, 0o444);
    const r = await unchanged(() => post({ ...FIELDS, addedFrom: "d-1, x" }));
    expect(r.status).toBe(422);
    expect(r.json.error).toMatch(/read-only \(mode 0444\)/);
    expect(statSync(t.page).mode & 0o777).toBe(0o444);
    chmodSync(t.page, 0o640);
    expect((await post({ ...FIELDS, title: "Webhook Timeouts Over HTTP", addedFrom: "d-1, x" })).status).toBe(
      201,
    );
    expect(statSync(t.page).mode & 0o777).toBe(0o640);
  });
});

describe("MCP add_pitfall refuses what would break the page", () => {
  const base = { ...FIELDS, added_from: "d-1, x" };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["title", { title: "Webhook Timeouts\nID: crashloopbackoff" }, /title: a line break/],
    ["zone", { zone: "ALL\nDETECT: true" }, /zone: a line break/],
    ["added_from", { added_from: "d-1, x\nDETECT: true" }, /added-from: a line break/],
    [
      "a step",
      { steps: [{ kind: "THEN", text: "look\u2028ID: oomkilled" }] },
      /step 1 \(THEN\): a line break/,
    ],
    ["text", { text: "Webhooks hang.\nDETECT: true" }, /text: line 2 would be read as a `DETECT:` line/],
  ];
  for (const [field, over, message] of cases)
    it(`a newline in ${field}: a tool error, page unchanged`, async () => {
      const r = await unchanged(() => addPitfall({ ...base, ...over }));
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(message);
      expect(textOf(r)).toContain("nothing was written");
    });

  for (const detect of ["true", "1 == 1"])
    it(`DETECT: ${detect} as a field and in an entry: a tool error, page unchanged`, async () => {
      const asField = await unchanged(() => addPitfall({ ...base, detect: [detect] }));
      expect(asField.isError).toBe(true);
      expect(textOf(asField)).toMatch(/reads nothing of `object`/);
      const asEntry = await unchanged(() => addPitfall({ entry: ENTRY_WITH(detect) }));
      expect(asEntry.isError).toBe(true);
    });

  it("a 0444 page is refused and stays 0444", async () => {
    chmodSync(t.page, 0o444);
    const r = await unchanged(() => addPitfall(base));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/read-only \(mode 0444\)/);
    expect(statSync(t.page).mode & 0o777).toBe(0o444);
  });
});
