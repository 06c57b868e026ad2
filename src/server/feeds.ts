// Where the server's findings come from: a scan at start and then every interval (or on request), or a watch
// that keeps them current. Both tell the server what appeared and resolved.
import type { Snapshot, Incomplete } from "../model/snapshot.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Finding } from "../model/finding.js";
import type { Unexplained } from "../model/unexplained.js";
import type { NoiseGroup } from "../model/noise.js";
import { type FindingChange, FindingSet } from "../service/finding-changes.js";
import type { ScanRequest, TargetSummary } from "../service/scan.js";
import type { RunningWatch, WatchRequest } from "../service/watch.js";
import type { Evaluation } from "../service/watch-evaluate.js";
import { describeError } from "../sources/kube-api.js";

export interface FeedState {
  mode: "scan" | "watch";
  /** The first scan (or the first list and evaluation of the watch) is done. */
  ready: boolean;
  findings: Finding[];
  /** Pods failing now that no pitfall explains. */
  unexplained: Unexplained[];
  /** System namespaces' latent risks, counted per namespace (scan mode). */
  grouped?: NoiseGroup[];
  targets: TargetSummary[];
  incomplete: Incomplete[];
  /** Input and engine problems of the last scan. */
  errors: Diagnostic[];
  /** When the findings were last brought up to date (ISO). */
  updatedAt?: string;
  /** Why the last scan failed, when it did. */
  failure?: string;
}

export interface ScanDone {
  at: string;
  seconds: number;
  findings: number;
  incomplete: number;
  failure?: string;
}

/** What a feed tells the server. */
export interface FeedListener {
  changes(changes: FindingChange[]): void;
  scanned(done: ScanDone): void;
  apiError(resource: string, code: string): void;
  evaluated(e: Evaluation): void;
}

export interface Feed {
  readonly mode: "scan" | "watch";
  start(listener: FeedListener): void;
  state(): FeedState;
  snapshots(): Snapshot[];
  /** A scan now (scan mode), or everything evaluated again (watch mode). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export interface ScanFeedOptions {
  request: ScanRequest;
  /** Default 5 minutes; 0: only at start and on request. */
  intervalMs?: number;
}

/** The HTTP status an incomplete entry's reason starts with (`403 Forbidden: …`), else `none`. */
function statusOfReason(reason: string): string {
  const m = /(?:^|: )(\d{3}) [A-Z]/.exec(reason);
  return m ? m[1]! : "none";
}

export function scanFeed(opts: ScanFeedOptions): Feed {
  const set = new FindingSet();
  let listener: FeedListener | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let state: FeedState = {
    mode: "scan",
    ready: false,
    findings: [],
    unexplained: [],
    targets: [],
    incomplete: [],
    errors: [],
  };
  let snapshots: Snapshot[] = [];

  const runScan = (): Promise<void> => {
    // One scan at a time: a request during a scan waits for that scan.
    running ??= (async () => {
      const started = performance.now();
      const at = new Date().toISOString();
      try {
        const { scan } = await import("../service/scan.js");
        // A dump's ages count from the dump's own clock, as `scan --from` counts them; a cluster's from now.
        const report = await scan(
          opts.request.from?.length ? opts.request : { ...opts.request, now: new Date() },
        );
        if (stopped) return;
        snapshots = report.snapshots;
        const changes = set.replace(report.findings);
        state = {
          mode: "scan",
          ready: true,
          findings: report.findings,
          unexplained: report.unexplained,
          grouped: report.grouped,
          targets: report.targets,
          incomplete: report.incomplete,
          errors: report.errors,
          updatedAt: at,
        };
        for (const i of report.incomplete) listener?.apiError(i.resource, statusOfReason(i.reason));
        if (changes.length) listener?.changes(changes);
        listener?.scanned({
          at,
          seconds: (performance.now() - started) / 1000,
          findings: report.findings.length,
          incomplete: report.incomplete.length,
        });
      } catch (error) {
        if (stopped) return;
        const failure = describeError(error);
        state = { ...state, failure, updatedAt: at };
        listener?.scanned({
          at,
          seconds: (performance.now() - started) / 1000,
          findings: state.findings.length,
          incomplete: state.incomplete.length,
          failure,
        });
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    mode: "scan",
    start(l) {
      listener = l;
      void runScan();
      const every = opts.intervalMs ?? 300_000;
      if (every > 0) {
        timer = setInterval(() => void runScan(), every);
        timer.unref();
      }
    },
    state: () => state,
    snapshots: () => snapshots,
    refresh: runScan,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

export type WatchFeedOptions = Omit<WatchRequest, "onChanges" | "onEvaluated" | "onApiError">;

export function watchFeed(opts: WatchFeedOptions): Feed {
  let watch: RunningWatch | undefined;
  let ready = false;
  let failure: string | undefined;
  let updatedAt: string | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  let listener: FeedListener | undefined;

  return {
    mode: "watch",
    start(l) {
      listener = l;
      const started = performance.now();
      starting = (async () => {
        try {
          const { startWatch } = await import("../service/watch.js");
          watch = await startWatch({
            ...opts,
            onChanges: (changes) => {
              updatedAt = new Date().toISOString();
              l.changes(changes);
            },
            onEvaluated: (e) => l.evaluated(e),
            onApiError: (_context, resource, error) => l.apiError(resource, codeOf(error)),
          });
          if (stopped) return;
          await watch.ready;
          ready = true;
          updatedAt = new Date().toISOString();
          const findings = watch.findings();
          l.scanned({
            at: updatedAt,
            seconds: (performance.now() - started) / 1000,
            findings: findings.length,
            incomplete: watch.incomplete().length,
          });
        } catch (error) {
          failure = describeError(error);
          l.scanned({
            at: new Date().toISOString(),
            seconds: (performance.now() - started) / 1000,
            findings: 0,
            incomplete: 0,
            failure,
          });
        }
      })();
    },
    state: () => ({
      mode: "watch",
      ready,
      findings: watch?.findings() ?? [],
      unexplained: ready ? (watch?.unexplained() ?? []) : [],
      grouped: watch?.grouped() ?? [],
      targets: watch?.targets() ?? [],
      incomplete: watch?.incomplete() ?? [],
      errors: [],
      ...(updatedAt ? { updatedAt } : {}),
      ...(failure ? { failure } : {}),
    }),
    snapshots: () => watch?.snapshots() ?? [],
    async refresh() {
      if (!watch || !ready) return;
      const started = performance.now();
      await watch.refresh();
      updatedAt = new Date().toISOString();
      listener?.scanned({
        at: updatedAt,
        seconds: (performance.now() - started) / 1000,
        findings: watch.findings().length,
        incomplete: watch.incomplete().length,
      });
    },
    async stop() {
      stopped = true;
      await starting;
      await watch?.stop();
    },
  };
}

function codeOf(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status > 0 ? String(status) : "none";
}
