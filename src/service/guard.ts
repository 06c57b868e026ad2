// `guard`: is a command about to repeat a pitfall of the page? Composed from its stages: split and parse the line,
// evaluate every GUARD line on every simple command (asking the cluster or Redis only when a line needs it), lint
// the manifests it applies, fill the matched pitfalls' steps. Used alike by the CLI, the hook and MCP.
import type { Config } from "../config/model.js";
import {
  compileGuardLine,
  evaluateGuard,
  type Fact,
  type FactBinding,
  type GuardLine,
} from "../engine/guard.js";
import { mayMatch } from "../engine/guard-prefilter.js";
import { type ResolvedZone, resolveZone } from "../engine/zone.js";
import { toCelValue } from "../kb/cel-value.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { normalizeZone } from "../kb/zones.js";
import type { GuardMatch, GuardResult } from "../model/guard.js";
import { type Severity, severityRank } from "../model/severity.js";
import { fillSteps } from "../runbook/fill.js";
import type { CommandValue } from "../sources/command.js";
import type { KubeAccess } from "../sources/kubeconfig.js";
import type { StreamFacts, TargetFacts } from "./guard-facts.js";

export interface GuardRequest {
  kb: KnowledgeBase;
  config: Config;
  /** Where the command runs: its relative paths resolve here. */
  cwd: string;
  /** The whole command line, as the shell would get it. */
  line: string;
  /** `--zone`; else the config's zone of the command's (or the current) kube context. */
  zone?: string;
  /** The kube context used when the command names none (for the zone and the cluster facts). */
  context?: string;
  /** Read local files the command names (manifests to apply, a patch file, folders copied)? */
  readFiles: boolean;
  /** Lint the manifests `kubectl apply -f` would apply (needs readFiles). */
  lintApplied?: boolean;
  /** Looks up what the cluster says about the object a command names; absent: no cluster to ask. */
  target?: (command: CommandValue) => Promise<TargetFacts>;
  /** Looks up a Redis stream; absent: no Redis to ask. */
  stream?: (command: CommandValue) => Promise<StreamFacts>;
  /** The kubeconfig whose current context decides the zone when the command names no context (file read only). */
  kubeconfig?: KubeAccess;
}

export async function guardCommand(req: GuardRequest): Promise<GuardResult> {
  const { parseCommandLine } = await import("../sources/command.js");
  const aliases = req.config.guard?.aliases;
  const parsed = await parseCommandLine(req.line, {
    cwd: req.cwd,
    readFiles: req.readFiles,
    ...(aliases ? { aliases } : {}),
  });
  const result: GuardResult = {
    verdict: "fine",
    commands: parsed.commands.map((c) => ({ text: c.text, program: c.program, verb: c.verb })),
    matches: [],
    findings: [],
    unchecked: [],
    notes: [...parsed.notes],
    errors: [],
  };
  const zones = zoneResolver(req);
  const rules = req.kb.pitfalls.flatMap((pitfall) => pitfall.guard.map((rule) => ({ pitfall, rule })));
  // Lines are compiled (and CEL loaded) only when the prefilter cannot rule them out for some command.
  const compiled = new Map<(typeof rules)[number], GuardLine | undefined>();
  const lineOf = async (r: (typeof rules)[number]) => {
    if (!compiled.has(r)) {
      const c = await compileGuardLine(r.pitfall, r.rule);
      if ("program" in c) compiled.set(r, c);
      else {
        compiled.set(r, undefined);
        result.errors.push(c);
      }
    }
    return compiled.get(r);
  };

  for (const command of parsed.commands) {
    if (command.program === "kubectl" && command.verb === "edit")
      result.notes.push({
        command: command.text,
        message: `kubectl edit changes ${command.resource || "the object"} in an editor, where the guard cannot see the change: make it with kubectl patch, kubectl set or kubectl apply -f to have it checked`,
      });
    const facts = new Map<FactBinding, Fact>();
    const value = toCelValue(command);
    for (const r of rules) {
      if (!mayMatch(r.rule.expr, command as unknown as Record<string, unknown>)) continue;
      const line = await lineOf(r);
      if (!line) continue;
      const outcome = await evaluateWithFacts(line, value, command, facts, req, zones);
      if (outcome.kind === "match") {
        const zoneNote = await zoneGate(line.pitfall, command, zones);
        if (zoneNote === false) continue;
        if (result.matches.some((m) => m.pitfall === line.pitfall.id && m.command === command.text)) continue;
        result.matches.push(matchOf(line, command, facts, zoneNote));
      } else if (outcome.kind === "unchecked") {
        if ((await zoneGate(line.pitfall, command, zones)) === false) continue;
        if (result.unchecked.some((u) => u.pitfall === line.pitfall.id && u.command === command.text))
          continue;
        result.unchecked.push({
          pitfall: line.pitfall.id,
          title: line.pitfall.title,
          command: command.text,
          reason: [...new Set(outcome.reasons)].join("; "),
        });
      }
    }
    if (req.lintApplied !== false && (command.files.length || command.kustomize.length) && isApply(command))
      await lintApplied(command, req, zones, result);
  }
  // A pitfall both matched and unchecked on the same command: the match says it.
  result.unchecked = result.unchecked.filter(
    (u) => !result.matches.some((m) => m.pitfall === u.pitfall && m.command === u.command),
  );
  const zone = zones.known();
  if (zone) result.zone = zone;
  result.verdict =
    result.matches.length || result.findings.length
      ? "match"
      : result.unchecked.length
        ? "unchecked"
        : "fine";
  return result;
}

