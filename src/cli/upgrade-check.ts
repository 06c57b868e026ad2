// `pitfall upgrade-check --to VERSION`: does this k3s upgrade cross etcd 3.5 → 3.6, and what must happen first.
import { type Command, Option } from "commander";
import type { NodeSource } from "../service/upgrade-check.js";
import { collect, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { clusterUsageError, kubeAccessOf } from "./target.js";

interface Flags extends KbFlags {
  to: string;
  from?: string[];
  context?: string;
  kubeconfig?: string;
  timeout: number;
  output: "text" | "json";
}

export function registerUpgradeCheck(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("upgrade-check")
      .description(
        "whether a k3s upgrade crosses etcd 3.5 → 3.6 and what must happen first (etcd v3.5.26, a backup)",
      )
      .requiredOption("--to <version>", "the k3s version to upgrade to, e.g. v1.34.1+k3s1")
      .addOption(
        new Option("--from <path>", "read the nodes from a dump instead (repeatable)").argParser(collect),
      )
      .option("--context <name>", "kube context (default: the current one)")
      .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)")
      .addOption(timeoutOption("give up on the nodes list after this long", "30s"))
      .addOption(
        new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
      ),
  )
    .addHelpText(
      "after",
      `
Reads only the nodes (their k3s versions); changes nothing. The steps printed are the etcd-upgrade-path
entry of the loaded page (a team's page wins over the built-in one).

Examples:
  pitfall upgrade-check --to v1.34.1+k3s1 --context k3s-office
  pitfall upgrade-check --to 1.34 --from dump/ -o json

Exit codes: 0 safe (etcd stays on its line, or no k3s), 1 steps are needed first, 2 usage error or the nodes could not be read.`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await upgradeCheckCommand(run.io, flags);
    });
}

async function upgradeCheckCommand(io: Io, flags: Flags): Promise<number> {
  if (flags.from?.length && flags.context)
    throw new UsageError("--from reads a dump; it does not go with --context");
  const svc = await import("../service/upgrade-check.js");
  const kb = await loadKb(io, flags);
  const source: NodeSource = {
    ...kubeAccessOf(io, flags.kubeconfig),
    cwd: io.cwd,
    timeoutMs: flags.timeout,
    ...(flags.from?.length ? { from: flags.from } : {}),
    ...(flags.context ? { context: flags.context } : {}),
  };
  let check: ReturnType<typeof svc.checkUpgrade>;
  try {
    // The target is checked before anything is read, so a typo costs no cluster call.
    svc.checkUpgrade([], flags.to, kb);
    const { nodes, context } = await svc.readNodes(source);
    if (!nodes.length)
      throw new UsageError(
        flags.from?.length
          ? "the dump has no Node objects: add the output of kubectl get nodes -o json"
          : "the cluster lists no nodes",
      );
    check = svc.checkUpgrade(nodes, flags.to, kb);
    if (context) check.context = context;
  } catch (e) {
    throw await asUsageError(e, svc.UpgradeTargetError);
  }
  if (flags.output === "json") io.out(`${JSON.stringify(check, null, 2)}\n`);
  else io.out(svc.formatUpgradeCheck(check, painter(io)));
  return check.verdict === "needs-steps" ? EXIT.FINDINGS : EXIT.OK;
}

/** Wrong target, kubeconfig or an unreachable cluster: one line, exit 2. */
async function asUsageError(e: unknown, targetError: new (...a: never[]) => Error): Promise<unknown> {
  if (e instanceof targetError) return new UsageError(e.message);
  const cluster = await clusterUsageError(e, { api: "cannot list the nodes" });
  if (cluster !== e) return cluster;
  if (e instanceof Error && !(e as NodeJS.ErrnoException).code) return new UsageError(e.message);
  return e;
}
