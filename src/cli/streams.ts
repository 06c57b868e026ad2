// `pitfall streams`: stuck messages and dead consumers in Redis Streams, and their safe recovery.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import type { Config } from "../config/model.js";
import { visibleDeep } from "../model/sanitize.js";
import { formatDuration, parseDuration } from "../k8s/duration.js";
import { compareFindings, type Finding } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";
import type { GroupSummary } from "../service/streams.js";
import type { ClaimResult } from "../runbook/claim.js";
import { collect, configOption, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, type Paint, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { clusterUsageError, kubeAccessOf } from "./target.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import { severityColour } from "./kb-list.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  redis?: string;
  streams?: string;
  group?: string[];
  idle?: string;
  maxDeliveries?: string;
  fix?: boolean;
  yes?: boolean;
  to?: string;
  timeout: number;
  output: "text" | "json";
  config?: string;
  context?: string;
  kubeconfig?: string;
  namespace?: string;
}

export function registerStreams(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("streams")
      .description("Redis Streams: stuck messages, dead consumers, poison messages; recover them safely")
      .addOption(
        new Option(
          "--redis <url>",
          "redis://[:password@]host[:port][/db] or rediss:// (default: config redis, else 127.0.0.1:6381)",
        ),
      )
      .addOption(
        new Option(
          "--streams <pattern>",
          "SCAN MATCH pattern of the stream keys (default: config redis.streams, else *)",
        ),
      )
      .addOption(
        new Option(
          "--group <name>",
          "only this consumer group (repeatable; default: config redis.groups, else all)",
        ).argParser(collect),
      )
      .addOption(
        new Option(
          "--idle <duration>",
          "entries and consumers idle this long are stuck or dead (default: config redis.idle, else 5m)",
        ),
      )
      .addOption(
        new Option(
          "--max-deliveries <n>",
          "deliveries above this make a poison message (default: config redis.poisonDeliveries, else 5)",
        ),
      )
      .addOption(
        new Option("--fix", "move dead consumers' idle entries to a live consumer (a dry run without --yes)"),
      )
      .addOption(new Option("--yes", "with --fix: do it"))
      .addOption(
        new Option(
          "--to <consumer>",
          "with --fix: the live consumer that takes the entries (default: the least-loaded one)",
        ),
      )
      .addOption(
        new Option(
          "--context <name>",
          "kube context whose pods the consumers are named after: a consumer whose pod exists is never taken from",
        ),
      )
      .addOption(
        new Option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)"),
      )
      .addOption(
        new Option(
          "-n, --namespace <ns>",
          "only this namespace's pods (a consumer named after a pod elsewhere then counts as gone)",
        ),
      )
      .addOption(timeoutOption("for connecting and for each command, and for listing the pods", "10s"))
      .addOption(
        new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
The password comes from the URL, else redis.passwordFile, else REDIS_PASSWORD; it is never printed.
Read-only unless --fix --yes. The fix only moves entries and deletes consumers that hold nothing; it never
acknowledges or deletes a message. A consumer counts as dead only with evidence: with --context (or
--kubeconfig, -n) its pod is gone, and a consumer whose pod exists is never taken from; without a cluster,
it has not been seen for --idle. Each entry moves only if it too was delivered --idle ago or more, and the
server re-checks, in one script with the claim, that the consumer was not seen since and its pending count
did not change. The dry run shows this evidence per consumer.

Examples:
  REDIS_PASSWORD=... pitfall streams --redis redis://127.0.0.1:6381 --streams 'triggers.*'
  pitfall streams --group ge-executor-group --idle 10m -o json
  pitfall streams --fix --context prod        what would move, where, and on what evidence
  pitfall streams --fix --yes --context prod --to executor-7d9f-x2x4z

Exit codes: 0 clean, 1 findings, 2 usage or connection error, 3 some streams could not be read.`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await streamsCommand(run.io, flags);
    });
}

interface Settings {
  idleMs: number;
  maxDeliveries: number;
  timeoutMs: number;
  pattern: string;
  groups?: string[];
}

function settingsOf(flags: Partial<Flags> & Pick<Flags, "timeout">, config: Config): Settings {
  const r = config.redis ?? {};
  if (flags.yes && !flags.fix)
    throw new UsageError("--yes only goes with --fix (try: --fix to see what would move)");
  if (flags.to !== undefined && !flags.fix) throw new UsageError("--to only goes with --fix");
  const idleText = flags.idle ?? r.idle ?? "5m";
  const idleMs = parseDuration(idleText);
  if (idleMs === undefined || idleMs <= 0)
    throw new UsageError(`--idle must be a duration such as 300s, 5m or 1h, not ${JSON.stringify(idleText)}`);
  const maxText = flags.maxDeliveries ?? r.poisonDeliveries ?? 5;
  const maxDeliveries = Number(maxText);
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1)
    throw new UsageError(
      `--max-deliveries must be a whole number of 1 or more, not ${JSON.stringify(String(maxText))}`,
    );
  const groups = flags.group ?? r.groups;
  const s: Settings = {
    idleMs,
    maxDeliveries,
    timeoutMs: flags.timeout,
    pattern: flags.streams ?? r.streams ?? "*",
  };
  if (groups?.length) s.groups = groups;
  return s;
}

/** What `scan` and `mcp` need to add the streams check: password, thresholds (from the config), timeout. */
export function redisSettings(io: Io, config: Config) {
  const s = settingsOf({ timeout: 10_000, output: "text" }, config);
  const password = passwordOf(io, config);
  return {
    timeoutMs: s.timeoutMs,
    idleMs: s.idleMs,
    maxDeliveries: s.maxDeliveries,
    ...(password ? { password } : {}),
  };
}

/** URL password, else the password file, else REDIS_PASSWORD. */
function passwordOf(io: Io, config: Config): string | undefined {
  const file = config.redis?.passwordFile;
  if (file) {
    const path = resolve(config.file ? dirname(config.file) : io.cwd, file);
    try {
      return readFileSync(path, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw new UsageError(
        `cannot read redis.passwordFile ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  return io.env.REDIS_PASSWORD;
}

