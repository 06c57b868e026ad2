// `pitfall watch`: keep clusters under observation; print findings as they appear and as they resolve.
import { type Command, Option } from "commander";
import { visible, visibleDeep } from "../model/sanitize.js";
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { NoiseGroup } from "../model/noise.js";
import type { FindingChange } from "../service/finding-changes.js";
import type { DumpLayout } from "../sources/dump.js";
import { collect, configOption } from "./common.js";
import { dumpFormatOption, nothingReadError } from "./dump-input.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { checkZoneFlag, liveSourceOf, type TargetFlags, withTargetOptions } from "./target.js";

interface Flags extends KbFlags, TargetFlags {
  output: "text" | "json";
  config?: string;
  from?: string[];
  format?: DumpLayout;
  includeSystem?: boolean;
}

export function registerWatch(program: Command, run: CliRun): void {
  withKbOptions(
    withTargetOptions(program.command("watch"), "watch")
      .description("keep a cluster under observation: print findings as they appear and as they resolve")
      .addOption(
        new Option("-o, --output <format>", "text lines, or JSON lines")
          .choices(["text", "json"])
          .default("text"),
      )
      .addOption(
        new Option(
          "--from <path>",
          "a dump instead of a cluster: its findings are printed once, as scan --from finds them (repeatable)",
        ).argParser(collect),
      )
      .addOption(dumpFormatOption())
      .option(
        "--include-system",
        "list the latent risks of system namespaces (kube-system, …) one by one instead of counting them",
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Lists each resource, then watches it; findings already there are printed first. Read-only. Stop with Ctrl-C.

Output:
  + FINDING <severity> <pitfall> <object>: <message>      (text)
  - RESOLVED <severity> <pitfall> <object>: <message>
  {"event":"appeared","finding":{…}}                      (-o json: one JSON object a line, findings as scan -o json)

Examples:
  pitfall watch --context k3s-office
  pitfall watch --from support-bundle.tar.gz -o json   a dump does not change: printed once, then done
  pitfall watch --include-system                       also each latent risk of kube-system and the like
  pitfall watch --all-contexts -o json | jq -c 'select(.finding.severity == "CRITICAL")'`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await watchCommand(run.io, flags);
    });
}

async function watchCommand(io: Io, flags: Flags): Promise<number> {
  const { config, kb } = await configAndKb(io, flags);
  await checkZoneFlag(flags.zone);
  const { jsonFinding } = await import("../report/json.js");
  const paint = painter(io);
  const multi = Boolean(flags.allContexts) || (flags.context?.length ?? 0) > 1;
  const print = (c: FindingChange) => {
    const f = c.finding;
    if (flags.output === "json") {
      const finding = {
        ...jsonFinding(f),
        ...(f.context !== undefined ? { context: f.context } : {}),
        ...(f.zone !== undefined ? { zone: f.zone } : {}),
      };
      io.out(`${JSON.stringify({ event: c.event, finding })}\n`);
      return;
    }
    // Messages quote the cluster: shown, never interpreted, on one line.
    const v = visibleDeep(f);
    const o = v.object;
    const what = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}${v.container ? ` (${v.container})` : ""}`;
    const where = multi && v.context ? ` [${v.context}]` : "";
    const head = c.event === "appeared" ? paint("red", "+ FINDING") : paint("green", "- RESOLVED");
    io.out(`${head} ${v.severity} ${v.pitfall} ${what}${where}: ${v.message}\n`);
  };
  if (flags.from?.length) return watchDump(io, flags, { kb, config }, print);
  const { startWatch } = await import("../service/watch.js");
  const { KubeConfigError } = await import("../sources/kubeconfig.js");
  const { describeError } = await import("../sources/kube-api.js");
  const live = liveSourceOf(io, flags);
  const stopped = stopSignal();
  let watch: Awaited<ReturnType<typeof startWatch>>;
  try {
    watch = await startWatch({
      kb,
      config,
      cwd: io.cwd,
      live,
      ...(flags.zone ? { zone: flags.zone } : {}),
      ...(flags.distribution ? { distribution: flags.distribution } : {}),
      ...(flags.includeSystem ? { includeSystem: true } : {}),
      onChanges: (changes) => {
        for (const c of changes) print(c);
      },
      onApiError: (context, resource, error, delayMs) =>
        io.err(
          `${paint("yellow", "pitfall watch")}: ${multi ? `${context}: ` : ""}${visible(resource)}: ${visible(describeError(error))}; retrying in ${delayMs} ms\n`,
        ),
      onFailure: (error) => io.err(`pitfall watch: evaluation failed: ${visible(describeError(error))}\n`),
    });
  } catch (e) {
    stopped.dispose();
    if (e instanceof KubeConfigError) throw new UsageError(e.message);
    throw e;
  }
  void watch.ready.then(() => {
    for (const t of watch.targets())
      io.err(
        paint(
          "dim",
          `pitfall watch: ${t.context ?? t.name}: ${t.objects} objects; ${t.zone ? `zone ${t.zone}` : "no zone"} — ${t.how}; watching\n`,
        ),
      );
    for (const g of watch.grouped()) io.err(paint("dim", groupedLine(g)));
    for (const i of watch.incomplete())
      io.err(`${paint("yellow", "not checked")}: ${visible(i.resource)}: ${visible(i.reason)}\n`);
  });
  await stopped.promise;
  await watch.stop();
  stopped.dispose();
  return EXIT.OK;
}

/** System namespaces' latent risks are counted, not printed one by one, unless --include-system. */
function groupedLine(g: NoiseGroup): string {
  const where = `${g.context ? `${visible(g.context)}: ` : ""}${visible(g.namespace)}`;
  return `pitfall watch: ${where}: ${g.findings} latent risk(s) of a system namespace, counted (--include-system lists them)\n`;
}

/** A dump does not change: its findings, the same as `scan --from` gives, are printed once as having appeared. */
async function watchDump(
  io: Io,
  flags: Flags,
  loaded: { kb: KnowledgeBase; config: Config },
  print: (c: FindingChange) => void,
): Promise<number> {
  if (flags.context?.length || flags.allContexts)
    throw new UsageError("--from reads a dump; it does not go with --context or --all-contexts");
  const { scan } = await import("../service/scan.js");
  let report: Awaited<ReturnType<typeof scan>>;
  try {
    report = await scan({
      ...loaded,
      cwd: io.cwd,
      from: flags.from!,
      ...(flags.format ? { layout: flags.format } : {}),
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      ...(flags.zone ? { zone: flags.zone } : {}),
      ...(flags.distribution ? { distribution: flags.distribution } : {}),
      ...(flags.includeSystem ? { includeSystem: true } : {}),
    });
  } catch (e) {
    throw (await nothingReadError(e, io)) ?? e;
  }
  const paint = painter(io);
  for (const t of report.targets)
    io.err(
      paint(
        "dim",
        `pitfall watch: ${visible(t.context ?? t.name)}: ${t.objects} objects; ${t.zone ? `zone ${t.zone}` : "no zone"} — ${visible(t.how)}; a dump does not change: printed once\n`,
      ),
    );
  for (const f of report.findings) print({ event: "appeared", finding: f });
  for (const g of report.grouped) io.err(paint("dim", groupedLine(g)));
  for (const i of report.incomplete)
    io.err(`${paint("yellow", "not checked")}: ${visible(i.resource)}: ${visible(i.reason)}\n`);
  return report.incomplete.length ? EXIT.INCOMPLETE : EXIT.OK;
}

/**
 * Resolves on Ctrl-C or SIGTERM. The handler stays until `dispose`, after the shutdown: a library's exit hook
 * (signal-exit, used by the page lock) re-raises a signal it believes nobody handles, which would cut the shutdown
 * short. A second signal during the shutdown ends the process the default way.
 */
export function stopSignal(): { promise: Promise<void>; dispose: () => void } {
  let stop: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      stop();
      return;
    }
    dispose();
    process.kill(process.pid, signal);
  };
  const dispose = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { promise, dispose };
}
