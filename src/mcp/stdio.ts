// `pitfall mcp`: the server over stdio. Stdout carries only protocol messages.
import type { Readable, Writable } from "node:stream";
import { toolContext } from "./context.js";
import type { McpDeps } from "./deps.js";
import { createMcpServer } from "./server.js";
import { LineTransport } from "./stdio-transport.js";

/**
 * Serves until the client closes stdin (or the transport fails); resolves then. The client is the user's own
 * agent, so it is trusted: other contexts and Redis servers, and paths under the allowed folders.
 */
export async function serveStdio(
  deps: McpDeps,
  streams: { stdin: Readable; stdout: Writable },
  opts: { maxMessageBytes?: number } = {},
): Promise<void> {
  const server = createMcpServer(toolContext(deps, { trusted: true, transport: "stdio" }));
  const transport = new LineTransport(streams.stdin, streams.stdout, opts.maxMessageBytes);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