async function streamsCommand(io: Io, flags: Flags): Promise<number> {
  const { config, kb: base } = await configAndKb(io, flags);
  const s = settingsOf(flags, config);
  const redis = await import("../sources/redis.js");
  let target: ReturnType<typeof redis.redisTargetOf>;
  try {
    target = redis.redisTargetOf({
      url: flags.redis,
      config: config.redis,
      password: passwordOf(io, config),
      defaultPort: config.expect.redisPort,
    });
  } catch (e) {
    if (e instanceof redis.RedisConnectError) throw new UsageError(e.message);
    throw e;
  }
  const where = redis.describeTarget(target);
  const { PITFALL_ID } = await import("../rules/stream-consumers.js");
  const { streamFindings, summarizeStreams } = await import("../service/streams.js");
  if (!base.byId.has(PITFALL_ID))
    io.err(`pitfall: the loaded pages have no entry ${PITFALL_ID}; findings come without a runbook\n`);

  const cluster = await clusterPods(io, flags, s.timeoutMs);
  if (flags.fix && !cluster && s.idleMs < PAGE_IDLE_MS)
    io.err(
      `pitfall: warning: --idle ${formatDuration(s.idleMs)} is shorter than the page's ${formatDuration(PAGE_IDLE_MS)} and no cluster is given: a consumer that works longer than that without reading (a batch, one long job) looks dead and its entries will be taken. Give --context so a consumer whose pod exists is left alone.\n`,
    );

  let client: Awaited<ReturnType<typeof redis.connectRedis>>;
  try {
    client = await redis.connectRedis(target, { timeoutMs: s.timeoutMs });
  } catch (e) {
    if (e instanceof redis.RedisConnectError) throw new UsageError(e.message);
    throw e;
  }
  try {
    let snapshot: Awaited<ReturnType<typeof redis.readStreams>>;
    try {
      const read: Parameters<typeof redis.readStreams>[1] = { pattern: s.pattern };
      if (s.groups) read.groups = s.groups;
      snapshot = await redis.readStreams(client, read);
    } catch (e) {
      const msg = redis.safeMessage(String((e as Error)?.message ?? e), target);
      // SCAN's TYPE filter came with Redis 6.0.
      const hint = /syntax error/i.test(msg) ? " (this needs Redis 6.0 or newer)" : "";
      throw new UsageError(`reading streams from ${where} failed: ${msg}${hint}`);
    }
    const livePods = cluster?.pods;
    const findings = streamFindings(snapshot, {
      kb: base,
      config,
      idleMs: s.idleMs,
      maxDeliveries: s.maxDeliveries,
      ...(livePods ? { livePods } : {}),
      ...(flags.to !== undefined ? { to: flags.to } : {}),
      server: target,
    }).findings.sort(compareFindings);
    const summaries = summarizeStreams(snapshot, { idleMs: s.idleMs, livePods });
    let fix: ClaimResult | undefined;
    if (flags.fix) {
      const claim = await import("../runbook/claim.js");
      const plan = claim.planClaims(snapshot, {
        idleMs: s.idleMs,
        ...(cluster?.pods ? { livePods: cluster.pods } : {}),
        ...(flags.to !== undefined ? { to: flags.to } : {}),
      });
      if (cluster && !cluster.pods) {
        // Asked to judge by the pods and could not read them: falling back to time alone would take from live pods.
        plan.moves = [];
        plan.deletes = [];
        plan.notes.push({ stream: "*", group: "*", reason: `nothing moved: ${cluster.problem}` });
      }
      fix = flags.yes ? await claim.applyClaims(client, plan) : claim.dryRun(plan);
    }
    const report = {
      target: where,
      ...(cluster ? { cluster: cluster.name } : {}),
      findings,
      incomplete: [...snapshot.incomplete, ...(cluster?.incomplete ?? [])],
      streams: summaries,
      ...(fix ? { fix } : {}),
    };
    if (flags.output === "json") io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(textReport(report, snapshot.serverVersion, s, painter(io)));
    if (report.incomplete.length) return EXIT.INCOMPLETE;
    return findings.length ? EXIT.FINDINGS : EXIT.OK;
  } finally {
    await client.close();
  }
}

