// `pitfall guard`: check a command before it runs. Composes: read the command (argv, --command, JSON on stdin, or an
// agent's pre-tool-use hook) → load pages and config → guard service → answer (text, JSON, or the hook's JSON).
import { type Command, Option } from "commander";
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { GuardResult } from "../model/guard.js";
import type { GuardRequest } from "../service/guard.js";
import { collect, configOption, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { kubeAccessOf } from "./target.js";

interface Flags extends KbFlags {
  command?: string;
  hook?: boolean;
  zone?: string;
  context?: string[];
  kubeconfig?: string;
  cluster: boolean;
  redis?: string;
  /** Milliseconds, parsed by commander. */
  timeout: number;
  output: "text" | "json";
  config?: string;
}

export function registerGuard(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("guard")
      .description(
        "check a command against the pitfalls before it runs (for agents: --hook, MCP check_command)",
      )
      .argument(
        "[command...]",
        "the command, after -- (e.g. pitfall guard -- kubectl cp fix.py pod:/app -n x)",
      )
      .option("--command <line>", "the command as one shell line")
      .option("--hook", "read a Claude Code PreToolUse hook's JSON on stdin and answer in its JSON")
      .option("--zone <zone>", "the target's zone (default: the config's zone of the kube context)")
      .addOption(
        new Option("--context <name>", "kube context to consult when the command names none").argParser(
          collect,
        ),
      )
      .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)")
      .option("--no-cluster", "never consult a cluster (what needs one is reported as not checked)")
      .option("--redis <url>", "Redis to consult for stream commands (default: config redis)")
      .addOption(timeoutOption("how long the cluster or Redis may take to answer", "5s"))
      .addOption(
        new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
The command is split as a shell would (pipelines, && and ; chains, sh -c '…', $(…), sudo, FOO=1 prefixes,
kubectl exec … -- cmd); each simple command is checked against the GUARD lines of the loaded pages. A GUARD
that needs the cluster (was the workload OOMKilled?) or Redis (does the stream hold a dead consumer's entries?)
reads it read-only; without one, the answer says what could not be checked. Manifests the command applies
(kubectl apply -f, -k) are linted with the page's rules. Aliases: guard.aliases in .pitfall.yaml (k: kubectl).

Without a command and without --hook, stdin holds JSON: {"command": "…", "cwd": "…"}.

--hook reads Claude Code's PreToolUse input ({"tool_name": "Bash", "tool_input": {"command": "…"}, "cwd": …})
and prints {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny" | "ask",
"permissionDecisionReason": "…"}}: deny when the command matches a pitfall, ask when something could not be
checked, nothing (exit 0) when it is fine or the tool is not Bash. It never answers "allow".

Examples:
  pitfall guard -- kubectl cp fix.py ge-executor-7c9f:/app/fix.py -n ge-agents
  pitfall guard --command "kubectl set resources deploy/ge-executor --limits=memory=2Gi -n ge-agents"
  pitfall guard -o json -- redis-cli -p 6381 XACK triggers.dolly ge-executor-group 1700000000000-0
  echo '{"command": "kubectl apply -f deploy/"}' | pitfall guard

Exit codes: 0 fine, 1 the command matches a pitfall (do not run it as it is), 2 usage error, 3 nothing matches
but something could not be checked. With --hook: 0 always (the answer is the JSON), 1 on unreadable input.`,
    )
    .action(async (argv: string[], flags: Flags) => {
      run.exitCode = flags.hook
        ? await hookCommand(run.io, argv, flags)
        : await guardCli(run.io, argv, flags);
    });
}

interface Asked {
  line: string;
  cwd: string;
}

async function guardCli(io: Io, argv: string[], flags: Flags): Promise<number> {
  const asked = await commandOf(io, argv, flags);
  const { result, kb } = await answer(io, asked, flags);
  if (flags.output === "json") {
    const { guardJson } = await import("../report/guard.js");
    io.out(`${JSON.stringify(guardJson(result), null, 2)}\n`);
  } else {
    const { formatGuardText } = await import("../report/guard.js");
    const { painter } = await import("./io.js");
    io.out(formatGuardText(result, kb, painter(io)));
  }
  const { guardExitCode } = await import("../service/guard.js");
  return guardExitCode(result);
}

/** The line from `-- argv`, `--command`, or `{"command": …}` on stdin. */
async function commandOf(io: Io, argv: string[], flags: Flags): Promise<Asked> {
  if (argv.length && flags.command !== undefined)
    throw new UsageError("give the command after -- or with --command, not both");
  if (flags.command !== undefined) {
    if (!flags.command.trim()) throw new UsageError("--command is empty: give the command line to check");
    return { line: flags.command, cwd: io.cwd };
  }
  if (argv.length) {
    const { lineOf } = await import("../sources/shell.js");
    return { line: lineOf(argv), cwd: io.cwd };
  }
  const text = (await io.readStdin()).trim();
  if (!text)
    throw new UsageError(
      'give the command to check: pitfall guard -- <command…>, --command "<line>", or {"command": "…"} on stdin',
    );
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new UsageError('stdin is not JSON: write {"command": "kubectl …"} (or give the command after --)');
  }
  const rec = input as { command?: unknown; cwd?: unknown } | null;
  if (typeof rec?.command !== "string" || !rec.command.trim())
    throw new UsageError('the JSON on stdin has no "command" string: write {"command": "kubectl …"}');
  return { line: rec.command, cwd: typeof rec.cwd === "string" && rec.cwd ? rec.cwd : io.cwd };
}

/**
 * Claude Code's PreToolUse hook (docs.anthropic.com/en/docs/claude-code/hooks, "PreToolUse Decision Control"):
 * input {session_id, transcript_path, cwd, hook_event_name: "PreToolUse", tool_name, tool_input: {command, …}};
 * output on stdout, exit 0: {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision",
 * "permissionDecisionReason"}}. "deny" stops the call and shows the reason to Claude; "ask" shows it to the user.
 * No output lets the call go on under the user's own permission rules ("allow" would bypass them: never sent).
 */
async function hookCommand(io: Io, argv: string[], flags: Flags): Promise<number> {
  if (argv.length || flags.command !== undefined)
    throw new UsageError("--hook reads the hook's JSON on stdin: leave out the command");
  const text = await io.readStdin();
  let input: {
    hook_event_name?: unknown;
    tool_name?: unknown;
    tool_input?: { command?: unknown };
    cwd?: unknown;
  };
  try {
    input = JSON.parse(text) as typeof input;
  } catch {
    // Exit 1 is a non-blocking hook error: the user sees it, the tool call goes on.
    io.err("pitfall guard --hook: stdin is not the hook's JSON; nothing was checked\n");
    return EXIT.FINDINGS;
  }
  if (input?.hook_event_name !== undefined && input.hook_event_name !== "PreToolUse") return EXIT.OK;
  if (input?.tool_name !== "Bash") return EXIT.OK;
  const line = input.tool_input?.command;
  if (typeof line !== "string" || !line.trim()) return EXIT.OK;
  const cwd = typeof input.cwd === "string" && input.cwd ? input.cwd : io.cwd;
  let result: GuardResult;
  let kb: KnowledgeBase;
  try {
    ({ result, kb } = await answer(io, { line, cwd }, flags));
  } catch (e) {
    io.err(`pitfall guard --hook: ${(e as Error)?.message ?? String(e)}; nothing was checked\n`);
    return EXIT.FINDINGS;
  }
  if (result.verdict === "fine") return EXIT.OK;
  const { guardReason } = await import("../report/guard.js");
  const decision = result.verdict === "match" ? "deny" : "ask";
  io.out(
    `${JSON.stringify({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: decision,
        permissionDecisionReason: guardReason(result, kb),
      },
    })}\n`,
  );
  return EXIT.OK;
}

async function answer(
  io: Io,
  asked: Asked,
  flags: Flags,
): Promise<{ result: GuardResult; kb: KnowledgeBase }> {
  const { config, kb } = await configAndKb(io, flags);
  const { guardCommand } = await import("../service/guard.js");
  const req = await requestOf(io, asked, flags, config, kb);
  return { result: await guardCommand(req), kb };
}

async function requestOf(
  io: Io,
  asked: Asked,
  flags: Flags,
  config: Config,
  kb: KnowledgeBase,
): Promise<GuardRequest> {
  // The usual kubeconfig flag and environment (KUBECONFIG, HOME, the in-cluster service), as every command reads them.
  const access = kubeAccessOf(io, flags.kubeconfig);
  const context = flags.context?.[0];
  const req: GuardRequest = {
    kb,
    config,
    cwd: asked.cwd,
    line: asked.line,
    readFiles: true,
    lintApplied: true,
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(context ? { context } : {}),
    kubeconfig: access,
  };
  if (flags.cluster !== false)
    req.target = async (command) => {
      const { readTargetFacts } = await import("../service/guard-facts.js");
      // The command's own --kubeconfig is the file it would use; the guard reads the same cluster.
      const kubeconfig = command.flags.kubeconfig;
      return readTargetFacts(
        command,
        { ...access, ...(context ? { context } : {}), ...(kubeconfig ? { kubeconfig } : {}) },
        flags.timeout,
      );
    };
  if (flags.redis || config.redis)
    req.stream = async (command) => {
      const { readStreamFacts } = await import("../service/guard-facts.js");
      const { redisSettings } = await import("./streams.js");
      const redis = {
        ...redisSettings(io, config),
        timeoutMs: flags.timeout,
        ...(flags.redis ? { url: flags.redis } : {}),
      };
      return readStreamFacts(command, {
        redis,
        ...(config.redis ? { config: config.redis } : {}),
        defaultPort: config.expect.redisPort,
        otherServers: true,
      });
    };
  return req;
}
