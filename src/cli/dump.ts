// `pitfall dump`: save what a scan reads from a cluster, for `scan --from` elsewhere or later.
import { type Command, Option } from "commander";
import { visible } from "../model/sanitize.js";
import { chunkSizeOption, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import type { CliRun } from "./main.js";
import { liveSourceOf, type TargetFlags } from "./target.js";

interface Flags extends Pick<TargetFlags, "kubeconfig" | "namespace"> {
  context?: string;
  output?: string;
  force?: boolean;
  timeout: number;
  chunkSize: number;
}

export function registerDump(program: Command, run: CliRun): void {
  program
    .command("dump")
    .description(
      "save what a scan reads from a cluster (objects, logs of restarted containers) for scan --from",
    )
    .addOption(
      new Option("-o, --output <dir|file.tar.gz>", "where to write: a new folder, or a .tar.gz file"),
    )
    .option("--context <name>", "kube context to read (default: the current one)")
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)",
    )
    .option("-n, --namespace <ns>", "only this namespace (nodes, being cluster-wide, are still read)")
    .option("--force", "replace a folder that is not empty, or an existing archive")
    .addOption(timeoutOption("give up on what is not read by then; the dump lists it as not read", "120s"))
    .addOption(chunkSizeOption())
    .addHelpText(
      "after",
      `
Reads what \`pitfall scan\` reads (nodes, namespaces, pods, events, services, endpoints, workloads, ingresses,
ExternalSecrets; never Secrets), the previous logs of every container that restarted and the current logs of
running containers and of those waiting after a run. Log text is redacted (passwords, tokens, keys) before it is
written. pitfall-dump.json records when, from which context, what was read and what could not be (RBAC, a
missing CRD, the timeout), so \`scan --from\` gives the same findings as a live scan did, with the same ages.
The folder (or archive) appears whole when done; a folder that is not empty is replaced only with --force.
Object specs are written as the API gives them: read a dump before sending it anywhere.

Examples:
  pitfall dump -o incident-2026-03-26/
  pitfall dump --context k3s-office -n ge-agents -o ge-agents.tar.gz
  pitfall scan --from ge-agents.tar.gz

Exit codes: 0 written, 2 usage error (bad flags, unreachable cluster, a target that exists), 3 written but
incomplete (what could not be read is listed).`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await dumpCommand(run.io, flags);
    });
}

async function dumpCommand(io: Io, flags: Flags): Promise<number> {
  if (!flags.output) throw new UsageError("say where to write: -o <folder> or -o <file.tar.gz>");
  const paint = painter(io);
  const target: TargetFlags = {
    ...(flags.context ? { context: [flags.context] } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
  };
  const live = liveSourceOf(io, target, { timeoutMs: flags.timeout, pageSize: flags.chunkSize });
  const { writeDump, DumpTargetError } = await import("../service/dump.js");
  const { KubeConfigError } = await import("../sources/kubeconfig.js");
  const { VERSION } = await import("./main.js");
  let result: Awaited<ReturnType<typeof writeDump>>;
  try {
    result = await writeDump({
      live,
      out: flags.output,
      cwd: io.cwd,
      ...(flags.force ? { force: true } : {}),
      writtenBy: `pitfall ${VERSION}`,
      onProgress: (m) => io.err(`${paint("dim", `pitfall dump: ${visible(m)}`)}\n`),
    });
  } catch (e) {
    if (e instanceof DumpTargetError || e instanceof KubeConfigError) throw new UsageError(e.message);
    throw e;
  }
  for (const i of result.incomplete)
    io.err(`${paint("yellow", "not read")}: ${visible(i.resource)}: ${visible(i.reason)}\n`);
  io.err(
    `pitfall dump: wrote ${visible(flags.output)}: ${result.objects} objects of ${result.resources.length} resources, ` +
      `${result.logs.previous} previous and ${result.logs.current} current logs, from ${visible(result.context)} at ${result.takenAt}\n`,
  );
  return result.incomplete.length ? EXIT.INCOMPLETE : EXIT.OK;
}