/** The page's claim threshold (`XAUTOCLAIM … 300000`): a shorter --idle without a cluster gets a warning. */
const PAGE_IDLE_MS = 300_000;

interface ClusterPods {
  /** The context read. */
  name: string;
  /** Names of the pods that exist; undefined when they could not be listed. */
  pods?: Set<string>;
  problem?: string;
  incomplete: Incomplete[];
}

/** The pods of the cluster named by --context / --kubeconfig / -n (pods only, read-only); undefined when none is named. */
async function clusterPods(io: Io, flags: Flags, timeoutMs: number): Promise<ClusterPods | undefined> {
  if (flags.context === undefined && flags.kubeconfig === undefined && flags.namespace === undefined)
    return undefined;
  const { loadKubeConfig } = await import("../sources/kubeconfig.js");
  const { readCluster } = await import("../sources/live.js");
  let kubeConfig: Awaited<ReturnType<typeof loadKubeConfig>>;
  try {
    kubeConfig = await loadKubeConfig({
      ...kubeAccessOf(io, flags.kubeconfig),
      ...(flags.context !== undefined ? { context: flags.context } : {}),
    });
  } catch (e) {
    throw await clusterUsageError(e);
  }
  const snapshot = await readCluster({
    kubeConfig,
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    resources: ["pods"],
    logs: false,
    timeoutMs,
  });
  const name = snapshot.target.context ?? kubeConfig.getCurrentContext();
  const failed = snapshot.incomplete.find((i) => i.resource === "pods");
  if (failed) {
    const problem = `the pods of ${name} could not be listed (${failed.reason}), so no consumer can be judged by its pod`;
    return { name, problem, incomplete: [{ resource: `pods (${name})`, reason: failed.reason }] };
  }
  const pods = new Set(snapshot.objects.map((o) => String(o.object.metadata?.name)));
  return { name, pods, incomplete: [] };
}

interface Report {
  target: string;
  cluster?: string;
  findings: Finding[];
  incomplete: Incomplete[];
  streams: GroupSummary[];
  fix?: ClaimResult;
}

function textReport(given: Report, version: string | undefined, s: Settings, paint: Paint): string {
  // Stream, group and consumer names come from Redis: shown, never interpreted, each on its line.
  const r = visibleDeep(given);
  const out: string[] = [];
  const streamCount = new Set(r.streams.map((g) => g.stream)).size;
  out.push(
    paint(
      "dim",
      `${r.target}${version ? ` · Redis ${version}` : ""} · pattern ${s.pattern} · ${streamCount} streams, ${r.streams.length} groups · idle threshold ${formatDuration(s.idleMs)}${r.cluster ? ` · pods of ${r.cluster}` : ""}`,
    ),
  );
  let lastStream: string | undefined;
  for (const g of r.streams) {
    if (g.stream !== lastStream) {
      out.push("", `${paint("bold", g.stream)}  ${paint("dim", `length ${g.length}`)}`);
      lastStream = g.stream;
    }
    const facts = [
      `pending ${g.pending}`,
      g.lag !== undefined ? `lag ${g.lag}` : "",
      g.oldestPendingId
        ? `oldest ${g.oldestPendingId}${g.oldestPendingAgeMs !== undefined ? ` (${formatDuration(g.oldestPendingAgeMs, 2)} old)` : ""}`
        : "",
      g.maxDeliveries !== undefined ? `max deliveries ${g.maxDeliveries}` : "",
      g.truncated ? "entries not all read" : "",
    ].filter(Boolean);
    out.push(`  group ${paint("bold", g.group)}  ${facts.join(" · ")}`);
    const width = Math.max(0, ...g.consumers.map((c) => c.name.length));
    for (const c of g.consumers) {
      const state = c.state === "live" ? paint("green", "live    ") : paint("red", c.state.padEnd(8));
      const seen = `seen ${formatDuration(c.idleMs, 2)} ago${c.inactiveMs !== undefined ? `, active ${formatDuration(c.inactiveMs, 2)} ago` : ""}`;
      out.push(
        `    ${c.name.padEnd(width)}  ${state}  ${String(c.pending).padStart(5)} pending  ${paint("dim", seen)}`,
      );
    }
    for (const f of r.findings.filter((f) => f.object.stream === g.stream && f.object.group === g.group))
      out.push(...findingText(f, paint));
  }
  if (r.fix) out.push("", ...fixText(r.fix, paint));
  if (r.incomplete.length) {
    out.push("", paint("yellow", "Could not be checked:"));
    for (const i of r.incomplete) out.push(`  ${i.resource}: ${i.reason}`);
  }
  out.push(
    "",
    r.findings.length
      ? `${r.findings.length} finding${r.findings.length === 1 ? "" : "s"} in ${streamCount} streams`
      : paint("green", `no findings in ${streamCount} streams`),
  );
  return `${out.join("\n")}\n`;
}

