// MCP over Streamable HTTP for `pitfall serve` (mounted at /mcp): stateless, one server and transport per request.
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { forCaller, toolContext } from "./context.js";
import type { McpCaller, McpDeps } from "./deps.js";
import { createMcpServer } from "./server.js";

/** What the HTTP server knows about the request: whether it carried the right token, the client's queue. */
export type HttpCaller = Omit<McpCaller, "transport">;

export type McpHttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  parsedBody?: unknown,
  caller?: HttpCaller,
) => Promise<void>;

/**
 * A node (req, res) handler. POST carries JSON-RPC; GET and DELETE get 405 (no sessions, no server-sent stream).
 * Pass `parsedBody` when the caller has read the body already, and `caller.trusted` only when the request
 * carried the server's token: without it the tools reach only the server's own targets and write nothing.
 */
export function mcpHttpHandler(deps: McpDeps): McpHttpHandler {
  // The pages are loaded once and shared by the per-request servers.
  const shared = toolContext(deps, { trusted: false, transport: "http" });
  return async (req, res, parsedBody, caller = { trusted: false }) => {
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "application/json", allow: "POST" }).end(
        JSON.stringify({
          jsonrpc: "2.0",
          error: {
            code: -32000,
            message: "Method not allowed: this MCP endpoint is stateless; POST JSON-RPC to it",
          },
          id: null,
        }),
      );
      return;
    }
    const server = createMcpServer(forCaller(shared, { ...caller, transport: "http" }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, parsedBody);
  };
}
