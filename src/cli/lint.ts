// `pitfall lint`: manifests against the pitfalls, before they are deployed.
// Composes the stages: load config and pages → service/lint (zone, manifests and --nodes, engine) → report.
import { visible } from "../model/sanitize.js";
import { isAbsolute, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Distribution } from "../model/snapshot.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { SEVERITIES, type Severity, severityRank } from "../model/severity.js";
import type { Finding } from "../model/finding.js";
import { configOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { stdinSpool } from "./stdin-spool.js";
import { linesAt } from "../sources/source-lines.js";
import type { SourceLine } from "../report/types.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import type { LintPath } from "../service/lint.js";

type Format = "text" | "json" | "sarif" | "markdown";

interface Flags extends KbFlags {
  zone?: string;
  distribution?: Distribution;
  nodes?: string;
  failOn: Severity;
  showSuppressed?: boolean;
  output: Format;
  config?: string;
}

export function registerLint(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("lint")
      .description("check manifests against the pitfalls before they are deployed")
      .argument("[paths...]", "files or folders of manifests (.yaml, .yml, .json), or - for stdin", ["."])
      .addOption(
        new Option(
          "--zone <zone>",
          "the zone the manifests go to (1, 2, …); zone-specific pitfalls follow it",
        ),
      )
      .addOption(
        new Option("--distribution <name>", "the target's distribution, when no zone says it").choices([
          "k3s",
          "managed",
        ]),
      )
      .addOption(
        new Option(
          "--nodes <file>",
          "Node objects (kubectl get nodes -o yaml) for the capacity check; not linted",
        ),
      )
      .addOption(
        new Option(
          "--fail-on <severity>",
          "exit 1 for findings at or above this severity (CRITICAL, HIGH, MEDIUM, LOW)",
        )
          .argParser(parseSeverity)
          .default("LOW"),
      )
      .addOption(new Option("--show-suppressed", "list suppressed findings and the reason for each"))
      .addOption(
        new Option("-o, --output <format>", "output format")
          .choices(["text", "json", "sarif", "markdown"])
          .default("text"),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Each finding points at the offending field (file:line:col) and shows the pitfall's steps from the loaded
page; a team's page (--kb, or kb: in .pitfall.yaml) wins over the built-in one, DETECT lines included.
Silence a finding with the annotation pitfall.io/ignore: "<pitfall-id>" (plus pitfall.io/ignore-reason),
or an ignore: entry in .pitfall.yaml.

Examples:
  pitfall lint deploy/ --zone 1
  helm template chart/ | pitfall lint - --zone 2
  pitfall lint k8s/ --nodes nodes.yaml          (kubectl get nodes -o yaml > nodes.yaml)
  pitfall lint k8s/ --fail-on HIGH -o sarif > pitfall.sarif
  pitfall lint k8s/ -o markdown > comment.md    (for a pull-request comment)
  pitfall lint k8s/ --kb wiki/kubernetes-pitfalls.md --show-suppressed

Exit codes: 0 clean, 1 findings at or above --fail-on or unreadable input, 2 usage error or nothing
could be read.`,
    )
    .action(async (paths: string[], flags: Flags) => {
      run.exitCode = await lintCommand(run.io, paths, flags);
    });
}

function parseSeverity(value: string): Severity {
  const s = value.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(s))
    throw new InvalidArgumentError(`choose one of ${SEVERITIES.join(", ")}`);
  return s as Severity;
}

async function lintCommand(io: Io, paths: string[], flags: Flags): Promise<number> {
  // The old generation grows by 30% of what is live, not 300%: a lint of a 200 MB input holds its findings and an
  // index of every object for minutes, and V8's default growth for a cheap GC held 1.9 GB for 300 MB live. More
  // full collections for a third less peak memory (bench:lint-memory). Only here: a scan's read of 80,000
  // objects took a fifth longer with it, for the same peak (bench/scan-run).
  setFlagsFromString("--heap-growing-percent=30");
  const progress = progressOf(io);
  const stdin = stdinSpool(io);
  try {
    const { config, kb } = await configAndKb(io, flags);
    reportPageErrors(io, kb);
    const lint = await import("../service/lint.js");
    const target = {
      kb,
      config,
      ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
      ...(flags.distribution !== undefined ? { distribution: flags.distribution } : {}),
      ...lintPathOf(io),
      ...lintWorkersOf(io),
    };
    const zone = asUsage(lint, () => lint.lintZone(target));
    io.err(`pitfall: ${zoneText(zone)}: ${zone.how}\n`);

    progress.step("reading manifests");
    const inputs = {
      paths,
      cwd: io.cwd,
      stdinFile: stdin.file,
      ...(flags.nodes ? { nodes: flags.nodes } : {}),
      onIgnoredNodes: (n: number, file: string) =>
        io.err(`pitfall: --nodes: ignored ${n} objects of ${file} that are not Nodes\n`),
    };
    const result = await lint.lintFiles(inputs, target, zone).catch((e: unknown) => {
      throw e instanceof lint.LintInputError ? new UsageError(e.message) : e;
    });
    progress.done();
    if (result.threads) io.err(`pitfall: ${result.objects} objects linted over ${result.threads} threads\n`);

    reportSkipped(io, result.skipped);
    const input = {
      findings: result.findings,
      diagnostics: result.problems,
      suppressed: result.suppressed,
      pitfall: (id: string) => kb.byId.get(id),
    };
    writeInParts(io, await render(io, flags, input, () => sourceLines(io, input.findings, stdin.spooled())));
    if (flags.output !== "text") warnOnStderr(io, input.diagnostics);
    return exitCodeOf(input.findings, input.diagnostics, flags.failOn);
  } finally {
    progress.done();
    await stdin.remove();
  }
}

/**
 * `PITFALL_LINT_PATH=old` lints the whole snapshot read the `yaml` way, as before issue 16, to compare the paths;
 * `streamed` and `one-run` force one of the fast paths; unset, the input's size chooses.
 */
function lintPathOf(io: Io): { path?: LintPath } {
  const path = io.env.PITFALL_LINT_PATH;
  if (path === undefined || path === "") return {};
  if (path === "old" || path === "streamed" || path === "one-run") return { path };
  throw new UsageError(`PITFALL_LINT_PATH is '${path}': set it to old, one-run or streamed, or unset it`);
}

/** `PITFALL_LINT_WORKERS=N`: worker threads for a lint of many files (0: none); unset, one per spare core. */
function lintWorkersOf(io: Io): { workers?: number } {
  const asked = io.env.PITFALL_LINT_WORKERS;
  if (asked === undefined || asked === "") return {};
  const n = Number(asked);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new UsageError(
      `PITFALL_LINT_WORKERS is '${asked}': set it to a whole number from 0 to 64, or unset it`,
    );
  return { workers: n };
}

type LintService = typeof import("../service/lint.js");

/** A zone the config and pages do not know is a usage error: exit 2, one line. */
function asUsage<T>(lint: LintService, work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof lint.ZoneError) throw new UsageError(e.message);
    throw e;
  }
}

/** `zone 1 (k3s)`, `distribution k3s` or `no zone`. */
function zoneText(z: { zone?: string; distribution?: string }): string {
  if (z.zone !== undefined) return `zone ${z.zone}${z.distribution ? ` (${z.distribution})` : ""}`;
  return z.distribution ? `distribution ${z.distribution}` : "no zone";
}

export function exitCodeOf(findings: Finding[], diagnostics: Diagnostic[], failOn: Severity): number {
  if (diagnostics.some((d) => d.severity === "error")) return EXIT.FINDINGS;
  if (findings.some((f) => severityRank(f.severity) <= severityRank(failOn))) return EXIT.FINDINGS;
  return EXIT.OK;
}

/** Errors in the team's page do not stop a lint, but the user should know which entries did not load. */
function reportPageErrors(io: Io, kb: KnowledgeBase): void {
  const errors = kb.diagnostics.filter((d) => d.severity === "error");
  for (const d of errors.slice(0, 5))
    io.err(`pitfall: page ${visible(d.file)}:${d.line}: ${visible(d.message)}\n`);
  if (errors.length > 5)
    io.err(`pitfall: … and ${errors.length - 5} more page errors (see \`pitfall kb lint\`)\n`);
}

/** Skipped pitfalls, grouped by reason: `skipped for zone 2: a, b (applies to zone 1 only)`. */
function reportSkipped(io: Io, skipped: { pitfall: string; reason: string }[]): void {
  const byReason = new Map<string, string[]>();
  for (const s of skipped) {
    const list = byReason.get(s.reason) ?? [];
    list.push(s.pitfall);
    byReason.set(s.reason, list);
  }
  for (const [reason, ids] of byReason) io.err(`pitfall: skipped ${ids.join(", ")}: ${reason}\n`);
}

/** Warnings (duplicate keys, non-Kubernetes documents) have no place in JSON/SARIF/Markdown; stderr has. */
function warnOnStderr(io: Io, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics)
    if (d.severity === "warning")
      io.err(`pitfall: warning: ${visible(d.file)}:${d.line}: ${visible(d.message)}\n`);
}

async function render(
  io: Io,
  flags: Flags,
  input: import("../report/types.js").ReportInput,
  quoted: () => SourceLine,
): Promise<Iterable<string>> {
  const showSuppressed = Boolean(flags.showSuppressed);
  if (flags.output === "json") {
    const { jsonParts } = await import("../report/json.js");
    return jsonParts(input, { showSuppressed });
  }
  if (flags.output === "sarif") {
    const { formatSarif } = await import("../report/sarif.js");
    const { VERSION } = await import("./main.js");
    return [formatSarif(input, { version: VERSION, showSuppressed })];
  }
  const sourceLine = quoted();
  if (flags.output === "markdown") {
    const { formatMarkdown } = await import("../report/markdown.js");
    return [formatMarkdown(input, { sourceLine, showSuppressed })];
  }
  const { formatText } = await import("../report/text.js");
  const { painter } = await import("./io.js");
  return [formatText(input, { paint: painter(io), sourceLine, showSuppressed })];
}

/** Parts written about a megabyte at a time: a large report is not held whole on its way out. */
function writeInParts(io: Io, parts: Iterable<string>): void {
  let pending: string[] = [];
  let size = 0;
  for (const part of parts) {
    pending.push(part);
    size += part.length;
    if (size < 1 << 20) continue;
    io.out(pending.join(""));
    pending = [];
    size = 0;
  }
  if (pending.length) io.out(pending.join(""));
}

/**
 * The lines findings point at, each file read once, in chunks (a 200 MB input is not held to quote a few of its
 * lines); stdin from its spooled copy. A file that cannot be read any more quotes nothing.
 */
function sourceLines(io: Io, findings: Finding[], stdinFile: string | undefined): SourceLine {
  const wanted = new Map<string, Set<number>>();
  for (const f of findings) {
    if (f.file === undefined || f.line === undefined) continue;
    const lines = wanted.get(f.file) ?? new Set<number>();
    lines.add(f.line);
    wanted.set(f.file, lines);
  }
  const quoted = new Map<string, Map<number, string>>();
  for (const [file, lines] of wanted) {
    const path = file === "<stdin>" ? stdinFile : isAbsolute(file) ? file : resolve(io.cwd, file);
    if (path === undefined) continue;
    try {
      quoted.set(file, linesAt(path, lines));
    } catch {
      // Moved or deleted since it was linted: the finding is shown without its line.
    }
  }
  return (file, line) => quoted.get(file)?.get(line);
}

/** A status line on a terminal's stderr, only once a run has taken more than a second. */
function progressOf(io: Io) {
  if (!io.stderrIsTTY) return { step: (_text: string) => {}, done: () => {} };
  let current = "";
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    io.err(`\rpitfall: ${current}…`);
  }, 1000);
  timer.unref();
  return {
    step(text: string) {
      current = text;
      if (shown) io.err(`\r\u001b[Kpitfall: ${text}…`);
    },
    done() {
      clearTimeout(timer);
      if (shown) io.err("\r\u001b[K");
      shown = false;
    },
  };
}