/** Evaluate one line, looking up the facts it asks for (each once per command) until it answers. */
async function evaluateWithFacts(
  line: GuardLine,
  value: ReturnType<typeof toCelValue>,
  command: CommandValue,
  facts: Map<FactBinding, Fact>,
  req: GuardRequest,
  zones: ZoneResolver,
) {
  for (let round = 0; round < 4; round++) {
    const outcome = evaluateGuard(line, value, facts);
    if (outcome.kind !== "needs") return outcome;
    for (const name of outcome.facts) facts.set(name, await lookUp(name, command, req, zones));
  }
  return { kind: "no-match" as const };
}

async function lookUp(
  name: FactBinding,
  command: CommandValue,
  req: GuardRequest,
  zones: ZoneResolver,
): Promise<Fact> {
  if (name === "zone" || name === "distribution") {
    const z = await zones.forCommand(command);
    const v = name === "zone" ? z.zone : z.distribution;
    return v !== undefined
      ? { value: v }
      : {
          unavailable: `the ${name} of the target is not known (give --zone, or map the kube context in .pitfall.yaml zones)`,
        };
  }
  const { FactError } = await import("./guard-facts.js");
  const read = name === "target" ? req.target : req.stream;
  if (!read)
    return {
      unavailable:
        name === "target"
          ? "no cluster was consulted (give --context or --kubeconfig)"
          : "no Redis was consulted (give --redis, or redis: in .pitfall.yaml)",
    };
  try {
    return { value: await read(command) };
  } catch (e) {
    if (e instanceof FactError) return { unavailable: e.message };
    return { unavailable: `${name} could not be read: ${(e as Error)?.message ?? String(e)}` };
  }
}

interface ZoneResolver {
  forCommand(command: CommandValue): Promise<ResolvedZone>;
  known(): string | undefined;
}

/** The target's zone: --zone, else the config's zone of the command's context (or the current one). Cheap: no cluster. */
function zoneResolver(req: GuardRequest): ZoneResolver {
  let last: string | undefined;
  let current: { name: string | undefined } | undefined;
  const currentContext = async () => {
    if (!current) {
      const { currentContextOf } = await import("../sources/kubeconfig.js");
      current = { name: req.kubeconfig ? currentContextOf(req.kubeconfig) : undefined };
    }
    return current.name;
  };
  const cache = new Map<string, ReturnType<typeof resolveZone>>();
  return {
    async forCommand(command) {
      const context = command.context || req.context || (req.zone ? undefined : await currentContext());
      const key = `${req.zone ?? ""}\u0000${context ?? ""}`;
      let z = cache.get(key);
      if (!z) {
        z = resolveZone({
          ...(req.zone ? { zone: req.zone } : {}),
          ...(context ? { context } : {}),
          config: req.config,
          zoneMap: req.kb.zoneMap,
        });
        cache.set(key, z);
      }
      if (z.zone) last = z.zone;
      return z;
    },
    known: () => last,
  };
}

/**
 * A zone-specific pitfall applies when the target is in one of its zones; where the zone is not known it still
 * applies (the guard warns rather than lets a known mistake through), with a note. False: it does not apply.
 */
async function zoneGate(
  p: Pitfall,
  command: CommandValue,
  zones: ZoneResolver,
): Promise<string | undefined | false> {
  if (p.zones.all) return undefined;
  const z = await zones.forCommand(command);
  if (z.zone === undefined)
    return `this pitfall is written for zone ${p.zones.zones.join("+")}${p.zones.note ? ` (${p.zones.note})` : ""}; the target's zone is not known`;
  if (z.zone === "ALL" || p.zones.zones.includes(Number(normalizeZone(z.zone)))) return undefined;
  return false;
}

function matchOf(
  line: GuardLine,
  command: CommandValue,
  facts: Map<FactBinding, Fact>,
  zoneNote: string | undefined,
): GuardMatch {
  const p = line.pitfall;
  const target = factValue<TargetFacts>(facts, "target");
  const stream = factValue<StreamFacts>(facts, "stream");
  const why = p.steps.filter((s) => s.kind === "ANTI_PATTERN").map((s) => s.text);
  if (target?.oomKilled)
    why.push(
      `${target.kind.toLowerCase()}/${target.name} in ${target.namespace} was OOMKilled (${target.oomKilledContainers.join(", ")})`,
    );
  if (stream?.deadPending)
    why.push(
      `${stream.key} holds ${stream.deadPending} entries of dead consumers (${stream.deadConsumers.join(", ")}; ${stream.judgedBy}): acknowledging or deleting them by hand loses those messages`,
    );
  const m: GuardMatch = {
    pitfall: p.id,
    title: p.title,
    severity: p.severity,
    command: command.text,
    guard: line.rule.expr,
    source: `${p.source.file}:${line.rule.line}`,
    why,
    runbook: fillSteps(p.steps, valuesOf(command, target, stream), ["agent"]),
  };
  if (zoneNote) m.zoneNote = zoneNote;
  return m;
}

