// Evaluating a watched cluster and publishing what changed: per-object checks on changed objects (with the whole
// cache as context), the whole-snapshot rules as a sweep, and the published set that says what appeared and
// what resolved. A DETECT match yields to a rule's finding on the same object, as in a scan.
import type { Config } from "../config/model.js";
import { runEngine } from "../engine/run.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Finding } from "../model/finding.js";
import type { Snapshot, SourcedObject, Target } from "../model/snapshot.js";
import type { Rule } from "../rules/types.js";
import { type FindingChange, FindingSet, findingKey, findingObjectKey } from "./finding-changes.js";
import { latentRisks } from "./latent.js";
import { groupSystemNoise } from "./system-noise.js";
import type { NoiseGroup } from "../model/noise.js";
import type { ObjectIndex } from "./watch-index.js";
import type { LogCache } from "./watch-logs.js";

export interface Evaluation {
  context: string;
  /** `objects`: changed objects and their dependents; `sweep`: whole-snapshot rules; `full`: everything. */
  kind: "objects" | "sweep" | "full";
  subjects: number;
  ms: number;
}

/**
 * Per-object checks (and DETECT lines), and the whole-snapshot parts, split so they run apart. Every rule stays
 * in the per-object list, check or not: the engine leaves out a built-in DETECT line where a rule of its pitfall ran.
 */
function splitRules(rules: readonly Rule[]): { perObject: Rule[]; sweep: Rule[] } {
  const perObject: Rule[] = [];
  const sweep: Rule[] = [];
  for (const r of rules) {
    const options = r.options ? { options: r.options } : {};
    perObject.push(
      r.check ? { meta: r.meta, ...options, check: (ctx, o) => r.check!(ctx, o) } : { meta: r.meta },
    );
    if (r.checkAll) sweep.push({ meta: r.meta, ...options, checkAll: (ctx) => r.checkAll!(ctx) });
  }
  return { perObject, sweep };
}

export interface WatchEvaluatorOptions {
  context: string;
  kb: KnowledgeBase;
  config: Config;
  rules: readonly Rule[];
  index: ObjectIndex;
  logs: LogCache;
  /** Ages are measured from here. */
  now: () => Date;
  onChanges?: (changes: FindingChange[]) => void;
  onEvaluated?: (e: Evaluation) => void;
  /** List system namespaces' latent risks instead of counting them (as `scan --include-system`). */
  includeSystem?: boolean;
}

export class WatchEvaluator {
  /** System namespaces' latent risks, counted at the last sweep (without `includeSystem`). */
  grouped: NoiseGroup[] = [];
  /** Zone and distribution; set once the first lists are in. */
  target: Target;
  private readonly rules: { perObject: Rule[]; sweep: Rule[] };
  private readonly objectFindings = new Map<string, Finding[]>();
  private sweepFindings = new Map<string, Finding>();
  private sweepPairs = new Set<string>();
  private readonly published = new FindingSet();

  constructor(private readonly o: WatchEvaluatorOptions) {
    this.rules = splitRules(o.rules);
    this.target = { kind: "cluster", name: o.context, context: o.context };
  }

  get hasSweep(): boolean {
    return this.rules.sweep.length > 0;
  }

  findings(): Finding[] {
    return this.published.values();
  }

  snapshot(objects: SourcedObject[], now: Date): Snapshot {
    return {
      target: this.target,
      objects,
      diagnostics: [],
      incomplete: [],
      previousLogs: this.o.logs.previous,
      currentLogs: this.o.logs.current,
      takenAt: now.toISOString(),
    };
  }

