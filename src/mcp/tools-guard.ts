// check_command: is a command about to repeat a pitfall of the page? Read-only. Over HTTP without the server's token
// it consults only the server's own cluster and Redis, and reads no file the command names.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { CommandValue } from "../sources/command.js";
import type { ToolContext } from "./context.js";
import { toolPath } from "./paths.js";
import { guarded, ToolInputError, toolResult } from "./result.js";
import { contextOf } from "./target.js";

const DEFAULT_TIMEOUT_MS = 10_000;

export function registerGuardTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "check_command",
    {
      title: "Command: Check before running",
      description:
        "Check a shell command BEFORE running it: does it repeat an anti-pattern of the team's pitfalls page (kubectl cp of .py files into a pod, raising the memory limit of a workload that was OOMKilled, hostNetwork: true in a patch, imagePullPolicy: Always in zone 1, XACK/XDEL by hand on a stream whose entries belong to a dead consumer, manifests that kubectl apply would apply)? Pipelines, && chains, sh -c and kubectl exec … -- are followed. Returns verdict (fine | match | unchecked), each matched pitfall with why and what to do instead (FIX/RUN lines filled in), and what could not be checked. Do not run a command whose verdict is match as it is. Read-only: it may read the cluster and Redis, never changes them. Over HTTP (pitfall serve /mcp) without the server's token it consults only the server's own cluster and Redis and reads no file the command names.",
      inputSchema: {
        command: z.string().min(1).max(20_000).describe("The command line as it would be typed in a shell"),
        zone: z
          .string()
          .max(20)
          .optional()
          .describe("The zone the command acts on: '1' (k3s), '2', '3' (default: the server's)"),
      },
      annotations: {
        title: "Command: Check before running",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    ({ command, zone }) =>
      guarded(async () => {
        const { deps } = ctx;
        const kb = await ctx.kb();
        const { parseCommandLine } = await import("../sources/command.js");
        const aliases = deps.config.guard?.aliases;
        const preview = await parseCommandLine(command, { cwd: deps.cwd, ...(aliases ? { aliases } : {}) });
        const readFiles = await filesReadable(ctx, preview.commands);
        const { guardCommand } = await import("../service/guard.js");
        const t = deps.target;
        const timeoutMs = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        const { kubeAccessOf } = await import("../sources/kubeconfig.js");
        const access = { cwd: deps.cwd, ...kubeAccessOf(t) };
        const result = await guardCommand({
          kb,
          config: deps.config,
          cwd: deps.cwd,
          line: command,
          readFiles: readFiles.ok,
          lintApplied: true,
          ...(zone || deps.zone ? { zone: zone || deps.zone } : {}),
          ...(t.contexts?.[0] ? { context: t.contexts[0] } : {}),
          kubeconfig: access,
          target: async (c) => {
            const { FactError, readTargetFacts } = await import("../service/guard-facts.js");
            if (t.from?.length) throw new FactError("this server reads a dump, not a cluster");
            // Only the server's own contexts without its token; never a kubeconfig the command names.
            let context: string | undefined;
            try {
              context = await contextOf(ctx, c.context ? { context: c.context } : {});
            } catch (e) {
              if (e instanceof ToolInputError) throw new FactError(e.message);
              throw e;
            }
            return readTargetFacts(
              { ...c, context: context ?? "" },
              { ...access, ...(context ? { context } : {}) },
              timeoutMs,
            );
          },
          stream: async (c) => {
            const { readStreamFacts } = await import("../service/guard-facts.js");
            return readStreamFacts(c, {
              redis: deps.redis,
              ...(deps.config.redis ? { config: deps.config.redis } : {}),
              defaultPort: deps.config.expect.redisPort,
              otherServers: ctx.caller.trusted,
            });
          },
        });
        if (!readFiles.ok && readFiles.why) result.notes.push({ command, message: readFiles.why });
        const { formatGuardText, guardJson } = await import("../report/guard.js");
        return toolResult(
          formatGuardText(result, kb, (_s, text) => text),
          guardJson(result),
        );
      }),
  );
}

/** Files the command names may be read when the caller may name paths and every one lies under the allowed roots. */
async function filesReadable(
  ctx: ToolContext,
  commands: CommandValue[],
): Promise<{ ok: boolean; why?: string }> {
  const paths = commands.flatMap((c) => [
    ...c.files,
    ...c.kustomize,
    ...(c.flags["patch-file"] ? [c.flags["patch-file"]] : []),
  ]);
  if (!paths.length) return { ok: true };
  if (!ctx.caller.trusted)
    return {
      ok: false,
      why: "the files it names were not read: over HTTP this server reads files only for callers with its token",
    };
  for (const p of paths) {
    try {
      await toolPath(ctx, p);
    } catch (e) {
      // A missing file inside the roots is the guard's own note; a path outside is not read at all.
      if (e instanceof ToolInputError && /^no such file/.test(e.message)) continue;
      if (e instanceof ToolInputError)
        return { ok: false, why: `the files it names were not read: ${e.message}` };
      throw e;
    }
  }
  return { ok: true };
}
