// Which target a cluster tool reads: the server's default (a dump or a kube context) or the tool's context/from,
// when the caller may name it. Untrusted callers reach only the server's own contexts; nothing is contacted
// before that is decided.
import { formatDuration } from "../k8s/duration.js";
import type { ScanRequest } from "../service/scan.js";
import type { NodeSource } from "../service/upgrade-check.js";
import type { ToolContext } from "./context.js";
import { toolPath } from "./paths.js";
import { ToolInputError } from "./result.js";

export interface TargetArgs {
  context?: string | undefined;
  from?: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** A dump path from the tool, when the caller may name it; else the server's own dump, if it reads one. */
async function dumpOf(ctx: ToolContext, args: TargetArgs): Promise<string[] | undefined> {
  const { deps } = ctx;
  if (args.from !== undefined) {
    if (args.context) throw new ToolInputError("give `from` (a dump) or `context` (a cluster), not both");
    return [await toolPath(ctx, args.from)];
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

/** The context to read: the tool's, when it is one of the server's own or the caller is trusted. */
export async function contextOf(ctx: ToolContext, args: TargetArgs): Promise<string | undefined> {
  const t = ctx.deps.target;
  const own = t.contexts ?? [];
  if (!args.context) return own[0];
  if (ctx.caller.trusted || t.allContexts || own.includes(args.context)) return args.context;
  if (!own.length && args.context === (await currentContext(ctx))) return args.context;
  const which = own.length
    ? `its own context${own.length > 1 ? "s" : ""} (${own.join(", ")})`
    : "its current context";
  throw new ToolInputError(
    `without the server's token, the cluster tools read only ${which}: leave out \`context\`, or send the server's bearer token (Authorization: Bearer <token>). Nothing was contacted.`,
  );
}

/** The current context of the server's kubeconfig (read from disk, no network). */
async function currentContext(ctx: ToolContext): Promise<string | undefined> {
  const t = ctx.deps.target;
  const { kubeAccessOf, loadKubeConfig } = await import("../sources/kubeconfig.js");
  const kc = await loadKubeConfig({ cwd: ctx.deps.cwd, ...kubeAccessOf(t) });
  return kc.getCurrentContext() || undefined;
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
  const from = await dumpOf(ctx, args);
  if (from) {
    req.from = from;
    req.signal = AbortSignal.timeout(timeoutOf(ctx));
    return req;
  }
  const t = deps.target;
  const context = await contextOf(ctx, args);
  const { kubeAccessOf } = await import("../sources/kubeconfig.js");
  req.live = {
    cwd: deps.cwd,
    ...kubeAccessOf(t),
    contexts: context ? [context] : [],
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}),
    logs: args.logs !== false,
  };
  return req;
}

export async function nodeSourceOf(ctx: ToolContext, args: TargetArgs): Promise<NodeSource> {
  const { deps } = ctx;
  const from = await dumpOf(ctx, args);
  if (from) return { cwd: deps.cwd, from, signal: AbortSignal.timeout(timeoutOf(ctx)) };
  const t = deps.target;
  const context = await contextOf(ctx, args);
  const { kubeAccessOf } = await import("../sources/kubeconfig.js");
  return {
    ...kubeAccessOf(t),
    cwd: deps.cwd,
    ...(context ? { context } : {}),
    ...(t.timeoutMs ? { timeoutMs: t.timeoutMs } : {}),
  };
}

function timeoutOf(ctx: ToolContext): number {
  return ctx.deps.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

/** Runs a read of the target; a dump walk the timeout stopped becomes a tool error that says what to do. */
export async function bounded<T>(
  ctx: ToolContext,
  signal: AbortSignal | undefined,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (!signal?.aborted) throw e;
    const flag = ctx.caller.transport === "stdio" ? "pitfall mcp" : "pitfall serve";
    throw new ToolInputError(
      `reading the dump took longer than the server's --timeout (${formatDuration(timeoutOf(ctx))}) and was stopped: name a smaller folder (kubectl get -o json files, a dump), not a whole disk, or start ${flag} with a longer --timeout`,
    );
  }
}
