// `pitfall watch`: keep clusters under observation; print findings as they appear and as they resolve.
import { type Command, Option } from "commander";
import { visible, visibleDeep } from "../model/sanitize.js";
import type { FindingChange } from "../service/finding-changes.js";
import { configOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { checkZoneFlag, liveSourceOf, type TargetFlags, withTargetOptions } from "./target.js";

interface Flags extends KbFlags, TargetFlags {
  output: "text" | "json";
  config?: string;
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
    for (const i of watch.incomplete())
      io.err(`${paint("yellow", "not checked")}: ${visible(i.resource)}: ${visible(i.reason)}\n`);
  });
  await stopped.promise;
  await watch.stop();
  stopped.dispose();
  return EXIT.OK;
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