function findingText(f: Finding, paint: Paint): string[] {
  const out = ["", `  ${severityColour(paint, f.severity)}  ${paint("bold", f.rule)}  ${f.message}`];
  for (const e of f.evidence ?? [])
    out.push(paint("dim", `      ${e.text}${e.source ? `  (${e.source})` : ""}`));
  if (f.runbook?.length) {
    out.push(`      runbook (${f.pitfall}):`);
    for (const step of f.runbook)
      out.push(`        ${paint(step.kind === "RUN" ? "cyan" : "bold", `${step.kind}:`)} ${step.text}`);
  }
  return out;
}

function fixText(fix: ClaimResult, paint: Paint): string[] {
  const verb = fix.dryRun ? "would move" : "moved";
  const out = [paint("bold", fix.dryRun ? "Fix (dry run: nothing changed; add --yes to do it)" : "Fix")];
  if (fix.evidence.length) out.push(...evidenceText(fix, paint));
  if (!fix.moves.length && !fix.deletes.length) out.push("  nothing to move");
  for (const m of fix.moves)
    out.push(
      `  ${m.stream} / ${m.group}: ${verb} ${m.ids.length} from ${m.from} to ${m.to}: ${m.ids.join(" ")}`,
    );
  for (const d of fix.deletes)
    out.push(
      `  ${d.stream} / ${d.group}: ${fix.dryRun ? "would delete" : "deleted"} consumer ${d.consumer} (${fix.dryRun ? "it holds nothing once the moves are done" : "it held nothing"})`,
    );
  for (const n of fix.notes)
    out.push(
      paint(
        "yellow",
        `  ${n.stream} / ${n.group}${n.consumer ? ` ${n.consumer}` : ""}: ${n.reason}${n.ids ? `: ${n.ids.join(" ")}` : ""}`,
      ),
    );
  return out;
}

/** Per consumer of each group the fix acts in: live or dead, and on what evidence. */
function evidenceText(fix: ClaimResult, paint: Paint): string[] {
  const out = [
    fix.cluster
      ? "  evidence (pods known: a consumer whose pod exists is never taken from):"
      : `  evidence (no cluster given: consumers judged by time alone, threshold ${formatDuration(fix.minIdleMs)}):`,
  ];
  let last: string | undefined;
  const width = Math.max(0, ...fix.evidence.map((e) => e.consumer.length));
  for (const e of fix.evidence) {
    const where = `${e.stream} / ${e.group}`;
    if (where !== last) out.push(`    ${where}`);
    last = where;
    const verdict = e.verdict === "dead" ? paint("red", "dead") : paint("green", "live");
    const idle = `idle ${formatDuration(e.idleMs, 2)}${e.inactiveMs !== undefined ? `, last successful read ${formatDuration(e.inactiveMs, 2)} ago` : ""}`;
    const entries = e.entries.map((x) => `${x.id} (${formatDuration(x.idleMs, 2)})`).join(" ");
    const more = e.pending > e.entries.length ? ` …${e.pending - e.entries.length} more` : "";
    out.push(
      `      ${e.consumer.padEnd(width)}  ${verdict}  ${e.why}; ${idle}; ${e.pending} pending${entries ? `: ${entries}${more}` : ""}`,
    );
  }
  return out;
}
