// A scan composed from its stages: read each target (live contexts or a dump), resolve its zone, run the
// engine, add the Redis Streams check when configured. Used by the CLI, the server and the MCP tools.
import type { Config } from "../config/model.js";
import type { RunOptions, RunResult, Suppression } from "../engine/run.js";
import { lookupOf } from "../engine/lookup.js";
import { resolveZone } from "../engine/zone.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { PodFailure } from "../k8s/failing.js";
import { withPerRunViews } from "../k8s/per-run.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { compareFindings, type Finding } from "../model/finding.js";
import type { NoiseGroup } from "../model/noise.js";
import type { Distribution, Incomplete, Snapshot, SourcedObject, Target } from "../model/snapshot.js";
import type { Unexplained } from "../model/unexplained.js";
import type { DumpLayout } from "../sources/dump.js";
import type { KubeAccess } from "../sources/kubeconfig.js";
import type { Lookup } from "../rules/types.js";
import type { LatentOptions } from "./latent.js";
import { checkWhole, type EarlyChecks, finishEarly, startEarly } from "./scan-early.js";
import { groupSystemNoise } from "./system-noise.js";
import { unexplainedOf } from "./unexplained.js";

/** A live target, kubectl's way: where the kubeconfig is, which contexts, which namespace. */
export interface LiveSource extends KubeAccess {
  /** Contexts to scan; empty means the current one. */
  contexts: string[];
  allContexts?: boolean;
  namespace?: string;
  timeoutMs?: number;
  /** Items per list page (`--chunk-size`); default 500. */
  pageSize?: number;
  /** Fetch previous (and current) container logs. */
  logs?: boolean;
}

export interface RedisSource {
  url?: string;
  password?: string;
  timeoutMs: number;
  idleMs: number;
  maxDeliveries: number;
}

export interface ScanRequest {
  kb: KnowledgeBase;
  config: Config;
  cwd: string;
  /** Dump files, folders or archives; when given, no live cluster is read. */
  from?: string[];
  /** Read the dump as this layout (`--format`) instead of telling it from what it holds. */
  layout?: DumpLayout;
  /** Only this namespace (cluster-scoped objects such as nodes stay). */
  namespace?: string;
  live?: LiveSource;
  redis?: RedisSource;
  zone?: string;
  distribution?: Distribution;
  /** Target version for the etcd upgrade check. */
  upgradeTo?: string;
  onProgress?: (message: string) => void;
  now?: Date;
  /** List system namespaces' latent risks one by one instead of one count per namespace (`--include-system`). */
  includeSystem?: boolean;
  /** Stops reading a dump (a walk of a big folder); the scan then throws the signal's reason. */
  signal?: AbortSignal;
}

export interface TargetSummary {
  kind: Target["kind"];
  name: string;
  context?: string;
  zone?: string;
  distribution?: Distribution;
  /** How the zone was chosen. */
  how: string;
  objects: number;
}

export interface ScanReport {
  targets: TargetSummary[];
  findings: Finding[];
  incomplete: Incomplete[];
  suppressed: Suppression[];
  /** Input problems (dump files) and engine problems. */
  errors: Diagnostic[];
  skipped: RunResult["skipped"];
  /** Pods failing now that no finding explains, with their evidence (service/unexplained). */
  unexplained: Unexplained[];
  /** System namespaces' latent risks, counted instead of listed (without `includeSystem`). */
  grouped: NoiseGroup[];
  /** The snapshots read, for explain and for the server. */
  snapshots: Snapshot[];
}

/** Read every target and run the engine on each; targets are read concurrently. */
export async function scan(req: ScanRequest): Promise<ScanReport> {
  const { snapshots, early } = await readTargets(req);
  const streams = req.redis ? await scanStreams(req, req.redis, livePodsOf(snapshots)) : undefined;
  return analyseTargets(snapshots, req, streams, await begun(early));
}

/** The checks begun while reading, by context; one that failed is left out (its snapshot is analysed whole). */
async function begun(early: Map<string, Promise<EarlyChecks>>): Promise<Map<string, EarlyChecks>> {
  const out = new Map<string, EarlyChecks>();
  for (const [context, checks] of early) {
    try {
      out.set(context, await checks);
    } catch {
      // Nothing is lost: analyse runs every check on the whole snapshot instead.
    }
  }
  return out;
}

/**
 * Everything a scan does once its targets are read: the engine on each snapshot (with its latent risks), the
 * failures nothing explains, the Redis Streams findings when there are some, the order, the system noise grouped.
 */
export function analyseTargets(
  snapshots: Snapshot[],
  req: Pick<ScanRequest, "kb" | "config" | "zone" | "distribution" | "now" | "upgradeTo" | "includeSystem">,
  streams?: { findings: Finding[]; incomplete: Incomplete[] },
  early?: ReadonlyMap<string, EarlyChecks>,
): ScanReport {
  // One run for the live rules, the latent risks and the unexplained list: views of an object kept (k8s/per-run).
  return withPerRunViews(() => analyseAll(snapshots, req, streams, early));
}

