// Tool results: concise text for the agent plus the same facts as JSON; errors say what to do next.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { redact, redactDeep } from "../model/redact.js";

/** A problem the agent can fix by calling differently; the message says how. */
export class ToolInputError extends Error {
  override name = "ToolInputError";
}

/** The server is busy with other callers' heavy work; the message says when to try again. */
export class ToolBusyError extends ToolInputError {
  override name = "ToolBusyError";
}

/** The text and the structured facts are both redacted: an agent's transcript is an output like any other. */
export function toolResult(text: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: redact(text) }],
    ...(structured ? { structuredContent: redactDeep(structured) } : {}),
  };
}

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: redact(message) }], isError: true };
}

/** Runs a tool body; known failures become tool errors that say what to check, never a protocol error. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (e) {
    return toolError(await describeFailure(e));
  }
}

async function describeFailure(e: unknown): Promise<string> {
  if (e instanceof ToolInputError) return e.message;
  const { KubeConfigError } = await import("../sources/kubeconfig.js");
  if (e instanceof KubeConfigError)
    return `${e.message}. Pass one of the listed contexts as \`context\`, or start the server with --kubeconfig/--context.`;
  const { KubeApiError } = await import("../sources/kube-api.js");
  if (e instanceof KubeApiError)
    return `${e.kind === "http" ? "the Kubernetes API answered" : "cannot reach the Kubernetes API"}: ${e.describe()}. Check that the cluster is reachable and the credentials may list this.`;
  const { RedisConnectError } = await import("../sources/redis.js");
  if (e instanceof RedisConnectError)
    return `${e.message}. Check the Redis URL (host, port; the page's Redis listens on 6381) and that the server has REDIS_PASSWORD set when Redis needs one.`;
  const { ObjectNotFoundError } = await import("../service/explain.js");
  if (e instanceof ObjectNotFoundError)
    return `${e.message}. Call scan (or explain with a listed name) to see what exists.`;
  const { ObjectRefError } = await import("../service/object-ref.js");
  if (e instanceof ObjectRefError) return e.message;
  const { UpgradeTargetError } = await import("../service/upgrade-check.js");
  if (e instanceof UpgradeTargetError) return e.message;
  if (e instanceof RangeError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT" && err.path) return `no such file: ${err.path}`;
  return `the tool failed: ${err?.message ?? String(e)}`;
}
