// `pitfall mcp`: the pitfall tools for AI agents over MCP (stdio). Flags set the default target, like scan's.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { McpDeps } from "../mcp/deps.js";
import { collect, configFor, configOption, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { withKbOptions } from "./kb.js";
import { checkIgnoreIds, type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { kubeAccessOf } from "./target.js";

interface Flags extends KbFlags {
  context?: string;
  /** serve's --context (repeatable) and --all-contexts: every one is the server's own. */
  contexts?: string[];
  allContexts?: boolean;
  kubeconfig?: string;
  from?: string[];
  allowPath?: string[];
  readOnly?: boolean;
  zone?: string;
  /** Milliseconds. */
  timeout: number;
  page?: string;
  redis?: string;
  config?: string;
}

export function registerMcp(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("mcp")
      .description(
        "serve the pitfall tools to AI agents over MCP (stdio): search, scan, explain, lint, add pitfalls",
      )
      .option("--context <name>", "kube context the cluster tools use by default (default: the current one)")
      .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)")
      .addOption(
        new Option(
          "--from <path>",
          "the cluster tools read this dump instead of a cluster (repeatable)",
        ).argParser(collect),
      )
      .option(
        "--zone <zone>",
        "the target's zone (default: from the config, else from the nodes' distribution)",
      )
      .addOption(
        new Option(
          "--allow-path <folder>",
          "a folder (or file) the tools' `from` may name, besides the working directory and --from (repeatable)",
        ).argParser(collect),
      )
      .addOption(timeoutOption("how long a cluster read or a dump walk may take", "60s"))
      .option("--read-only", "offer no tool that writes: add_pitfall is left out of tools/list")
      .option(
        "--page <file>",
        "the team's page: loaded, and where add_pitfall writes (without it add_pitfall refuses)",
      )
      .option(
        "--redis <url>",
        "Redis for check_streams (default: config redis, else 127.0.0.1:6381); password from REDIS_PASSWORD",
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Tools: search_pitfalls, show_pitfall, list_pitfalls, scan, explain, lint_manifests, check_streams, upgrade_check,
add_pitfall. All read-only except add_pitfall, which only adds to --page (and is left out with --read-only).
A tool's \`from\` may name paths under the working directory, --from and --allow-path only (symlinks resolved);
a dump walk stops at --timeout. The Redis password is never printed, and goes only to the configured Redis
(--redis or config), never to another \`url\` a tool names. One message (line) may be up to 10 MiB.

Example client configuration (Claude Desktop, Cursor, …):
  { "mcpServers": { "pitfall": { "command": "pitfall",
      "args": ["mcp", "--context", "k3s-office", "--page", "wiki/kubernetes-pitfalls.md"] } } }
  pitfall mcp --from support-bundle/ --read-only
  pitfall mcp --allow-path ~/dumps --timeout 30s`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await mcpCommand(run.io, flags);
    });
}

async function mcpCommand(io: Io, flags: Flags): Promise<number> {
  if (flags.from?.length && flags.context)
    throw new UsageError("--from reads a dump; it does not go with --context");
  const deps = await depsOf(io, flags);
  // Load the pages now, so a broken --kb or --page fails here rather than in the first tool call.
  await checkIgnoreIds(deps.config, await deps.loadKb());
  const { serveStdio } = await import("../mcp/stdio.js");
  const { VERSION } = await import("./main.js");
  const target = flags.from?.length
    ? `dump ${flags.from.join(" ")}`
    : `context ${flags.context ?? "(current)"}`;
  const writes = deps.readOnly ? "; read-only" : deps.page ? `; add_pitfall writes ${deps.page}` : "";
  io.err(`pitfall mcp ${VERSION}: serving on stdio; cluster tools read ${target}${writes}\n`);
  await serveStdio(deps, { stdin: process.stdin, stdout: process.stdout });
  return EXIT.OK;
}

/** What the server is given: settings from flags, config and environment; the password never leaves here but to Redis. */
export async function depsOf(io: Io, flags: Flags): Promise<McpDeps> {
  const { VERSION } = await import("./main.js");
  const config = await configFor(io, flags.config);
  for (const f of flags.from ?? [])
    if (!existsSync(resolve(io.cwd, f)))
      throw new UsageError(`no such dump: ${f} (--from names dump files or a folder)`);
  for (const f of flags.allowPath ?? [])
    if (!existsSync(resolve(io.cwd, f)))
      throw new UsageError(`no such folder: ${f} (--allow-path names a folder the tools may read)`);
  const page = flags.page ? resolve(io.cwd, flags.page) : undefined;
  if (page && !existsSync(page))
    throw new UsageError(`no such page: ${flags.page} (--page names an existing pitfalls page)`);
  const { redisSettings } = await import("./streams.js");
  const redis = {
    ...redisSettings(io, config),
    ...(flags.redis ? { url: flags.redis } : {}),
  };
  const kbFlags: KbFlags = { ...flags, kb: [...(flags.kb ?? []), ...(page ? [page] : [])] };
  const contexts = flags.contexts ?? (flags.context ? [flags.context] : []);
  return {
    cwd: io.cwd,
    config,
    loadKb: () => loadKb(io, kbFlags, config.kb),
    target: {
      ...kubeAccessOf(io, flags.kubeconfig),
      timeoutMs: flags.timeout,
      ...(flags.from?.length ? { from: flags.from } : {}),
      ...(contexts.length ? { contexts } : {}),
      ...(flags.allContexts ? { allContexts: true } : {}),
    },
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(page ? { page } : {}),
    redis,
    pathRoots: [...(flags.from ?? []), ...(flags.allowPath ?? [])].map((p) => resolve(io.cwd, p)),
    ...(flags.readOnly ? { readOnly: true } : {}),
    version: VERSION,
  };
}
