// Lint as one pipeline, called alike by `pitfall lint`, POST /api/lint and MCP lint_manifests: check and resolve
// the zone, read the manifests (files, stdin or a text) document by document the fast way, and lint them in one
// engine run when the input is small (`one-run`), else batch by batch (service/lint-stream); with `--nodes` or
// when only the whole snapshot gives the answer, read them the `yaml` way into one snapshot and run the engine
// once (the path before issue 16, kept as `path: "old"` to compare against).
import { readFile } from "node:fs/promises";
import type { Config } from "../config/model.js";
import { ignoredProblem } from "../engine/ignore.js";
import { type RunOptions, type RunResult, runEngine, type Suppression } from "../engine/run.js";
import { type ResolvedZone, resolveZone, zoneKey } from "../engine/zone.js";
import type { KnowledgeBase } from "../kb/load.js";
import { normalizeZone } from "../kb/zones.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Distribution, Snapshot, Target } from "../model/snapshot.js";
import {
  type ManifestSource,
  manifestSources,
  readManifestBatches,
  sourceSize,
  textSource,
} from "../sources/manifest-stream.js";
import { parseManifests, readManifests } from "../sources/manifests.js";
import { InputChecks } from "./lint-checks.js";
import { lintManifestStream, type StreamedLint } from "./lint-stream.js";

/** A zone that neither the config nor the pages know. */
export class ZoneError extends Error {
  override name = "ZoneError";
}

/** Manifests that cannot be linted at all: nothing could be read, or `--nodes` holds no nodes. */
export class LintInputError extends Error {
  override name = "LintInputError";
}

/** Input problems that mean the input was never read (as opposed to read and found malformed). */
const UNREAD = new Set(["input-missing", "input-unreadable"]);
/** A folder with no manifest files in it: read, but nothing to check. */
const EMPTY = "input-empty";
/**
 * Inputs up to this size are read the fast way into one snapshot and linted in one engine run: no collecting
 * pass, no engine run per batch (10,000 generated resources in 0.93-0.96 s against 1.07-1.17 s; the real-world
 * corpus about alike), and no fall-back for Nodes or owner chains. Held whole, 5.6 MB of manifests peaked at 189 MB
 * of RSS against 182 MB batch by batch (bench:lint); larger inputs go batch by batch, their memory bounded by the
 * largest document.
 */
const ONE_RUN_BYTES = 8 * 1024 * 1024;

export interface LintTarget {
  kb: KnowledgeBase;
  config: Config;
  /** `--zone`: `1`, `zone 1`, `ALL`; must be a zone the config or the pages know. */
  zone?: string;
  distribution?: Distribution;
  /**
   * `streamed`: batch by batch; `one-run`: read the same fast way into one snapshot, one engine run; `old`: read
   * the `yaml` way into one snapshot (memory grows with the input), to compare against. Default: `one-run` for
   * inputs up to 8 MB, `streamed` above.
   */
  path?: LintPath;
  /** Worker threads for many files (0: none); default one per spare core when the input is large. */
  workers?: number;
}

export type LintPath = "streamed" | "one-run" | "old";

export interface LintResult extends RunResult {
  /**
   * The path taken: as asked for, or by the input's size; `old` with `--nodes`, or when only the whole snapshot
   * gives the answer.
   */
  path: LintPath;
  /** Objects linted (`--nodes` objects not counted). */
  objects: number;
  /** Threads the files were linted over, when more than this one (service/lint-parallel). */
  threads?: number;
  /** Input problems (unreadable files, malformed or skipped documents), in input order. */
  input: Diagnostic[];
  /** The input problems and the engine's, each once. */
  problems: Diagnostic[];
  zone: ResolvedZone;
}

/**
 * The zone a lint targets and how it was chosen. An unknown zone is an error that lists the known ones: a
 * typo must not silently skip the zone's pitfalls.
 */
export function lintZone(t: LintTarget): ResolvedZone {
  if (t.zone !== undefined) {
    const zone = normalizeZone(t.zone);
    const known = new Set<string>([
      ...Object.keys(t.config.zones).map(zoneKey),
      ...t.kb.zoneMap.map((z) => String(z.zone)),
      ...t.kb.pitfalls.flatMap((p) => p.zones.zones.map(String)),
    ]);
    if (zone !== "ALL" && !known.has(zone)) {
      const list = [...known].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
      throw new ZoneError(
        `unknown zone '${t.zone}': the config and pages know ${list.length ? `zone ${list.join(", ")}` : "no zones"} (add it under zones: in .pitfall.yaml)`,
      );
    }
  }
  return resolveZone({
    ...(t.zone !== undefined ? { zone: t.zone } : {}),
    ...(t.distribution !== undefined ? { distribution: t.distribution } : {}),
    config: t.config,
    zoneMap: t.kb.zoneMap,
  });
}

