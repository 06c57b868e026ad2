// MCP draft_pitfall, called by the SDK client over `serve`'s /mcp: read-only (offered by a --read-only server too),
// it reads only the server's own target without the token (like scan), drafts the example dump's unexplained failure,
// and closes the loop with add_pitfall: once the draft is on the page, the failure is no longer unexplained.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { type PitfallServer, startServer } from "../../src/server/app.js";
import { scanFeed } from "../../src/server/feeds.js";
import { testMcpDeps, waitReady, withMcpClient } from "../server/support.js";

const TOKEN = "draft-token-for-tests";
const DUMP = "examples/dump";
const POD = "ge-agents/ge-thumbnailer-7d4b9c6f8e-k2v9p";

let dir: string;
let page: string;
let server: PitfallServer;
let readOnly: PitfallServer;

async function start(opts: { readOnly?: boolean }): Promise<PitfallServer> {
  const loadKb = () => loadKnowledgeBase({ cwd: process.cwd(), paths: [page] });
  const kb = await loadKb();
  const config = defaultConfig();
  const s = await startServer({
    port: 0,
    kb,
    loadKb,
    config,
    feed: scanFeed({ request: { kb, config, cwd: process.cwd(), from: [DUMP] }, intervalMs: 0 }),
    page,
    token: TOKEN,
    version: "test",
    ...(opts.readOnly ? { readOnly: true } : {}),
    mcp: {
      ...testMcpDeps(),
      loadKb,
      target: { from: [DUMP] },
      page,
      ...(opts.readOnly ? { readOnly: true } : {}),
    },
  });
  await waitReady(s.url);
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-mcp-draft-"));
  page = join(dir, "team-page.md");
  copyFileSync("test/fixtures/pages/team-page.md", page);
  server = await start({});
  readOnly = await start({ readOnly: true });
});
afterAll(async () => {
  await server?.close();
  await readOnly?.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(url: string, args: Record<string, unknown>, token = false, name = "draft_pitfall") {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${TOKEN}` } : {};
  return withMcpClient(url, headers, (c) => c.callTool({ name, arguments: args })) as Promise<CallToolResult>;
}

function textOf(r: CallToolResult): string {
  return r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
}

interface DraftJson {
  action: string;
  draft?: { id: string; markdown: string; detect?: string; severity: string };
  record?: { id: string };
}

describe("MCP draft_pitfall", () => {
  it("is offered as read-only, also by a --read-only server (which has no add_pitfall)", async () => {
    for (const s of [server, readOnly]) {
      const tools = await withMcpClient(s.url, {}, async (c) => (await c.listTools()).tools);
      const draft = tools.find((t) => t.name === "draft_pitfall");
      expect(draft?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(tools.some((t) => t.name === "add_pitfall")).toBe(s === server);
    }
  });

  it("without the token reads only the server's own dump: a `from` or another context is refused", async () => {
    const other = await call(server.url, { index: 1, from: DUMP });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("bearer token");
    const context = await call(server.url, { index: 1, context: "prod" });
    expect(context.isError).toBe(true);
    expect(textOf(context)).toContain("this server reads the dump");
  });

  it("drafts the example dump's failure; add_pitfall (with the token) puts it on the page; then it is explained", async () => {
    const byPod = await call(readOnly.url, { pod: POD });
    expect(byPod.isError, textOf(byPod)).toBeFalsy();
    const r = await call(server.url, { index: 1 });
    expect(r.isError, textOf(r)).toBeFalsy();
    const json = r.structuredContent as unknown as DraftJson;
    expect(json.action).toBe("draft");
    expect(json.draft!.id).toBe("crashloopbackoff-in-ge-thumbnailer-exec-format-error");
    expect(json.draft!.detect).toBeTruthy();
    expect((byPod.structuredContent as unknown as DraftJson).draft!.markdown).toBe(json.draft!.markdown);
    expect(textOf(r)).toContain("no pitfall explains it");
    expect(textOf(r)).toContain(json.draft!.markdown);
    const before = readFileSync(page, "utf8");
    expect(before).toBe(readFileSync("test/fixtures/pages/team-page.md", "utf8"));

    // The same failure given whole (as scan's structured content has it): nothing is read, the same entry.
    const scan = await call(server.url, { namespace: "ge-agents" }, false, "scan");
    const failure = (scan.structuredContent as { unexplained: unknown[] }).unexplained[0];
    const given = await call(server.url, { failure });
    expect((given.structuredContent as unknown as DraftJson).draft!.markdown).toBe(json.draft!.markdown);

    const add = await call(server.url, { entry: json.draft!.markdown }, true, "add_pitfall");
    expect(add.isError, textOf(add)).toBeFalsy();
    expect(textOf(add)).toContain(`added ${json.draft!.id}`);
    expect(pitfallsOf(parsePage(readFileSync(page, "utf8"), page)).map((p) => p.id)).toContain(
      json.draft!.id,
    );

    // The page changed: the failure is explained now, by scan and by draft_pitfall.
    const again = await call(server.url, { index: 1 });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain("lists no unexplained failure: nothing to draft");
    const record = await call(server.url, { failure });
    expect((record.structuredContent as unknown as DraftJson).record?.id).toBe(json.draft!.id);
  });

  it("says what to give when the arguments do not pick one failure", async () => {
    const none = await call(server.url, {});
    expect(none.isError).toBe(true);
    expect(textOf(none)).toContain("give one of failure");
    const bad = await call(server.url, { pod: "no-namespace" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain("'namespace/name'");
  });
});
