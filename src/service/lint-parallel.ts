// A streamed lint of many files spread over threads: the files cut into contiguous groups of about equal size,
// the first linted in this thread and each other in a worker started before the collecting pass (so its start
// overlaps that pass), then merged in input order (service/lint-stream mergeGroups): the same result as one pass.
// Used when there are enough files and cores; `workers` (PITFALL_LINT_WORKERS in the CLI) sets how many (0: none).
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { RunOptions } from "../engine/run.js";
import type { Target } from "../model/snapshot.js";
import { type BatchOptions, type ManifestSource, sourceSize } from "../sources/manifest-stream.js";
import {
  collectContext,
  type GroupResult,
  lintGroup,
  batchRunOf,
  mergeGroups,
  type StreamedLint,
} from "./lint-stream.js";
import type { WorkerJob, WorkerStart } from "./lint-worker.js";

/**
 * Below this much text a worker's start (0.5 to 1 s on 2 busy cores: the modules and the pages) costs more than it
 * saves (bench:lint-threads).
 */
const MIN_BYTES = 16 * 1024 * 1024;
const MIN_FILES = 8;
const MAX_WORKERS = 3;

/** Built next to this module; absent when running from the TypeScript sources (tests), which then use none. */
const WORKER = fileURLToPath(new URL("./lint-worker.js", import.meta.url));

type FileSource = Extract<ManifestSource, { shown: string }> & { file: string };

function isFile(s: ManifestSource): s is FileSource {
  return "file" in s && typeof s.file === "string";
}

/** How many workers for these sources: as asked (capped by the files), else one per spare core for a large input. */
export function workersFor(sources: ManifestSource[], asked?: number): number {
  if (asked === 0 || !existsSync(WORKER)) return 0;
  const files = sources.filter(isFile);
  // A text in memory (a request body) has no file a worker could read.
  if (files.length + sources.filter((s) => "problems" in s).length !== sources.length) return 0;
  if (asked !== undefined) return Math.min(asked, Math.max(files.length - 1, 0));
  if (files.length < MIN_FILES) return 0;
  const bytes = files.reduce((n, f) => n + sourceSize(f), 0);
  if (bytes < MIN_BYTES) return 0;
  return Math.min(availableParallelism() - 1, MAX_WORKERS);
}

/** Contiguous groups of about equal text; a source without a file (problems found) joins the group it is in. */
function groupsOf(sources: ManifestSource[], count: number): ManifestSource[][] {
  const sizes = sources.map(sourceSize);
  const total = sizes.reduce((a, b) => a + b, 0);
  const groups: ManifestSource[][] = [[]];
  let filled = 0;
  sources.forEach((s, i) => {
    const current = groups[groups.length - 1]!;
    if (current.length && groups.length < count && filled >= (total * groups.length) / count)
      groups.push([s]);
    else current.push(s);
    filled += sizes[i]!;
  });
  return groups;
}

/**
 * Lints `sources` over `workers` worker threads and this one. Undefined when the whole snapshot is needed;
 * "serial" when the threads could not do it (a worker failed to start or threw): lint in this thread then.
 */
export async function lintInGroups(
  sources: ManifestSource[],
  run: RunOptions,
  target: Target,
  workers: number,
  read: BatchOptions = {},
): Promise<StreamedLint | undefined | "serial"> {
  const groups = groupsOf(sources, workers + 1);
  const start: WorkerStart = {
    kb: run.kb,
    config: run.config,
    mode: run.mode,
    ...(run.zone !== undefined ? { zone: run.zone } : {}),
    ...(run.distribution !== undefined ? { distribution: run.distribution } : {}),
    target,
  };
  const threads = groups.slice(1).map(() => new Worker(WORKER, { workerData: start }));
  try {
    const results = threads.map(resultOf);
    const plan = collectContext(sources, run, read);
    if (!plan) return undefined;
    const shownIn = groups.map((g) => new Set(g.map((s) => ("shown" in s ? s.shown : ""))));
    const contextOf = (i: number) => plan.context.digest(shownIn[i]);
    threads.forEach((w, j) => {
      const job: WorkerJob = {
        sources: groups[j + 1]!.map((s) =>
          "problems" in s ? s : { file: (s as FileSource).file, shown: s.shown },
        ),
        kinds: [...plan.kinds],
        wholeKinds: [...plan.wholeKinds],
        context: plan.context.data,
        expected: contextOf(j + 1).count,
        read,
      };
      w.postMessage(job);
    });
    const batchRun = batchRunOf(run, plan);
    const first = lintGroup(groups[0]!, batchRun, target, plan, contextOf(0).count, read);
    const rest = await Promise.all(results);
    if (rest.includes("failed")) return "serial";
    const all = [first, ...rest] as (GroupResult | undefined | null)[];
    if (all.some((g) => !g)) return undefined;
    const done = all as GroupResult[];
    if (done.some((g, i) => g.digest !== contextOf(i).digest)) return undefined;
    return mergeGroups(batchRun, target, plan, done);
  } finally {
    for (const w of threads) void w.terminate();
  }
}

/** A worker's result: its group's, null when the whole snapshot is needed, "failed" when it threw or died. */
function resultOf(w: Worker): Promise<GroupResult | null | "failed"> {
  return new Promise((resolve) => {
    w.once("message", (m: GroupResult | null) => resolve(m));
    w.once("error", () => resolve("failed"));
    w.once("exit", () => resolve("failed"));
  });
}