/** Manifest text (an HTTP body, a tool argument), shown as `file` in locations. Synchronous: servers queue it. */
export function lintText(text: string, file: string, t: LintTarget, zone: ResolvedZone): LintResult {
  if (t.path !== "old") {
    const streamed = lintSources([textSource(text, file)], file, t, zone);
    if (streamed) return streamed;
  }
  const parsed = parseManifests(text, file);
  const snapshot: Snapshot = {
    target: { kind: "manifests", name: file },
    objects: parsed.objects,
    diagnostics: parsed.diagnostics,
    incomplete: [],
  };
  return lintSnapshot(snapshot, t, zone);
}

/** Files, folders and stdin (and `--nodes`); an error when nothing at all could be read. */
export async function lintFiles(
  inputs: ManifestInputs,
  t: LintTarget,
  zone: ResolvedZone,
): Promise<LintResult> {
  if (inputs.nodes === "-" && inputs.paths.includes("-"))
    throw new LintInputError(
      "stdin can carry the manifests or the --nodes, not both: write the nodes to a file",
    );
  // The capacity check sums over every workload: with `--nodes` the whole snapshot is read.
  if (t.path !== "old" && inputs.nodes === undefined) {
    const stdinFile = inputs.paths.includes("-") ? await stdinOf(inputs) : undefined;
    const sources = await manifestSources(inputs.paths, { cwd: inputs.cwd, stdinFile });
    const streamed = await lintFileSources(sources, inputs.paths.join(" "), t, zone);
    if (streamed) {
      checkSomethingRead(inputs.paths, streamed.objects, streamed.input);
      return streamed;
    }
  }
  return lintSnapshot(await manifestSnapshot(inputs), t, zone);
}

export interface ManifestInputs {
  /** Files, folders, or `-` for stdin. */
  paths: string[];
  cwd: string;
  /** Standard input, copied to a file by the caller (asked for only when `-` is named, once at most). */
  stdinFile?: () => Promise<string>;
  /** Node objects for the capacity check (`--nodes`): read by rules, not linted. */
  nodes?: string;
  /** Told about each `--nodes` object that is not a Node and was left out. */
  onIgnoredNodes?: (count: number, file: string) => void;
}

async function manifestSnapshot(inputs: ManifestInputs): Promise<Snapshot> {
  const read = { cwd: inputs.cwd, readStdin: async () => readFile(await stdinOf(inputs), "utf8") };
  const snapshot = await readManifests(inputs.paths, read);
  checkSomethingRead(inputs.paths, snapshot.objects.length, snapshot.diagnostics);
  if (inputs.nodes === undefined) return snapshot;
  const nodes = await readManifests([inputs.nodes], read);
  const unread = nodes.diagnostics.find((d) => UNREAD.has(d.code));
  if (unread) throw new LintInputError(`--nodes: ${unread.message}`);
  const found = nodes.objects.filter((o) => o.object.kind === "Node");
  if (!found.length)
    throw new LintInputError(
      `--nodes: ${inputs.nodes} holds no Node objects (make it with: kubectl get nodes -o yaml)`,
    );
  const others = nodes.objects.length - found.length;
  if (others) inputs.onIgnoredNodes?.(others, inputs.nodes);
  // Marked so the engine reads them but does not lint them.
  for (const o of found) snapshot.objects.push({ object: o.object, origin: { ...o.origin, role: "nodes" } });
  for (const d of nodes.diagnostics) snapshot.diagnostics.push(d);
  return snapshot;
}

function stdinOf(inputs: ManifestInputs): Promise<string> {
  if (!inputs.stdinFile) throw new LintInputError("- names standard input, which this caller does not give");
  return inputs.stdinFile();
}

/** An error only when nothing at all could be read: every input missing or unreadable, or no manifests found. */
function checkSomethingRead(paths: string[], objects: number, diagnostics: Diagnostic[]): void {
  if (objects) return;
  const unread = diagnostics.filter((d) => UNREAD.has(d.code));
  const empty = diagnostics.filter((d) => d.code === EMPTY);
  if (diagnostics.length !== unread.length + empty.length) return;
  if (unread.length) throw new LintInputError(unread.map((d) => d.message).join("; "));
  const where = empty.length ? empty.map((d) => d.file).join(", ") : paths.join(" ");
  throw new LintInputError(
    `no Kubernetes manifests found in ${where} (looked for .yaml, .yml and .json files)`,
  );
}

function runOptions(t: LintTarget, zone: ResolvedZone): RunOptions {
  return {
    mode: "manifest",
    kb: t.kb,
    config: t.config,
    ...(zone.zone !== undefined ? { zone: zone.zone } : {}),
    ...(zone.distribution !== undefined ? { distribution: zone.distribution } : {}),
  };
}

