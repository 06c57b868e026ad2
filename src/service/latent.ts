// Latent risks on live objects: the manifest rules run on what is deployed, on each workload's topmost owner (the
// Deployment, not its ReplicaSets and pods), so a scan shows what a workload will run into before it does.
import type { Config } from "../config/model.js";
import { type EngineRun, type RunResult, startRun } from "../engine/run.js";
import { withPerRunViews } from "../k8s/per-run.js";
import type { KnowledgeBase } from "../kb/load.js";
import { lookupOf } from "../engine/lookup.js";
import { controllerOf, topControllerOf } from "../k8s/owners.js";
import { isTerminated } from "../k8s/status.js";
import type { Finding } from "../model/finding.js";
import type { Distribution, Snapshot, SourcedObject } from "../model/snapshot.js";
import { allRules } from "../rules/index.js";
import type { Lookup } from "../rules/types.js";

export interface LatentOptions {
  kb: KnowledgeBase;
  config: Config;
  zone?: string;
  distribution?: Distribution;
  now?: Date;
  /** The snapshot's indexes when the caller has them already (the live run's). */
  lookup?: Lookup;
}

/** Objects that describe what runs or what it reads (not what happened): never a latent risk's subject. */
const NOT_SUBJECTS = new Set(["Event", "Node", "EndpointSlice", "Endpoints"]);

/**
 * The manifest rules (those not measured live by another rule) over the snapshot's topmost objects; every
 * finding is `kind: "latent"`. A pod whose controller is not in the snapshot is checked itself and reported
 * under that controller's name (`Deployment web` for `web-5d8c7b9f6d-q7xkz`).
 */
export function latentRisks(snapshot: Snapshot, opts: LatentOptions): RunResult {
  return withPerRunViews(() => {
    const latent = startLatent(snapshot, opts);
    latent.run.check(snapshot.objects, 0, snapshot.objects.length, "all");
    return latent.finish();
  });
}

/** latentRisks in steps (service/scan-early): `run.check` the snapshot's objects, then `finish`. */
export function startLatent(
  snapshot: Snapshot,
  opts: LatentOptions,
): { run: EngineRun; finish(): RunResult } {
  // The engine's indexes, shared with the live run when the caller has them (its owner index leaves Events out).
  const lookup = opts.lookup ?? lookupOf(snapshot);
  const index = lookup.owners();
  const subject = (o: SourcedObject) => {
    const kind = o.object.kind ?? "";
    if (NOT_SUBJECTS.has(kind)) return false;
    // An owner above it is in the snapshot: the owner is checked, where the template is written.
    if (controllerOf(o.object, index) !== undefined) return false;
    return kind !== "Pod" || !isTerminated(o.object);
  };
  const rules = allRules().filter((r) => r.meta.runs.includes("manifest") && r.meta.latent !== false);
  const run = startRun(snapshot, {
    mode: "manifest",
    kb: opts.kb,
    config: opts.config,
    rules,
    detect: false,
    subject,
    lookup,
    ...(opts.zone ? { zone: opts.zone } : {}),
    ...(opts.distribution ? { distribution: opts.distribution } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const finish = () => {
    const result = run.finish();
    for (const f of result.findings) {
      f.kind = "latent";
      // The last object of that kind, namespace and name, as the lookup keeps them.
      const checked = lookup.get(f.object.kind, f.object.namespace, f.object.name);
      const owner = checked ? topControllerOf(checked.object, index) : undefined;
      if (owner) f.object = ownerRef(owner, f);
    }
    return result;
  };
  return { run, finish };
}

function ownerRef(owner: { kind: string; namespace?: string; name: string }, f: Finding): Finding["object"] {
  const namespace = owner.namespace ?? f.object.namespace;
  return { kind: owner.kind, ...(namespace ? { namespace } : {}), name: owner.name };
}
