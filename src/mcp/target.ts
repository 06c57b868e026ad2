// Which target a cluster tool reads: the server's default (a dump or a kube context) or the tool's context/from.
import type { ScanRequest } from "../service/scan.js";
import type { NodeSource } from "../service/upgrade-check.js";
import type { ToolContext } from "./context.js";
import { ToolInputError } from "./result.js";

export interface TargetArgs {
  context?: string | undefined;
  from?: string | undefined;
}

/** A dump path from the tool, when the server allows it; else the server's own dump, if it reads one. */
function dumpOf(ctx: ToolContext, args: TargetArgs): string[] | undefined {
  const { deps } = ctx;
  if (args.from !== undefined) {
    if (!deps.allowPaths)
      throw new ToolInputError(
        "this server does not read files named by tools: leave out `from` (the server's own target is used) or start it with --from",
      );
    if (args.context) throw new ToolInputError("give `from` (a dump) or `context` (a cluster), not both");
    return [args.from];
  }
  if (deps.target.from?.length) {
    if (args.context)
      throw new ToolInputError(
        `this server reads the dump ${deps.target.from.join(" ")}, not a cluster: leave out \`context\``,
      );
    return deps.target.from;
  }
  return undefined;
}

export async function scanRequestOf(
  ctx: ToolContext,
  args: TargetArgs & { namespace?: string | undefined; logs?: boolean },
): Promise<ScanRequest> {
  const { deps } = ctx;
  const req: ScanRequest = {
    kb: await ctx.kb(),
    config: deps.config,
    cwd: deps.cwd,
    ...(deps.zone ? { zone: deps.zone } : {}),
  };
  const from = dumpOf(ctx, args);
  if (from) {
    req.from = from;
    return req;
  }
  const t = deps.target;
  const context = args.context ?? t.context;
  req.live = {
    contexts: context ? [context] : [],
    ...(t.kubeconfig ? { kubeconfig: t.kubeconfig } : {}),
    ...(t.kubeconfigEnv ? { kubeconfigEnv: t.kubeconfigEnv } : {}),
    ...(t.home ? { home: t.home } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}),
    logs: args.logs !== false,
    cwd: deps.cwd,
  };
  return req;
}

export function nodeSourceOf(ctx: ToolContext, args: TargetArgs): NodeSource {
  const { deps } = ctx;
  const from = dumpOf(ctx, args);
  if (from) return { cwd: deps.cwd, from };
  const t = deps.target;
  const context = args.context ?? t.context;
  return {
    cwd: deps.cwd,
    ...(context ? { context } : {}),
    ...(t.kubeconfig ? { kubeconfig: t.kubeconfig } : {}),
    ...(t.kubeconfigEnv ? { kubeconfigEnv: t.kubeconfigEnv } : {}),
    ...(t.home ? { home: t.home } : {}),
    ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}),
  };
}