function analyseAll(
  snapshots: Snapshot[],
  req: Pick<ScanRequest, "kb" | "config" | "zone" | "distribution" | "now" | "upgradeTo" | "includeSystem">,
  streams?: { findings: Finding[]; incomplete: Incomplete[] },
  early?: ReadonlyMap<string, EarlyChecks>,
): ScanReport {
  const report: ScanReport = {
    targets: [],
    findings: [],
    incomplete: [],
    suppressed: [],
    errors: [],
    skipped: [],
    unexplained: [],
    grouped: [],
    snapshots,
  };
  for (const snapshot of snapshots) {
    const context = snapshot.target.kind === "cluster" ? snapshot.target.context : undefined;
    const begun = context === undefined ? undefined : early?.get(context);
    const { result, summary, lookup, pods, failures } = analyse(snapshot, req, begun);
    report.targets.push(summary);
    report.findings.push(...result.findings);
    report.suppressed.push(...result.suppressed);
    report.errors.push(...snapshot.diagnostics, ...result.diagnostics);
    report.skipped.push(...result.skipped);
    report.unexplained.push(
      ...unexplainedOf(snapshot, result, {
        config: req.config,
        now: req.now,
        zone: summary.zone,
        lookup,
        ...(pods ? { pods } : {}),
        ...(failures ? { failures } : {}),
      }),
    );
    const prefix = snapshots.length > 1 && snapshot.target.context ? `${snapshot.target.context}: ` : "";
    report.incomplete.push(
      ...snapshot.incomplete.map((i) => ({ resource: i.resource, reason: prefix + i.reason })),
    );
  }
  if (streams) {
    report.findings.push(...streams.findings);
    report.incomplete.push(...streams.incomplete);
  }
  report.findings.sort(compareFindings);
  if (!req.includeSystem) {
    const { shown, grouped } = groupSystemNoise(report.findings);
    report.findings = shown;
    report.grouped = grouped;
  }
  return report;
}

/** The pods the snapshots hold, by name, for the Streams check's liveness of consumers; undefined when none. */
function livePodsOf(snapshots: Snapshot[]): Set<string> | undefined {
  const pods = new Set(
    snapshots.flatMap((s) =>
      s.objects.filter((o) => o.object.kind === "Pod").map((o) => String(o.object.metadata?.name)),
    ),
  );
  return pods.size ? pods : undefined;
}

type AnalyseRequest = Pick<ScanRequest, "kb" | "config" | "zone" | "distribution" | "now" | "upgradeTo">;

/** The snapshot's target with its zone resolved, and the options of its live run and of its latent risks. */
function runsOf(snapshot: Snapshot, req: AnalyseRequest) {
  const zone = zoneOf(snapshot, req);
  const target: Target = { ...snapshot.target };
  if (zone.zone) target.zone = zone.zone;
  if (zone.distribution) target.distribution = zone.distribution;
  if (req.upgradeTo) target.upgradeTo = req.upgradeTo;
  const options = (lookup: Lookup): { live: RunOptions; latent: LatentOptions } => ({
    live: {
      mode: "live",
      kb: req.kb,
      config: req.config,
      lookup,
      ...(zone.zone ? { zone: zone.zone } : {}),
      ...(zone.distribution ? { distribution: zone.distribution } : {}),
      ...(req.now ? { now: req.now } : {}),
    },
    latent: {
      kb: req.kb,
      config: req.config,
      zone: zone.zone,
      distribution: zone.distribution,
      now: req.now,
      lookup,
    },
  });
  return { zone, target, options };
}

/**
 * Run the engine on one snapshot with its zone resolved, and stamp context and zone on its findings; `early`:
 * the checks begun while its events were read (service/scan-early), finished here.
 */
export function analyse(snapshot: Snapshot, req: AnalyseRequest, early?: EarlyChecks) {
  const { zone, target, options } = runsOf(snapshot, req);
  let lookup: Lookup;
  let result = early && finishEarly(early, { ...snapshot, target });
  let latent: RunResult;
  /** The pods to explain, chosen early or in the one pass (unexplainedOf's `pods`). */
  let pods: SourcedObject[] | undefined;
  /** Their failures, when worked out with the events read (unexplainedOf's `failures`). */
  let failures: ReadonlyMap<SourcedObject, PodFailure[]> | undefined;
  if (early && result) {
    lookup = early.lookup;
    latent = early.latent;
    pods = early.pods;
  } else {
    // One set of indexes over the snapshot for the live rules, the latent risks (what the live workloads' specs
    // will run into, reported apart: `kind: "latent"`) and the unexplained failures, and one pass over it.
    lookup = lookupOf(snapshot);
    const checked = checkWhole({ ...snapshot, target }, lookup, options);
    result = checked.live;
    latent = checked.latent;
    pods = checked.pods;
    failures = checked.failures;
  }
  result.findings.push(...latent.findings);
  result.suppressed.push(...latent.suppressed);
  result.diagnostics.push(...latent.diagnostics);
  for (const f of result.findings) {
    if (snapshot.target.context) f.context = snapshot.target.context;
    if (zone.zone) f.zone = zone.zone;
  }
  const summary: TargetSummary = {
    kind: snapshot.target.kind,
    name: snapshot.target.name,
    how: zone.how,
    objects: snapshot.objects.length,
  };
  if (snapshot.target.context) summary.context = snapshot.target.context;
  if (zone.zone) summary.zone = zone.zone;
  if (zone.distribution) summary.distribution = zone.distribution;
  return { result, summary, target, lookup, ...(pods ? { pods } : {}), ...(failures ? { failures } : {}) };
}