/** Files linted batch by batch, over worker threads when there are enough of them (service/lint-parallel). */
async function lintFileSources(
  sources: ManifestSource[],
  name: string,
  t: LintTarget,
  zone: ResolvedZone,
): Promise<LintResult | undefined> {
  const { lintInGroups, workersFor } = await import("./lint-parallel.js");
  // A lint asked to run in one snapshot is not cut into groups.
  const workers = t.path === "one-run" ? 0 : workersFor(sources, t.workers);
  if (!workers) return lintSources(sources, name, t, zone);
  const streamed = await lintInGroups(sources, runOptions(t, zone), targetOf(name, zone), workers);
  if (streamed === "serial") return lintSources(sources, name, t, zone);
  return streamed && { ...streamedResult(streamed, t, zone), threads: workers + 1 };
}

function targetOf(name: string, zone: ResolvedZone): Target {
  const target: Target = { kind: "manifests", name };
  if (zone.zone !== undefined) target.zone = zone.zone;
  if (zone.distribution !== undefined) target.distribution = zone.distribution;
  return target;
}

function streamedResult(streamed: StreamedLint, t: LintTarget, zone: ResolvedZone): LintResult {
  const { objects, diagnostics, result } = streamed;
  return { ...settled(result, diagnostics, t), path: "streamed", objects, input: diagnostics, zone };
}

/**
 * The sources linted in one run or batch by batch (by their size, unless asked); undefined when batches cannot
 * give today's answer.
 */
function lintSources(
  sources: ManifestSource[],
  name: string,
  t: LintTarget,
  zone: ResolvedZone,
): LintResult | undefined {
  const oneRun = t.path === "one-run" || (t.path === undefined && sourcesSize(sources) <= ONE_RUN_BYTES);
  if (oneRun) return lintOneRun(sources, name, t, zone);
  const streamed = lintManifestStream(sources, runOptions(t, zone), targetOf(name, zone));
  return streamed && streamedResult(streamed, t, zone);
}

function sourcesSize(sources: ManifestSource[]): number {
  return sources.reduce((n, s) => n + sourceSize(s), 0);
}

/** The sources read the fast way into one snapshot: the whole snapshot's answer, one engine run. */
function lintOneRun(sources: ManifestSource[], name: string, t: LintTarget, zone: ResolvedZone): LintResult {
  const snapshot: Snapshot = {
    target: { kind: "manifests", name },
    objects: [],
    diagnostics: [],
    incomplete: [],
  };
  for (const batch of readManifestBatches(sources, { batchChars: Number.POSITIVE_INFINITY })) {
    for (const o of batch.objects) snapshot.objects.push(o);
    for (const d of batch.diagnostics) snapshot.diagnostics.push(d);
  }
  return { ...lintSnapshot(snapshot, t, zone), path: "one-run" };
}

/** The engine over the manifests for the zone `lintZone` resolved, in one run. */
function lintSnapshot(snapshot: Snapshot, t: LintTarget, zone: ResolvedZone): LintResult {
  // Patches are no whole objects; what the API server would refuse is an input error, not a value that counts.
  const checks = new InputChecks();
  snapshot.objects = checks.take(snapshot.objects);
  snapshot.diagnostics.push(...checks.diagnostics());
  if (zone.zone !== undefined) snapshot.target.zone = zone.zone;
  if (zone.distribution !== undefined) snapshot.target.distribution = zone.distribution;
  const result = runEngine(snapshot, runOptions(t, zone));
  return {
    ...settled(result, snapshot.diagnostics, t),
    path: "old",
    objects: snapshot.objects.filter((o) => o.origin.role !== "nodes").length,
    input: snapshot.diagnostics,
    zone,
  };
}

/** The run's problems, each once, but those of files an ignore path covers, which join the suppressed. */
function settled(
  result: RunResult,
  input: Diagnostic[],
  t: LintTarget,
): RunResult & { problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const suppressed: Suppression[] = [...result.suppressed];
  for (const d of uniqueDiagnostics([...input, ...result.diagnostics])) {
    const verdict = ignoredProblem(t.config.ignore, d.file, t.config.file);
    if (verdict) suppressed.push(problemSuppression(d, verdict));
    else problems.push(d);
  }
  return { ...result, suppressed, problems };
}

/** An input problem an ignore path covers, listed with the suppressed findings. */
function problemSuppression(
  d: Diagnostic,
  verdict: { by: "config" | "annotation"; reason: string },
): Suppression {
  return {
    pitfall: d.severity === "error" ? "input-error" : "input-warning",
    rule: d.code,
    object: { kind: "File", name: d.file },
    file: d.file,
    line: d.line,
    ...verdict,
  };
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
