// A worker thread of a lint in groups (service/lint-parallel): given the knowledge base and the target when it
// starts, then one group of files and the collecting pass's looked-up objects, it lints the group as the main
// thread lints its own and posts the GroupResult back (null: the whole snapshot is needed).
import { parentPort, workerData } from "node:worker_threads";
import type { Config } from "../config/model.js";
import type { RuleMode } from "../rules/types.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Distribution, Target } from "../model/snapshot.js";
import { type BatchOptions, fileSource, type ManifestSource } from "../sources/manifest-stream.js";
import { type ContextData, ContextStore } from "./lint-context.js";
import { batchRunOf, lintGroup } from "./lint-stream.js";

export interface WorkerStart {
  kb: KnowledgeBase;
  config: Config;
  mode: RuleMode;
  zone?: string;
  distribution?: Distribution;
  target: Target;
}

export interface WorkerJob {
  sources: ({ file: string; shown: string } | { problems: Diagnostic[] })[];
  kinds: string[];
  wholeKinds: string[];
  context: ContextData;
  expected: number;
  read: BatchOptions;
}

const start = workerData as WorkerStart;
parentPort!.once("message", (job: WorkerJob) => {
  const sources: ManifestSource[] = job.sources.map((s) =>
    "problems" in s ? s : fileSource(s.file, s.shown),
  );
  const plan = {
    kinds: new Set(job.kinds),
    wholeKinds: new Set(job.wholeKinds),
    context: new ContextStore(job.context),
    rules: [],
  };
  const run = {
    mode: start.mode,
    kb: start.kb,
    config: start.config,
    ...(start.zone !== undefined ? { zone: start.zone } : {}),
    ...(start.distribution !== undefined ? { distribution: start.distribution } : {}),
  };
  const result = lintGroup(sources, batchRunOf(run, plan), start.target, plan, job.expected, job.read);
  parentPort!.postMessage(result ?? null);
});
