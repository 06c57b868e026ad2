// `pitfall mcp`: the server over stdio. Stdout carries only protocol messages.
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { McpDeps } from "./deps.js";
import { createMcpServer } from "./server.js";

/** Serves until the client closes stdin (or the transport fails); resolves then. */
export async function serveStdio(
  deps: McpDeps,
  streams: { stdin: Readable; stdout: Writable },
): Promise<void> {
  const server = createMcpServer(deps);
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    streams.stdin.once("end", () => resolve());
    streams.stdin.once("close", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