/** Flags first, then the config's contexts, then the distribution the nodes show (k3s → the page's k3s zone). */
function zoneOf(snapshot: Snapshot, req: Pick<ScanRequest, "kb" | "config" | "zone" | "distribution">) {
  const base = { config: req.config, zoneMap: req.kb.zoneMap };
  if (req.zone || req.distribution)
    return resolveZone({ ...base, zone: req.zone, distribution: req.distribution });
  if (snapshot.target.context) {
    const byContext = resolveZone({ ...base, context: snapshot.target.context });
    if (byContext.zone) return byContext;
  }
  const detected = snapshot.target.distribution;
  if (detected) {
    const r = resolveZone({ ...base, distribution: detected });
    return { ...r, how: `nodes run ${detected}; ${r.how.replace(/^--distribution \w+; /, "")}` };
  }
  return {
    how: "no zone: no --zone, no config entry for the context, no nodes to tell the distribution",
  } as ReturnType<typeof resolveZone>;
}

async function readTargets(
  req: ScanRequest,
): Promise<{ snapshots: Snapshot[]; early: Map<string, Promise<EarlyChecks>> }> {
  const early = new Map<string, Promise<EarlyChecks>>();
  if (req.from?.length) {
    const { readDump } = await import("../sources/dump.js");
    const dump = await readDump(req.from, {
      cwd: req.cwd,
      requireObjects: true,
      ...(req.layout ? { layout: req.layout } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const ns = req.namespace;
    if (ns)
      dump.objects = dump.objects.filter(
        (o) => o.object.metadata?.namespace === undefined || o.object.metadata.namespace === ns,
      );
    return { snapshots: [dump], early };
  }
  const live = req.live ?? { contexts: [] };
  const { kubeConfigsOf } = await import("../sources/kubeconfig.js");
  const { readCluster } = await import("../sources/live.js");
  const clusters = await kubeConfigsOf({ ...live, cwd: live.cwd ?? req.cwd }, live);
  const namespace = live.namespace ?? req.namespace;
  // Contexts are read concurrently; each has its own KubeConfig so the current context does not race.
  const snapshots = await Promise.all(
    clusters.map(({ context, kubeConfig }) =>
      readCluster({
        whileEventsRead: (partial) => {
          const say = clusters.length > 1 ? `${context}: ` : "";
          req.onProgress?.(`${say}checking ${partial.objects.length} objects while the events are read`);
          early.set(partial.target.context ?? "", checkEarly(partial, req));
        },
        kubeConfig,
        context,
        ...(namespace ? { namespace } : {}),
        ...(live.timeoutMs ? { timeoutMs: live.timeoutMs } : {}),
        ...(live.pageSize ? { pageSize: live.pageSize } : {}),
        logs: live.logs === false ? false : { previous: true, current: true },
        ...(req.onProgress
          ? { onProgress: (m: string) => req.onProgress!(clusters.length > 1 ? `${context}: ${m}` : m) }
          : {}),
      }),
    ),
  );
  return { snapshots, early };
}

/** The checks of what is read before the events, begun while they are read (service/scan-early). */
export function checkEarly(partial: Snapshot, req: AnalyseRequest): Promise<EarlyChecks> {
  const { target, options } = runsOf(partial, req);
  const checks = startEarly({ ...partial, target }, options);
  // Awaited once the read is over; should the read fail first, nobody will.
  checks.catch(() => {});
  return checks;
}

async function scanStreams(req: ScanRequest, r: RedisSource, livePods: Set<string> | undefined) {
  const redis = await import("../sources/redis.js");
  const { streamFindings } = await import("./streams.js");
  const target = redis.redisTargetOf({
    ...(r.url ? { url: r.url } : {}),
    ...(req.config.redis ? { config: req.config.redis } : {}),
    ...(r.password ? { password: r.password } : {}),
    defaultPort: req.config.expect.redisPort,
  });
  const client = await redis.connectRedis(target, { timeoutMs: r.timeoutMs });
  try {
    const snapshot = await redis.readStreams(client, {
      pattern: req.config.redis?.streams ?? "*",
      ...(req.config.redis?.groups?.length ? { groups: req.config.redis.groups } : {}),
    });
    const { findings } = streamFindings(snapshot, {
      kb: req.kb,
      config: req.config,
      idleMs: r.idleMs,
      maxDeliveries: r.maxDeliveries,
      ...(livePods ? { livePods } : {}),
      server: target,
    });
    return { findings, incomplete: snapshot.incomplete };
  } finally {
    await client.close();
  }
}
