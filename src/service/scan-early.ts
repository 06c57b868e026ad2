// A live scan's checks begun while the events are still being read (sources/live whileEventsRead): the objects
// read before them are checked by the rules that need neither events nor logs, their latent risks worked out and
// the pods worth explaining chosen, object by object, a few milliseconds at a time between the pages' reads; the
// rest once the read is over (finishEarly). The result is the one the engine gives after the whole read
// (test/scan/early.test.ts): the events of a big cluster come one page after another, and the scan waits on each.
// A snapshot read whole is checked in the same one pass (checkWhole).
import { growingLookupOf } from "../engine/lookup.js";
import { type EngineRun, type RunOptions, type RunResult, type RunStep, startRun } from "../engine/run.js";
import { withPerRunViews } from "../k8s/per-run.js";
import { beginsWith, type Snapshot, type SourcedObject } from "../model/snapshot.js";
import type { Lookup } from "../rules/types.js";
import { type LatentOptions, startLatent } from "./latent.js";
import type { PodFailure } from "../k8s/failing.js";
import { worthExplaining } from "./unexplained.js";

/** Checks begun on the first part of a read, for finishEarly once the snapshot is whole. */
export interface EarlyChecks {
  /** The first part's objects, which the whole snapshot begins with. */
  checked: readonly SourcedObject[];
  lookup: Lookup;
  grow(whole: Snapshot): void;
  live: EngineRun;
  latent: RunResult;
  /** The pods the unexplained list looks at (worthExplaining, the events not read yet). */
  pods: SourcedObject[];
}

/**
 * How long the checks run before the read gets its turn. A page comes in over several turns of the event loop
 * (headers, the body's chunks), each waiting for the slice in progress: at 4 ms, a read of 100 pages took a
 * second longer; at a quarter of a millisecond, hardly longer than alone (bench:scan).
 */
const SLICE_MS = 0.25;

/** The runs of one snapshot's checks, and `checkAt` to check its objects one at a time. */
interface Checks {
  live: EngineRun;
  latent: ReturnType<typeof startLatent>;
  /** The pods the unexplained list looks at, in snapshot order: those `checkAt` found worth explaining. */
  pods: SourcedObject[];
  /** Their failures, when the events were read before the checks (unexplainedOf's `failures`). */
  failures: Map<SourcedObject, PodFailure[]>;
  /** Checks `objects[i]`: the live run's `step`, the latent risks, whether a pod is worth explaining. */
  checkAt(objects: readonly SourcedObject[], i: number, step: RunStep): void;
}

/**
 * The live run, the latent risks and the pods worth explaining, object by object: each object is read once while
 * it is in the cache, and its views (k8s/per-run) serve all three, instead of a pass of each over a cluster.
 */
function startChecks(
  snapshot: Snapshot,
  lookup: Lookup,
  options: (lookup: Lookup) => { live: RunOptions; latent: LatentOptions },
  eventsRead: boolean,
): Checks {
  const { live: liveOptions, latent: latentOptions } = options(lookup);
  const live = startRun(snapshot, liveOptions);
  const latent = startLatent(snapshot, latentOptions);
  const failures = new Map<SourcedObject, PodFailure[]>();
  const worth = worthExplaining(snapshot, lookup, {
    config: liveOptions.config,
    ...(liveOptions.now ? { now: liveOptions.now } : {}),
    eventsRead,
    failures,
  });
  const pods: SourcedObject[] = [];
  return {
    live,
    latent,
    pods,
    failures,
    checkAt(objects, i, step) {
      live.check(objects, i, i + 1, step);
      latent.run.check(objects, i, i + 1, "all");
      const o = objects[i]!;
      if (o.object.kind === "Pod" && worth(o)) pods.push(o);
    },
  };
}

/**
 * The checks of a whole snapshot in one pass (startChecks): what runEngine and latentRisks give, each over the
 * snapshot, and the pods that fail now with their failures, for the unexplained list (its `pods`, `failures`).
 */
export function checkWhole(
  snapshot: Snapshot,
  lookup: Lookup,
  options: (lookup: Lookup) => { live: RunOptions; latent: LatentOptions },
): {
  live: RunResult;
  latent: RunResult;
  pods: SourcedObject[];
  failures: ReadonlyMap<SourcedObject, PodFailure[]>;
} {
  const checks = startChecks(snapshot, lookup, options, true);
  const objects = snapshot.objects;
  withPerRunViews(() => {
    for (let i = 0; i < objects.length; i++) checks.checkAt(objects, i, "all");
  });
  const latent = withPerRunViews(() => checks.latent.finish());
  const live = withPerRunViews(() => checks.live.finish());
  return { live, latent, pods: checks.pods, failures: checks.failures };
}

/**
 * Starts checking `partial` (its target's zone resolved) with the live rules that need no events nor logs and
 * the latent risks; `options` makes the run options from the lookup the checks share.
 */
export async function startEarly(
  partial: Snapshot,
  options: (lookup: Lookup) => { live: RunOptions; latent: LatentOptions },
): Promise<EarlyChecks> {
  const { lookup, grow } = growingLookupOf(partial);
  const checks = startChecks(partial, lookup, options, false);
  const objects = partial.objects;
  await inSlices(objects.length, (i) => checks.checkAt(objects, i, "early"));
  // The rest in turns of their own, the pages' reads between them.
  await turn();
  const latentResult = withPerRunViews(() => checks.latent.finish());
  await turn();
  withPerRunViews(() => checks.live.checkWholeEarly());
  return { checked: objects, lookup, grow, live: checks.live, latent: latentResult, pods: checks.pods };
}

/**
 * The live run's result on the whole snapshot: the rules that need events or logs, then the objects read last.
 * Undefined when the snapshot does not begin with the objects checked (then nothing of them is of use).
 */
export function finishEarly(early: EarlyChecks, whole: Snapshot): RunResult | undefined {
  if (!beginsWith(whole.objects, early.checked)) return undefined;
  const n = early.checked.length;
  early.grow(whole);
  return withPerRunViews(() => {
    early.live.check(whole.objects, 0, n, "late");
    early.live.check(whole.objects, n, whole.objects.length, "all");
    return early.live.finish();
  });
}

/** After the I/O that came in meanwhile. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `each(0 … count-1)` in slices of SLICE_MS, each slice after the I/O that came in meanwhile. */
async function inSlices(count: number, each: (i: number) => void): Promise<void> {
  let i = 0;
  while (i < count) {
    await turn();
    const until = performance.now() + SLICE_MS;
    withPerRunViews(() => {
      do each(i++);
      while (i < count && ((i & 3) !== 0 || performance.now() < until));
    });
  }
}