  /** Per-object checks on the objects under `keys` (all: every object), the rest of the cache as context. */
  objects(keys: Set<string> | "all"): void {
    const started = performance.now();
    const now = this.o.now();
    const objects: SourcedObject[] = [];
    let subjects = 0;
    for (const e of this.o.index.entries.values()) {
      const isSubject = keys === "all" || keys.has(e.key);
      objects.push(isSubject ? e.subject : e.context);
      if (isSubject) subjects++;
    }
    const result = runEngine(this.snapshot(objects, now), {
      ...this.engineOptions(now),
      rules: this.rules.perObject,
    });
    this.stamp(result.findings);
    const grouped = new Map<string, Finding[]>();
    for (const f of result.findings) {
      const k = findingObjectKey(f);
      const list = grouped.get(k);
      if (list) list.push(f);
      else grouped.set(k, [f]);
    }
    const objectKeys = new Set<string>(keys === "all" ? this.objectFindings.keys() : keys);
    for (const k of grouped.keys()) objectKeys.add(k);
    const touched = new Set<string>();
    for (const k of objectKeys) {
      for (const f of this.objectFindings.get(k) ?? []) touched.add(findingKey(f));
      const fresh = grouped.get(k);
      if (fresh) this.objectFindings.set(k, fresh);
      else this.objectFindings.delete(k);
      for (const f of fresh ?? []) touched.add(findingKey(f));
    }
    this.publish(touched, objectKeys);
    this.o.onEvaluated?.({
      context: this.o.context,
      kind: keys === "all" ? "full" : "objects",
      subjects,
      ms: performance.now() - started,
    });
  }

  /** The whole-snapshot rules over the whole cache. */
  sweep(): void {
    const started = performance.now();
    const now = this.o.now();
    const objects = [...this.o.index.entries.values()].map((e) => e.context);
    const result = runEngine(this.snapshot(objects, now), {
      ...this.engineOptions(now),
      rules: this.rules.sweep,
      detect: false,
    });
    // The live workloads' latent risks are whole-snapshot work too (owners are found across the cache).
    const subjects = [...this.o.index.entries.values()].map((e) => e.subject);
    const latent = latentRisks(this.snapshot(subjects, now), {
      kb: this.o.kb,
      config: this.o.config,
      now,
      ...(this.target.zone ? { zone: this.target.zone } : {}),
      ...(this.target.distribution ? { distribution: this.target.distribution } : {}),
    });
    this.stamp(result.findings);
    this.stamp(latent.findings);
    const noise = this.o.includeSystem
      ? { shown: latent.findings, grouped: [] }
      : groupSystemNoise(latent.findings);
    this.grouped = noise.grouped;
    const fresh = new Map<string, Finding>();
    for (const f of [...result.findings, ...noise.shown]) fresh.set(findingKey(f), f);
    const pairs = new Set(result.findings.map((f) => `${f.pitfall}\u0000${findingObjectKey(f)}`));
    const touched = new Set<string>([...this.sweepFindings.keys(), ...fresh.keys()]);
    // Objects whose DETECT matches may now be shown or hidden behind a sweep finding.
    const objectKeys = new Set<string>();
    for (const pair of [...this.sweepPairs, ...pairs]) {
      const k = pair.slice(pair.indexOf("\u0000") + 1);
      objectKeys.add(k);
      for (const f of this.objectFindings.get(k) ?? []) touched.add(findingKey(f));
    }
    this.sweepFindings = fresh;
    this.sweepPairs = pairs;
    this.publish(touched, objectKeys);
    this.o.onEvaluated?.({
      context: this.o.context,
      kind: "sweep",
      subjects: objects.length,
      ms: performance.now() - started,
    });
  }

  private engineOptions(now: Date) {
    return {
      mode: "live" as const,
      kb: this.o.kb,
      config: this.o.config,
      now,
      ...(this.target.zone ? { zone: this.target.zone } : {}),
      ...(this.target.distribution ? { distribution: this.target.distribution } : {}),
    };
  }

  private stamp(findings: Finding[]): void {
    for (const f of findings) {
      f.context = this.o.context;
      if (this.target.zone) f.zone = this.target.zone;
    }
  }

  /** What is published for a key: per-object findings, then sweep findings; a DETECT match yields to a rule's. */
  private publish(touched: Set<string>, objectKeys: Iterable<string>): void {
    const candidates = new Map<string, Finding>();
    for (const k of objectKeys)
      for (const f of this.objectFindings.get(k) ?? [])
        if (!(f.rule === "detect" && this.sweepPairs.has(`${f.pitfall}\u0000${k}`)))
          candidates.set(findingKey(f), f);
    const changes = this.published.update(
      touched,
      (key) => candidates.get(key) ?? this.sweepFindings.get(key),
    );
    if (changes.length) this.o.onChanges?.(changes);
  }
}
