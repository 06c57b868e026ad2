// `pitfall lint`: manifests against the pitfalls, before they are deployed.
// Composes the stages: read manifests (and --nodes) → load pages and config → resolve zone → engine → report.
import { readFileSync } from "node:fs";
import { visible } from "../model/sanitize.js";
import { isAbsolute, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../config/model.js";
import type { Snapshot } from "../engine/types.js";
import type { KnowledgeBase } from "../kb/load.js";
import { type Diagnostic, type Distribution, SEVERITIES, type Severity } from "../kb/model.js";
import { type Finding, severityRank } from "../rules/finding.js";
import { configFor, configOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";

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

/** Input problems that mean the input was never read (as opposed to read and found malformed). */
const UNREAD = new Set(["input-missing", "input-unreadable"]);
/** A folder with no manifest files in it: read, but nothing to check. */
const EMPTY = "input-empty";

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
  const progress = progressOf(io);
  try {
    const config = await configFor(io, flags.config);
    if (flags.nodes === "-" && paths.includes("-"))
      throw new UsageError(
        "stdin can carry the manifests or the --nodes, not both: write the nodes to a file",
      );
    const kb = await loadKb(io, flags, config.kb);
    reportPageErrors(io, kb);
    const zone = await zoneOf(io, flags, config, kb);

    progress.step("reading manifests");
    const stdin = stdinOnce(io);
    const runOptions = {
      mode: "manifest" as const,
      kb,
      config,
      ...(zone.zone !== undefined ? { zone: zone.zone } : {}),
      ...(zone.distribution !== undefined ? { distribution: zone.distribution } : {}),
    };
    // Documents streamed and let go (issue 16); PITFALL_LINT_PATH=old keeps the whole-snapshot path to compare.
    const streamed =
      flags.nodes || io.env.PITFALL_LINT_PATH === "old"
        ? undefined
        : await lintStreamed(io, paths, runOptions, zone, stdin.read);
    let snapshot: Snapshot;
    let result: import("../engine/run.js").RunResult;
    if (streamed) ({ snapshot, result } = streamed);
    else {
      const { readManifests } = await import("../sources/manifests.js");
      snapshot = await readManifests(paths, { cwd: io.cwd, readStdin: stdin.read });
      checkSomethingRead(paths, snapshot.objects.length, snapshot.diagnostics);
      if (zone.zone !== undefined) snapshot.target.zone = zone.zone;
      if (zone.distribution !== undefined) snapshot.target.distribution = zone.distribution;
      if (flags.nodes) await addNodes(io, snapshot, flags.nodes, stdin.read);

      progress.step(`checking ${snapshot.objects.length} objects`);
      const { runEngine } = await import("../engine/run.js");
      result = runEngine(snapshot, runOptions);
    }
    progress.done();

    reportSkipped(io, result.skipped);
    const input = {
      findings: result.findings,
      diagnostics: uniqueDiagnostics([...snapshot.diagnostics, ...result.diagnostics]),
      suppressed: result.suppressed,
      incomplete: snapshot.incomplete,
      pitfall: (id: string) => kb.byId.get(id),
    };
    io.out(await render(io, flags, input, stdin.text));
    if (flags.output !== "text") warnOnStderr(io, input.diagnostics);
    return exitCodeOf(input.findings, input.diagnostics, flags.failOn);
  } finally {
    progress.done();
  }
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

async function zoneOf(io: Io, flags: Flags, config: Config, kb: KnowledgeBase) {
  const { resolveZone, zoneKey } = await import("../engine/zone.js");
  const { normalizeZone } = await import("../kb/zones.js");
  if (flags.zone !== undefined) {
    const zone = normalizeZone(flags.zone);
    const known = new Set<string>([
      ...Object.keys(config.zones).map(zoneKey),
      ...kb.zoneMap.map((z) => String(z.zone)),
      ...kb.pitfalls.flatMap((p) => p.zones.zones.map(String)),
    ]);
    if (zone !== "ALL" && !known.has(zone)) {
      const list = [...known].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
      throw new UsageError(
        `unknown zone '${flags.zone}': the config and pages know ${list.length ? `zone ${list.join(", ")}` : "no zones"} (add it under zones: in .pitfall.yaml)`,
      );
    }
  }
  const resolved = resolveZone({
    ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
    ...(flags.distribution !== undefined ? { distribution: flags.distribution } : {}),
    config,
    zoneMap: kb.zoneMap,
  });
  const what =
    resolved.zone !== undefined
      ? `zone ${resolved.zone}${resolved.distribution ? ` (${resolved.distribution})` : ""}`
      : resolved.distribution
        ? `distribution ${resolved.distribution}`
        : "no zone";
  io.err(`pitfall: ${what}: ${resolved.how}\n`);
  return resolved;
}

/** Lint batch by batch; undefined when only the whole snapshot gives today's answer. */
async function lintStreamed(
  io: Io,
  paths: string[],
  runOptions: import("../engine/run.js").RunOptions,
  zone: { zone?: string; distribution?: Distribution },
  readStdin: () => Promise<string>,
) {
  const { lintManifestStream } = await import("../service/lint-stream.js");
  const target: Snapshot["target"] = { kind: "manifests", name: paths.join(" ") };
  if (zone.zone !== undefined) target.zone = zone.zone;
  if (zone.distribution !== undefined) target.distribution = zone.distribution;
  const streamed = await lintManifestStream(paths, { cwd: io.cwd, readStdin }, runOptions, target);
  if (!streamed) return undefined;
  checkSomethingRead(paths, streamed.objects, streamed.diagnostics);
  const snapshot: Snapshot = { target, objects: [], diagnostics: streamed.diagnostics, incomplete: [] };
  return { snapshot, result: streamed.result };
}

/** Exit 2 only when nothing at all could be read: every input missing or unreadable, or no manifests found. */
function checkSomethingRead(paths: string[], objects: number, diagnostics: Diagnostic[]): void {
  if (objects) return;
  const unread = diagnostics.filter((d) => UNREAD.has(d.code));
  const empty = diagnostics.filter((d) => d.code === EMPTY);
  if (diagnostics.length !== unread.length + empty.length) return;
  if (unread.length) throw new UsageError(unread.map((d) => d.message).join("; "));
  const where = empty.length ? empty.map((d) => d.file).join(", ") : paths.join(" ");
  throw new UsageError(`no Kubernetes manifests found in ${where} (looked for .yaml, .yml and .json files)`);
}

/** Node objects for the capacity check: marked so the engine reads them but does not lint them. */
async function addNodes(
  io: Io,
  snapshot: Snapshot,
  file: string,
  readStdin: () => Promise<string>,
): Promise<void> {
  const { readManifests } = await import("../sources/manifests.js");
  const nodes = await readManifests([file], { cwd: io.cwd, readStdin });
  const unread = nodes.diagnostics.find((d) => UNREAD.has(d.code));
  if (unread) throw new UsageError(`--nodes: ${unread.message}`);
  const found = nodes.objects.filter((o) => o.object.kind === "Node");
  if (!found.length)
    throw new UsageError(`--nodes: ${file} holds no Node objects (make it with: kubectl get nodes -o yaml)`);
  const others = nodes.objects.length - found.length;
  if (others) io.err(`pitfall: --nodes: ignored ${others} objects of ${file} that are not Nodes\n`);
  for (const o of found) snapshot.objects.push({ object: o.object, origin: { ...o.origin, role: "nodes" } });
  for (const d of nodes.diagnostics) snapshot.diagnostics.push(d);
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

/** The engine may pass the snapshot's diagnostics through; each is shown once. */
function uniqueDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}\u0000${d.line}\u0000${d.column ?? ""}\u0000${d.code}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
  stdinText: () => string | undefined,
): Promise<string> {
  const showSuppressed = Boolean(flags.showSuppressed);
  if (flags.output === "json") {
    const { formatJson } = await import("../report/json.js");
    return formatJson(input, { showSuppressed });
  }
  if (flags.output === "sarif") {
    const { formatSarif } = await import("../report/sarif.js");
    const { VERSION } = await import("./main.js");
    return formatSarif(input, { version: VERSION, showSuppressed });
  }
  const sourceLine = sourceLines(io, stdinText);
  if (flags.output === "markdown") {
    const { formatMarkdown } = await import("../report/markdown.js");
    return formatMarkdown(input, { sourceLine, showSuppressed });
  }
  const { formatText } = await import("../report/text.js");
  const { painter } = await import("./io.js");
  return formatText(input, { paint: painter(io), sourceLine, showSuppressed });
}

/** Lines of the linted files, read once each when a reporter quotes them; stdin from what was read. */
function sourceLines(io: Io, stdinText: () => string | undefined) {
  const files = new Map<string, string[] | undefined>();
  return (file: string, line: number): string | undefined => {
    if (!files.has(file)) {
      let text: string | undefined;
      if (file === "<stdin>") text = stdinText();
      else {
        try {
          text = readFileSync(isAbsolute(file) ? file : resolve(io.cwd, file), "utf8");
        } catch {
          text = undefined;
        }
      }
      files.set(file, text?.split(/\r?\n/));
    }
    return files.get(file)?.[line - 1];
  };
}

/** Standard input read at most once, kept for quoting source lines. */
function stdinOnce(io: Io) {
  let text: string | undefined;
  let pending: Promise<string> | undefined;
  return {
    read: () => {
      pending ??= io.readStdin().then((t) => {
        text = t;
        return t;
      });
      return pending;
    },
    text: () => text,
  };
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
