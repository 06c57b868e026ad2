// `pitfall serve`: the dashboard, the JSON API, /metrics and MCP over HTTP, for people and agents.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { McpDeps } from "../mcp/deps.js";
import type { Feed } from "../server/feeds.js";
import type { LiveSource } from "../service/scan.js";
import { formatDuration } from "../k8s/duration.js";
import type { DumpLayout } from "../sources/dump.js";
import { collect, configOption, durationArg, timeoutOption } from "./common.js";
import { dumpFormatOption } from "./dump-input.js";
import { EXIT, UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { checkZoneFlag, liveSourceOf, type TargetFlags, withTargetOptions } from "./target.js";
import { stopSignal } from "./watch.js";

interface Flags extends KbFlags, TargetFlags {
  host: string;
  port: string;
  from?: string[];
  format?: DumpLayout;
  watch?: boolean;
  interval: number;
  timeout: number;
  logs: boolean;
  tokenFile?: string;
  page?: string;
  maxBody: string;
  mcp: boolean;
  readOnly?: boolean;
  allowedHost?: string[];
  allowPath?: string[];
  config?: string;
}

/** Small enough that one lint (synchronous) stays short and a queue of them stays well inside the pod's memory. */
const DEFAULT_MAX_BODY = 256 * 1024;

export function registerServe(program: Command, run: CliRun): void {
  withKbOptions(
    withTargetOptions(program.command("serve"), "serve")
      .description("serve the dashboard, the JSON API, /metrics and MCP over HTTP")
      .option("--host <host>", "address to bind (0.0.0.0 for every interface)", "127.0.0.1")
      .addOption(
        new Option(
          "--allowed-host <name>",
          "a Host name the server answers besides localhost, 127.0.0.1, [::1] and the bound address (repeatable), e.g. the Service or Ingress name",
        ).argParser(collect),
      )
      .option("--port <n>", "port (0: any free port)", "8080")
      .addOption(
        new Option("--from <path>", "serve a dump instead of a live cluster (repeatable)").argParser(collect),
      )
      .addOption(dumpFormatOption())
      .option("--watch", "keep findings current with list+watch instead of scanning every --interval")
      .addOption(
        new Option(
          "--interval <duration>",
          "scan this often without --watch (0: only at start and on POST /api/scan)",
        )
          .argParser(durationArg("--interval", "5m", true))
          .default(300_000, "5m"),
      )
      .addOption(timeoutOption("how long one scan may read the cluster", "60s"))
      .option("--no-logs", "do not fetch container logs in scans")
      .option(
        "--token-file <file>",
        "bearer token for writes (else PITFALL_TOKEN); without one, writes are refused",
      )
      .option("--page <file>", "the team's page: loaded, and where POST /api/pitfalls adds")
      .option("--max-body <bytes>", "largest request body, in bytes", String(DEFAULT_MAX_BODY))
      .option("--no-mcp", "do not serve MCP at /mcp")
      .option("--read-only", "no route or tool that writes: POST /api/pitfalls and add_pitfall are gone")
      .addOption(
        new Option(
          "--allow-path <folder>",
          "a folder MCP tools' `from` may name (with the token), besides the working directory and --from (repeatable)",
        ).argParser(collect),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Binds 127.0.0.1 unless --host says otherwise, and answers only requests whose Host is localhost, 127.0.0.1,
[::1], the bound address (bound to 0.0.0.0: the machine's addresses) or an --allowed-host name; others get 421.
/healthz and /readyz answer any Host (kubelet probes send the pod IP).

Reads need nothing; writes (POST /api/pitfalls, POST /api/scan, add_pitfall over MCP) need Authorization:
Bearer <token>. MCP tools without the token read only the server's own targets (its contexts, its Redis, no
\`from\`); with it they may name others, and the Redis password still goes only to the server's own Redis.
--read-only removes POST /api/pitfalls and add_pitfall. Limits: --max-body per request; POST /api/lint and
lint_manifests run one at a time, one per client address, a few queued (429 with Retry-After past that);
/api/events streams: 8 per client address, 200 in all (429 past that).

Endpoints: / (dashboard), /api/pitfalls[/:id], /api/search?q=, /api/findings?severity=&zone=&namespace=&context=,
/api/explain/:kind/:namespace/:name, POST /api/lint?zone=, POST /api/pitfalls, POST /api/scan, /api/events (SSE),
/metrics, /healthz, /readyz, /mcp.

Examples:
  pitfall serve --context k3s-office --watch --page wiki/kubernetes-pitfalls.md --token-file ~/.pitfall-token
  pitfall serve --from support-bundle/ --port 9000 --read-only
  pitfall serve --watch --host 0.0.0.0 --allowed-host pitfall.monitoring.svc --allowed-host pitfall.example.com`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await serveCommand(run.io, flags);
    });
}

function tokenOf(io: Io, flags: Flags): string | undefined {
  if (flags.tokenFile) {
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, flags.tokenFile), "utf8");
    } catch (e) {
      throw new UsageError(
        `cannot read --token-file ${flags.tokenFile} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    const token = text.trim();
    if (!token) throw new UsageError(`--token-file ${flags.tokenFile} is empty`);
    if (/\s/.test(token)) throw new UsageError(`--token-file ${flags.tokenFile}: the token must be one word`);
    return token;
  }
  const env = io.env.PITFALL_TOKEN?.trim();
  return env ? env : undefined;
}

interface Settings {
  port: number;
  maxBody: number;
  intervalMs: number;
  timeoutMs: number;
}

/** The flags that are numbers or durations, checked before anything starts. */
async function settingsOf(flags: Flags): Promise<Settings> {
  if (flags.from?.length && (flags.context?.length || flags.allContexts))
    throw new UsageError("--from reads a dump; it does not go with --context or --all-contexts");
  if (flags.from?.length && flags.watch)
    throw new UsageError("--watch needs a live cluster; a dump (--from) does not change");
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port takes a port number, not '${flags.port}'`);
  const maxBody = Number(flags.maxBody);
  if (!Number.isInteger(maxBody) || maxBody < 1)
    throw new UsageError(`--max-body takes a number of bytes, not '${flags.maxBody}'`);
  const { hostCheck } = await import("../server/hosts.js");
  try {
    hostCheck(flags.host, flags.allowedHost ?? []);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  await checkZoneFlag(flags.zone);
  return { port, maxBody, intervalMs: flags.interval, timeoutMs: flags.timeout };
}

/** A wrong kubeconfig or context is a usage error now, rather than a dashboard that never gets ready. */
async function checkKubeconfig(live: LiveSource): Promise<void> {
  const { KubeConfigError, kubeAccessOf, loadKubeConfig } = await import("../sources/kubeconfig.js");
  try {
    await loadKubeConfig({
      ...kubeAccessOf(live),
      ...(live.contexts[0] ? { context: live.contexts[0] } : {}),
    });
  } catch (e) {
    if (e instanceof KubeConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** MCP at /mcp: the same target as the dashboard; which callers may reach further is decided per request. */
async function mcpDepsOf(io: Io, flags: Flags): Promise<McpDeps> {
  const { depsOf } = await import("./mcp.js");
  return depsOf(io, {
    timeout: flags.timeout,
    ...(flags.kb ? { kb: flags.kb } : {}),
    ...(flags.builtin === false ? { builtin: false } : {}),
    ...(flags.context?.length ? { contexts: flags.context } : {}),
    ...(flags.allContexts ? { allContexts: true } : {}),
    ...(flags.allowPath?.length ? { allowPath: flags.allowPath } : {}),
    ...(flags.readOnly ? { readOnly: true } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.from?.length ? { from: flags.from } : {}),
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(flags.page ? { page: flags.page } : {}),
    ...(flags.config ? { config: flags.config } : {}),
  });
}

function sourceText(flags: Flags, intervalMs: number): string {
  if (flags.from?.length) return `dump ${flags.from.join(" ")}`;
  const which = flags.allContexts
    ? "every context"
    : flags.context?.length
      ? `context ${flags.context.join(", ")}`
      : "the current context";
  const how = flags.watch
    ? "watching"
    : intervalMs
      ? `scanning every ${formatDuration(intervalMs)}`
      : "scanning on request";
  return `${which}, ${how}`;
}

async function serveCommand(io: Io, flags: Flags): Promise<number> {
  const settings = await settingsOf(flags);
  const token = tokenOf(io, flags);
  const page = flags.page ? resolve(io.cwd, flags.page) : undefined;
  if (page && !existsSync(page))
    throw new UsageError(`no such page: ${flags.page} (--page names an existing pitfalls page)`);
  const kbFlags: KbFlags = { ...flags, kb: [...(flags.kb ?? []), ...(page ? [page] : [])] };
  const { config, kb } = await configAndKb(io, {
    ...kbFlags,
    ...(flags.config ? { config: flags.config } : {}),
  });
  const live = liveSourceOf(io, flags, { timeoutMs: settings.timeoutMs, logs: flags.logs });
  if (!flags.from?.length) await checkKubeconfig(live);
  const target = {
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(flags.distribution ? { distribution: flags.distribution } : {}),
  };
  const { scanFeed, watchFeed } = await import("../server/feeds.js");
  const feed: Feed = flags.watch
    ? watchFeed({ kb, config, cwd: io.cwd, live, ...target })
    : scanFeed({
        request: {
          kb,
          config,
          cwd: io.cwd,
          ...target,
          ...(flags.from?.length
            ? { from: flags.from, ...(flags.format ? { layout: flags.format } : {}) }
            : { live }),
          ...(flags.namespace ? { namespace: flags.namespace } : {}),
        },
        intervalMs: settings.intervalMs,
      });
  const mcp = flags.mcp ? await mcpDepsOf(io, flags) : undefined;

  const { startServer } = await import("../server/app.js");
  const { VERSION } = await import("./main.js");
  const stopped = stopSignal();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host: flags.host,
      port: settings.port,
      kb,
      loadKb: () => loadKb(io, kbFlags, config.kb),
      config,
      feed,
      ...(token ? { token } : {}),
      ...(page ? { page } : {}),
      ...(flags.zone ? { zone: flags.zone } : {}),
      maxBodyBytes: settings.maxBody,
      ...(flags.allowedHost?.length ? { allowedHosts: flags.allowedHost } : {}),
      ...(flags.readOnly ? { readOnly: true } : {}),
      ...(mcp ? { mcp } : {}),
      version: VERSION,
      log: (line) => io.err(`${line}\n`),
    });
  } catch (e) {
    stopped.dispose();
    await feed.stop();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(`port ${settings.port} on ${flags.host} is in use: pick another with --port`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new UsageError(`cannot bind ${flags.host}: not an address of this machine`);
    throw e;
  }
  const writes = flags.readOnly
    ? "read-only"
    : `writes ${token ? "need the bearer token" : "are off (no --token-file or PITFALL_TOKEN)"}${page ? `; pitfalls are added to ${flags.page}` : ""}`;
  io.err(
    `pitfall serve: listening on ${server.url} (${sourceText(flags, settings.intervalMs)}); ${writes}\n`,
  );
  await stopped.promise;
  io.err("pitfall serve: stopping\n");
  await server.close();
  stopped.dispose();
  return EXIT.OK;
}
