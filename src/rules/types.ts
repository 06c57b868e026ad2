// What a detector is: self-describing metadata plus a check over one object (or the whole snapshot).
import type { Config } from "../config/model.js";
import type { Distribution, Severity } from "../kb/model.js";
import type { KubeObject, ObjectRef } from "../k8s/types.js";
import type { Lookup } from "../engine/lookup.js";
import type { SourcedObject, Target } from "../engine/types.js";
import type { Evidence } from "./finding.js";

/** Where a rule runs: on manifests before deploy, on live objects (clusters and dumps). */
export type RuleMode = "manifest" | "live";

export interface RuleMeta {
  /** Rule id, e.g. `host-network`. Unique in the registry. */
  id: string;
  /** The pitfall it serves (its runbook comes from the loaded page). */
  pitfall: string;
  runs: RuleMode[];
  /** One line: what it detects. */
  description: string;
  /** What it reads, for the generated docs, e.g. `spec.template.spec.hostNetwork`. */
  looksAt: string;
  /** Only on targets of this distribution (k3s-only pitfalls). */
  distribution?: Distribution;
  /** Kinds it checks; the engine calls `check` only for these (all kinds when absent). */
  kinds?: string[];
  /**
   * Kinds it looks up besides the object checked (a pod's ServiceAccount, the Nodes). A lint that streams
   * documents keeps every object of these kinds for all; a `checkAll` rule reports nothing without one.
   */
  reads?: string[];
  /** Message templates by id, with `{{name}}` slots filled from a report's data. */
  messages: Record<string, string>;
}

export interface Report {
  messageId: string;
  data: Record<string, string | number>;
  /** JSON path of the offending field inside the object, for file:line. */
  path?: readonly (string | number)[];
  container?: string;
  evidence?: Evidence[];
  /** Values for the runbook's `{placeholders}` beyond what the engine derives from the object. */
  values?: Record<string, string>;
  /** Raise (never lower) the pitfall's severity, e.g. a crash loop of days. */
  severity?: Severity;
  /** Report against another object than the one checked (e.g. a Node for a pod sum). */
  object?: SourcedObject;
}

export interface RuleContext {
  target: Target;
  config: Config;
  lookup: Lookup;
  /** Ages are measured from here (the snapshot's time, or now). */
  now: Date;
  mode: RuleMode;
}

export interface Rule {
  meta: RuleMeta;
  /** Reports for one object. */
  check?(ctx: RuleContext, object: SourcedObject): Report[];
  /** Reports that need the whole snapshot (sums over nodes, manifest totals); each names its object. */
  checkAll?(ctx: RuleContext): (Report & { object: SourcedObject })[];
}

/** Typed helper so rule modules read alike. */
export function defineRule<M extends RuleMeta>(rule: { meta: M } & Omit<Rule, "meta">): Rule {
  return rule as Rule;
}

export type { KubeObject, ObjectRef };