function factValue<T>(facts: Map<FactBinding, Fact>, name: FactBinding): T | undefined {
  const f = facts.get(name);
  return f && "value" in f ? (f.value as T) : undefined;
}

/** The names a matched pitfall's `{placeholders}` take from the command and what the cluster or Redis said. */
function valuesOf(
  command: CommandValue,
  target?: TargetFacts,
  stream?: StreamFacts,
): Record<string, string | undefined> {
  const v: Record<string, string | undefined> = {};
  const namespace = command.namespace || target?.namespace;
  if (namespace) v.namespace = namespace;
  if (command.kind) v.kind = command.kind;
  if (command.name) v.name = command.name;
  if (command.kind === "Pod" && command.name) v["pod-name"] = command.name;
  if (command.kind === "Deployment" && command.name) v.deployment = command.name;
  if (command.container) v.container = command.container;
  const oomPod = target?.oomKilledContainers[0]?.split("/")[0];
  if (!v["pod-name"] && oomPod) v["pod-name"] = oomPod;
  if (command.stream) v.agent = command.stream;
  if (stream?.liveConsumers[0]) v["new-consumer"] = stream.liveConsumers[0];
  const id = stream?.deadIds.find((i) => command.ids.includes(i)) ?? command.ids[0] ?? stream?.deadIds[0];
  if (id) v["message-id"] = id;
  return v;
}

function isApply(c: CommandValue): boolean {
  return c.program === "kubectl" && ["apply", "create", "replace"].includes(c.verb) && c.subcommand === "";
}

/** The manifests a command applies, linted with the page's rules in the target's zone; missing files are notes. */
async function lintApplied(
  command: CommandValue,
  req: GuardRequest,
  zones: ZoneResolver,
  result: GuardResult,
): Promise<void> {
  if (!req.readFiles) {
    result.notes.push({
      command: command.text,
      message: "the manifests it applies were not read here, so they were not linted",
    });
    return;
  }
  const { existsSync } = await import("node:fs");
  const { isAbsolute, resolve } = await import("node:path");
  const paths: string[] = [];
  for (const f of [...command.files, ...command.kustomize]) {
    const abs = isAbsolute(f) ? f : resolve(req.cwd, f);
    if (existsSync(abs)) paths.push(f);
    else
      result.notes.push({
        command: command.text,
        message: `${f} does not exist (looked in ${req.cwd}), so it was not linted`,
      });
  }
  if (command.kustomize.length)
    result.notes.push({
      command: command.text,
      message: `-k ${command.kustomize.join(" ")}: the folder's files are linted as they are, without kustomize's patches (for the built result: kubectl kustomize ${command.kustomize[0]} | pitfall lint -)`,
    });
  if (!paths.length) return;
  const { lintFiles, LintInputError } = await import("./lint.js");
  const target = { kb: req.kb, config: req.config };
  let run: Awaited<ReturnType<typeof lintFiles>>;
  try {
    run = await lintFiles({ paths, cwd: req.cwd }, target, await zones.forCommand(command));
  } catch (e) {
    if (!(e instanceof LintInputError)) throw e;
    result.notes.push({ command: command.text, message: `${e.message}, so nothing was linted` });
    return;
  }
  result.findings.push(...run.findings);
  result.errors.push(...run.problems.filter((d) => d.severity === "error"));
  // Zone-specific pitfalls skipped for want of a zone: would they stop these manifests in their zone?
  const skipped = new Set(run.skipped.filter((s) => /give --zone/.test(s.reason)).map((s) => s.pitfall));
  const zonesToTry = new Set([...skipped].flatMap((id) => req.kb.byId.get(id)?.zones.zones ?? []));
  for (const zone of zonesToTry) {
    // The files are read again: a lint holds its findings, not the objects it read.
    const tried = await lintFiles(
      { paths, cwd: req.cwd },
      target,
      resolveZone({ zone: String(zone), config: req.config, zoneMap: req.kb.zoneMap }),
    );
    for (const f of tried.findings) {
      if (!skipped.has(f.pitfall)) continue;
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ""}: ` : "";
      result.unchecked.push({
        pitfall: f.pitfall,
        title: req.kb.byId.get(f.pitfall)?.title ?? f.pitfall,
        command: command.text,
        reason: `the target's zone is not known (give --zone, or map the kube context in .pitfall.yaml zones); in zone ${zone} it would be stopped: ${where}${f.message}`,
      });
    }
  }
}

/** Exit code of a guard answer: 0 fine, 1 it matches a pitfall (or an applied manifest has findings), 3 unchecked. */
export function guardExitCode(r: GuardResult, failOn: Severity = "LOW"): number {
  if (r.matches.length) return 1;
  if (r.findings.some((f) => severityRank(f.severity) <= severityRank(failOn))) return 1;
  if (r.unchecked.length) return 3;
  return 0;
}
