// The MCP server: the pitfall tools registered on one McpServer. Transports (stdio, HTTP) live beside it.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolContext } from "./context.js";
import { registerClusterTools } from "./tools-cluster.js";
import { registerGuardTool } from "./tools-guard.js";
import { registerKbTools } from "./tools-kb.js";
import { registerLintTool } from "./tools-lint.js";
import { registerStreamsTool } from "./tools-streams.js";

const INSTRUCTIONS = `pitfall: the team's Kubernetes pitfalls page, executable.
When a Kubernetes problem shows up, search_pitfalls with the symptom first; show_pitfall gives the runbook.
scan finds known pitfalls in a cluster (or a namespace) with RUN commands already filled in; explain tells one object's story.
lint_manifests checks YAML before it is applied; upgrade_check before a k3s upgrade; check_streams for Redis Streams.
check_command before running a kubectl or redis-cli command that changes something: do not run one it matches.`;
const ADD = "\nWhen you hit a new pitfall that is not on the page, add it with add_pitfall.";

/** A server with every tool the deps allow (--read-only leaves out add_pitfall), for the context's caller. */
export function createMcpServer(ctx: ToolContext): McpServer {
  const { deps } = ctx;
  const server = new McpServer(
    { name: "pitfall", version: deps.version },
    { instructions: INSTRUCTIONS + (deps.readOnly ? "" : ADD) },
  );
  registerKbTools(server, ctx);
  registerClusterTools(server, ctx);
  registerLintTool(server, ctx);
  registerStreamsTool(server, ctx);
  registerGuardTool(server, ctx);
  return server;
}
