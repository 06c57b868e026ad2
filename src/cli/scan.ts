// `pitfall scan`: diagnose live clusters or offline dumps against the pitfalls, with filled runbooks.
import { type Command, Option } from "commander";
import { visible } from "../model/sanitize.js";
import { SEVERITIES, type Severity } from "../model/severity.js";
import type { ScanReport, ScanRequest } from "../service/scan.js";
import type { DumpLayout } from "../sources/dump.js";
import { chunkSizeOption, collect, configOption, timeoutOption } from "./common.js";
import { dumpFormatOption, nothingReadError } from "./dump-input.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import type { KnowledgeBase } from "../kb/load.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { checkZoneFlag, liveSourceOf, type TargetFlags, withTargetOptions } from "./target.js";

interface Flags extends KbFlags, TargetFlags {
  from?: string[];
  format?: DumpLayout;
  timeout: number;
  chunkSize: number;
  logs: boolean;
  redis?: string;
  failOn: Severity;
  showSuppressed?: boolean;
  includeSystem?: boolean;
  output: "text" | "json" | "markdown";
  config?: string;
}

export function registerScan(program: Command, run: CliRun): void {
  withKbOptions(
    withTargetOptions(program.command("scan"), "scan")
      .description(
        "diagnose a live cluster (or a dump) against the pitfalls; print each finding's runbook filled in",
      )
      .addOption(
        new Option(
          "--from <path>",
          "read a dump instead: a folder or .tar.gz (pitfall dump, support bundle), a cluster-info dump, kubectl get -o json|yaml files (repeatable)",
        ).argParser(collect),
      )
      .addOption(dumpFormatOption())
      .addOption(timeoutOption("give up on what is not read by then; the scan is then incomplete", "60s"))
      .addOption(chunkSizeOption())
      .option("--no-logs", "do not fetch container logs")
      .option(
        "--redis <url>",
        "also check Redis Streams consumer groups (default: when the config has redis)",
      )
      .addOption(
        new Option("--fail-on <severity>", "exit 1 on findings at or above this severity")
          .choices([...SEVERITIES])
          .default("LOW"),
      )
      .option("--show-suppressed", "list findings silenced by annotations or config, with the reason")
      .option(
        "--include-system",
        "list the latent risks of system namespaces (kube-system, …) one by one instead of one count per namespace",
      )
      .addOption(
        new Option("-o, --output <format>", "output format")
          .choices(["text", "json", "markdown"])
          .default("text"),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Read-only: it lists objects and reads logs; it changes nothing.

Examples:
  pitfall scan                              the current context, all namespaces
  pitfall scan --context k3s-office -n ge-agents
  pitfall scan --all-contexts -o json
  pitfall scan --from support-bundle.tar.gz a troubleshoot.sh support bundle, as it was sent
  pitfall scan --from cluster-info.dump     \`kubectl cluster-info dump > cluster-info.dump\`
  pitfall scan --from pitfall-dump/         what \`pitfall dump -o pitfall-dump/\` wrote (see docs/dump-layout.md)

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or nothing read (a dump with no Kubernetes
objects), 3 incomplete (RBAC, missing CRD, timeout, kinds a dump does not hold).`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await scanCommand(run.io, flags);
    });
}

async function scanCommand(io: Io, flags: Flags): Promise<number> {
  if (flags.from?.length && (flags.context?.length || flags.allContexts))
    throw new UsageError("--from reads a dump; it does not go with --context or --all-contexts");
  const { config, kb } = await configAndKb(io, flags);
  await checkZoneFlag(flags.zone);
  const paint = painter(io);
  const progress =
    io.stderrIsTTY && flags.output === "text"
      ? (m: string) => io.err(`\r\u001b[2K${paint("dim", m)}`)
      : undefined;
  const req: ScanRequest = {
    kb,
    config,
    cwd: io.cwd,
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.distribution ? { distribution: flags.distribution } : {}),
    ...(progress ? { onProgress: progress } : {}),
    ...(flags.includeSystem ? { includeSystem: true } : {}),
  };
  if (flags.from?.length) {
    req.from = flags.from;
    if (flags.format) req.layout = flags.format;
  } else
    req.live = liveSourceOf(io, flags, {
      timeoutMs: flags.timeout,
      logs: flags.logs,
      pageSize: flags.chunkSize,
    });
  if (flags.redis || config.redis) {
    const { redisSettings } = await import("./streams.js");
    req.redis = {
      ...redisSettings(io, config),
      ...(flags.redis ? { url: flags.redis } : {}),
    };
  }
  const { scan } = await import("../service/scan.js");
  let report: ScanReport;
  try {
    report = await scan(req);
  } catch (e) {
    throw await asUsageError(e, io);
  } finally {
    if (progress) io.err("\r\u001b[2K");
  }
  const inputErrors = report.errors.filter((d) => d.severity === "error");
  await printReport(io, report, flags, kb);
  const { severityRank } = await import("../model/severity.js");
  if (report.incomplete.length) return EXIT.INCOMPLETE;
  // A failure no pitfall explains counts as the page counts a crash loop: MEDIUM.
  const failing =
    report.findings.some((f) => severityRank(f.severity) <= severityRank(flags.failOn)) ||
    (report.unexplained.length > 0 && severityRank("MEDIUM") <= severityRank(flags.failOn));
  return failing || inputErrors.length ? EXIT.FINDINGS : EXIT.OK;
}

/** Errors the user can fix (kubeconfig, context, a dump with nothing in it, unreachable Redis) become usage errors: exit 2, one line. */
async function asUsageError(e: unknown, io: Io): Promise<unknown> {
  const { KubeConfigError } = await import("../sources/kubeconfig.js");
  if (e instanceof KubeConfigError) return new UsageError(e.message);
  const nothing = await nothingReadError(e, io);
  if (nothing) return nothing;
  const { RedisConnectError } = await import("../sources/redis.js");
  if (e instanceof RedisConnectError) return new UsageError(e.message);
  return e;
}

async function printReport(io: Io, report: ScanReport, flags: Flags, kb: KnowledgeBase): Promise<void> {
  const input = {
    findings: report.findings,
    diagnostics: report.errors,
    suppressed: report.suppressed,
    incomplete: report.incomplete,
    unexplained: report.unexplained,
    grouped: report.grouped,
    live: true,
    pitfall: (id: string) => kb.byId.get(id),
  };
  const paint = painter(io);
  for (const t of report.targets)
    io.err(
      `${paint("dim", visible(`${t.kind} ${t.context ?? t.name}: ${t.objects} objects; ${t.zone ? `zone ${t.zone}` : "no zone"}${t.distribution ? ` (${t.distribution})` : ""} — ${t.how}`))}\n`,
    );
  if (flags.output === "json") {
    const { jsonReport } = await import("../report/json.js");
    const out = jsonReport(input, { showSuppressed: Boolean(flags.showSuppressed) });
    io.out(`${JSON.stringify({ targets: report.targets, ...out }, null, 2)}\n`);
    return;
  }
  if (flags.output === "markdown") {
    const { formatMarkdown } = await import("../report/markdown.js");
    io.out(formatMarkdown(input, { showSuppressed: Boolean(flags.showSuppressed) }));
    return;
  }
  const { formatText } = await import("../report/text.js");
  io.out(formatText(input, { paint, showSuppressed: Boolean(flags.showSuppressed) }));
  for (const i of report.incomplete)
    io.err(`${paint("yellow", "not checked")}: ${visible(i.resource)}: ${visible(i.reason)}\n`);
}
