// `pitfall mcp` over stdio when the input is hostile or huge: garbage lines get -32700, an oversized message gets a
// JSON-RPC error with its id and the server keeps serving; `from` stays under the working directory and the folders
// on the command line (symlinks resolved), and a walk of `/` stops at --timeout.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineTransport, MAX_MESSAGE_BYTES } from "../../src/mcp/stdio-transport.js";
import { BIN } from "../support/cli.js";
import { BROKEN, writeFixtureDump } from "./fixture-dump.js";

interface Reply {
  jsonrpc: "2.0";
  id: string | number | null;
  error?: { code: number; message: string };
  result?: Record<string, unknown>;
}

/** A LineTransport on in-memory streams: what it passes on, and what it answers by itself. */
function transportOn(maxBytes: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const t = new LineTransport(input, output, maxBytes);
  const messages: JSONRPCMessage[] = [];
  const replies: Reply[] = [];
  let pending = "";
  output.on("data", (d) => {
    pending += String(d);
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
      replies.push(JSON.parse(pending.slice(0, nl)) as Reply);
      pending = pending.slice(nl + 1);
    }
  });
  t.onmessage = (m) => messages.push(m);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { t, input, messages, replies, settle };
}

describe("LineTransport", () => {
  it("answers garbage with -32700 and non-JSON-RPC with -32600, and passes the next message on", async () => {
    const { t, input, messages, replies, settle } = transportOn(1000);
    await t.start();
    input.write("this is not json\n");
    input.write('{"hello": 1}\n');
    input.write('{"jsonrpc":"2.0","id":3}\n');
    input.write('\n{"jsonrpc":"2.0","id":4,"method":"tools/list"}\r\n');
    await settle();
    expect(replies).toEqual([
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error: the line is not JSON (one JSON-RPC message per line)" },
      },
      {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "Invalid Request: not a JSON-RPC 2.0 message" },
      },
      {
        jsonrpc: "2.0",
        id: 3,
        error: { code: -32600, message: "Invalid Request: not a JSON-RPC 2.0 message" },
      },
    ]);
    expect(messages).toEqual([{ jsonrpc: "2.0", id: 4, method: "tools/list" }]);
  });

  it("an oversized line gets an error with its id (before or after the big part, split anywhere), then serving goes on", async () => {
    const { t, input, messages, replies, settle } = transportOn(200);
    await t.start();
    const big = "x".repeat(1000);
    const lines = [
      `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"lint_manifests","arguments":{"yaml":"${big}"}}}`,
      `{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"id":99,"yaml":"${big}, \\"id\\": 5}"}},"id":"req-8"}`,
      `{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"yaml":"${big}"}}}`,
    ];
    // Byte by byte for the second line: the id is found across chunk boundaries.
    input.write(`${lines[0]}\n`);
    for (const ch of `${lines[1]}\n`) input.write(ch);
    input.write(`${lines[2]}\n{"jsonrpc":"2.0","id":9,"method":"ping"}\n`);
    await settle();
    expect(replies.map((r) => [r.id, r.error?.code])).toEqual([
      [7, -32600],
      ["req-8", -32600],
      [null, -32600],
    ]);
    expect(replies[0]!.error!.message).toMatch(/^message larger than 200 bytes: not read\./);
    expect(messages).toEqual([{ jsonrpc: "2.0", id: 9, method: "ping" }]);
  });
});

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-mcp-stdio-"));
  writeFixtureDump(BROKEN, join(dir, "work", "dump"), new Date());
  mkdirSync(join(dir, "elsewhere"));
  writeFixtureDump(BROKEN, join(dir, "elsewhere", "dump"), new Date());
  // A link inside the working directory that leads out of it.
  symlinkSync(join(dir, "elsewhere"), join(dir, "work", "link-out"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spawnMcp(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, "mcp", ...args], {
    cwd: join(dir, "work"),
    env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Raw JSON-RPC over the child's stdio: write lines, wait for the reply with an id. */
function rawSession(child: ChildProcessWithoutNullStreams) {
  const replies: Reply[] = [];
  let pending = "";
  child.stdout.on("data", (d) => {
    pending += String(d);
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n")) {
      replies.push(JSON.parse(pending.slice(0, nl)) as Reply);
      pending = pending.slice(nl + 1);
    }
  });
  const waitFor = async (pick: (r: Reply) => boolean): Promise<Reply> => {
    for (;;) {
      const found = replies.find(pick);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`pitfall mcp exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { replies, waitFor, send: (line: string) => child.stdin.write(`${line}\n`) };
}

describe("pitfall mcp: hostile input on stdio", () => {
  it("garbage gets -32700, a message over 10 MiB gets an error with its id, and the server keeps serving", async () => {
    const child = spawnMcp(["--from", "dump"]);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const s = rawSession(child);
      s.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "raw", version: "1" },
          },
        }),
      );
      expect((await s.waitFor((r) => r.id === 1)).result).toBeDefined();
      s.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
      s.send("GET / HTTP/1.1");
      expect((await s.waitFor((r) => r.error?.code === -32700)).id).toBeNull();
      const yaml = "a".repeat(MAX_MESSAGE_BYTES + 1024 * 1024);
      s.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "lint_manifests", arguments: { yaml } },
        }),
      );
      const big = await s.waitFor((r) => r.id === 7);
      expect(big.error?.code).toBe(-32600);
      expect(big.error?.message).toContain(`message larger than ${MAX_MESSAGE_BYTES} bytes`);
      s.send('{"jsonrpc":"2.0","id":8,"method":"tools/list"}');
      const list = await s.waitFor((r) => r.id === 8);
      expect((list.result as { tools: unknown[] }).tools.length).toBeGreaterThan(5);
      expect(child.exitCode).toBeNull();
    } finally {
      child.stdin.end();
    }
    // Closing stdin is the one way to stop it.
    expect(await exited).toBe(0);
  });
});

async function connect(args: string[]) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp", ...args],
    cwd: join(dir, "work"),
    env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" },
    stderr: "pipe",
  });
  const client = new Client({ name: "pitfall-stdio-test", version: "1.0.0" });
  await client.connect(transport);
  const call = async (args: Record<string, unknown>) => {
    const r = (await client.callTool({ name: "scan", arguments: args })) as CallToolResult;
    return { ...r, text: r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n") };
  };
  return { client, call, close: () => client.close() };
}

describe("pitfall mcp: paths named by tools", () => {
  it("reads dumps under the working directory; / and a link leading out are refused; --allow-path opens a folder", async () => {
    const mcp = await connect([]);
    try {
      const inside = await mcp.call({ from: "dump", namespace: "ge-agents" });
      expect(inside.isError, inside.text).toBeFalsy();
      expect((inside.structuredContent as { total: number }).total).toBeGreaterThan(0);
      for (const from of ["/", "/etc", "../elsewhere/dump", "link-out/dump", join(dir, "elsewhere")]) {
        const r = await mcp.call({ from });
        expect(r.isError, from).toBe(true);
        expect(r.text, from).toContain(`\`from\` ${from} is outside the folders this server may read`);
        expect(r.text, from).toContain("--allow-path <folder>");
      }
      // Missing paths are told apart only inside the allowed folders.
      expect((await mcp.call({ from: "no-such-dump" })).text).toBe("no such file or folder: no-such-dump");
      expect((await mcp.call({ from: "/no/such/dump" })).text).toContain("is outside the folders");
    } finally {
      await mcp.close();
    }
    const allowed = await connect(["--allow-path", "../elsewhere"]);
    try {
      const r = await allowed.call({ from: "link-out/dump", namespace: "ge-agents" });
      expect(r.isError, r.text).toBeFalsy();
    } finally {
      await allowed.close();
    }
  });

  it("a walk of / answers within --timeout with an error that says what to do", async () => {
    const mcp = await connect(["--allow-path", "/", "--timeout", "2s"]);
    try {
      const r = await mcp.call({ from: "/" });
      expect(r.isError).toBe(true);
      expect(r.text).toBe(
        "reading the dump took longer than the server's --timeout (2s) and was stopped: name a smaller folder (kubectl get -o json files, a dump), not a whole disk, or start pitfall mcp with a longer --timeout",
      );
    } finally {
      await mcp.close();
    }
  });
});

describe("pitfall mcp --read-only", () => {
  it("does not list add_pitfall (nor can it be called), even with a --page", async () => {
    const page = join(dir, "page.md");
    copyFileSync("test/fixtures/pages/team-page.md", page);
    const before = readFileSync(page, "utf8");
    const ro = await connect(["--from", "dump", "--read-only", "--page", page]);
    try {
      const names = (await ro.client.listTools()).tools.map((t) => t.name);
      expect(names).toHaveLength(10);
      expect(names).not.toContain("add_pitfall");
      const entry =
        "Disk Full\n\nSeverity: LOW\nZone: ALL\n\nFIX: clean up\n\nADDED_FROM: ops-1, disk filled\n";
      const r = (await ro.client.callTool({ name: "add_pitfall", arguments: { entry } })) as CallToolResult;
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toContain("add_pitfall not found");
      expect(readFileSync(page, "utf8")).toBe(before);
    } finally {
      await ro.close();
    }
  });
});
