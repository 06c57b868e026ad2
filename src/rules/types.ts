// What a detector is: self-describing metadata plus a check over one object (or the whole snapshot).
// `defineRule` carries the rule's message ids and their `{{slots}}` as types: a report with an id the rule does
// not define, or without the data its message needs, does not compile.
import type { Config } from "../config/model.js";
import type { ObjectIndex } from "../k8s/owners.js";
import type { Evidence } from "../model/finding.js";
import type { KubeObject } from "../model/kube.js";
import type { Severity } from "../model/severity.js";
import type { Distribution, SourcedObject, Target } from "../model/snapshot.js";

/** Where a rule runs: on manifests before deploy, on live objects (clusters and dumps), on Redis Streams. */
export type RuleMode = "manifest" | "live" | "streams";

/** Message templates by id, with `{{name}}` slots filled from a report's data. */
export type Messages = Readonly<Record<string, string>>;

export type ReportData = Record<string, string | number>;

/** The `{{slot}}` names of a message template, as a union of string literals. */
export type Slots<T extends string> = T extends `${string}{{${infer Slot}}}${infer Rest}`
  ? Slot | Slots<Rest>
  : never;

export interface RuleMeta<M extends Messages = Messages> {
  /** Rule id, e.g. `host-network`. Unique in the registry. */
  id: string;
  /** The pitfall it serves (its runbook comes from the loaded page). */
  pitfall: string;
  runs: readonly RuleMode[];
  /** One line: what it detects. */
  description: string;
  /** What it reads, for the generated docs, e.g. `spec.template.spec.hostNetwork`. */
  looksAt: string;
  /** Only on targets of this distribution (k3s-only pitfalls). */
  distribution?: Distribution;
  /** Kinds it checks; the engine calls `check` only for these (all kinds when absent). */
  kinds?: readonly string[];
  /**
   * Kinds it looks up besides the object checked (a pod's ServiceAccount, the Nodes). A lint that streams
   * documents keeps every object of these kinds for all; a `checkAll` rule reports nothing without one.
   */
  reads?: readonly string[];
  /**
   * What a live read gives last that the rule reads: the events (`lookup.eventsFor`), the container logs. A scan
   * runs the other rules while these are still being read, and this one once they are in (service/scan-early).
   */
  needs?: readonly ("events" | "logs")[];
  messages: M;
  /**
   * `false` for a manifest rule that does not run on live workloads as a latent risk, because a live rule measures
   * what it estimates (the manifests' total requests against the nodes: node-pressure reads the real ones).
   */
  latent?: false;
  /**
   * Message ids that report a failure without knowing its cause (a crash loop whose log shows none of the page's
   * causes): the failing pod is still listed as unexplained, with this pitfall under `reportedAs`.
   */
  withoutCause?: readonly (keyof M & string)[];
  /**
   * Runbook placeholders whose values are whole names, so a prefix the page glues to them gives way (a stream
   * key for `triggers.{agent}`).
   */
  wholeValues?: readonly string[];
}

/** What a report says besides its message: where, about which container, on what evidence. */
export interface ReportDetails {
  /** JSON path of the offending field inside the object, for file:line. */
  path?: readonly (string | number)[];
  container?: string;
  evidence?: Evidence[];
  /** Values for the runbook's `{placeholders}` beyond what the engine derives from the object. */
  values?: Record<string, string | undefined>;
  /** Raise (never lower) the pitfall's severity, e.g. a crash loop of days. */
  severity?: Severity;
  /** Lower the severity to at most this, e.g. a dead consumer that holds nothing. */
  atMost?: Severity;
  /** The container never started a process: the runbook's `kubectl logs` steps give way to describe and events. */
  neverRan?: boolean;
  /** Report against another object than the one checked (e.g. a Node for a pod sum). */
  object?: SourcedObject;
}

/** A report of a rule with messages `M`: one of its message ids, with data for each slot of that message. */
export type ReportOf<M extends Messages> = {
  [Id in keyof M & string]: ReportDetails & {
    messageId: Id;
    data: Record<Slots<M[Id]>, string | number> & ReportData;
  };
}[keyof M & string];

/** A report as the engine reads it, whichever rule made it. */
export type Report = ReportDetails & { messageId: string; data: ReportData };

/** Indexes over the snapshot a rule may ask for; the engine builds them lazily, once per run. */
export interface Lookup {
  all(): SourcedObject[];
  byKind(kind: string): SourcedObject[];
  /** The objects of a kind with this `metadata.name`, in any namespace, in snapshot order (an index, not a scan). */
  named(kind: string, name: string): SourcedObject[];
  byUid(uid: string): SourcedObject | undefined;
  get(kind: string, namespace: string | undefined, name: string): SourcedObject | undefined;
  /** Events whose involvedObject is this object (by uid, else kind/namespace/name), oldest first. */
  eventsFor(object: KubeObject): KubeObject[];
  /** Non-terminated and terminated pods bound to a node. */
  podsOnNode(node: string): KubeObject[];
  /** Previous-container log, when the source has it. */
  previousLog(namespace: string, pod: string, container: string): string | undefined;
  /** Current-container log, when the source has it. */
  currentLog(namespace: string, pod: string, container: string): string | undefined;
  /** Objects by uid and name, for owner chains; built once per run. */
  owners(): ObjectIndex;
  /** The plain objects of a kind (e.g. ReplicaSets for a Deployment's revisions). */
  objectsOfKind(kind: string): KubeObject[];
}

export interface RuleContext<O = unknown> {
  target: Target;
  config: Config;
  lookup: Lookup;
  /** Ages are measured from here (the snapshot's time, or now). */
  now: Date;
  mode: RuleMode;
  /** What `options` made of the config, once per run. */
  options: O;
}

/** A setting a rule reads from the config does not hold a value it can use. */
export class RuleOptionsError extends Error {
  override name = "RuleOptionsError";
}

export interface RuleOf<M extends Messages, O> {
  meta: RuleMeta<M>;
  /** The rule's settings, read from the config once per run; throws RuleOptionsError for a bad value. */
  options?(config: Config): O;
  /** Reports for one object. */
  check?(ctx: RuleContext<O>, object: SourcedObject): ReportOf<M>[];
  /** Reports that need the whole snapshot (sums over nodes, manifest totals); each names its object. */
  checkAll?(ctx: RuleContext<O>): (ReportOf<M> & { object: SourcedObject })[];
}

/** A rule as the registry and the engine hold it. */
export interface Rule {
  meta: RuleMeta;
  options?(config: Config): unknown;
  check?(ctx: RuleContext, object: SourcedObject): Report[];
  checkAll?(ctx: RuleContext): (Report & { object: SourcedObject })[];
}

/** A rule module's one export: its messages and options become types its reports are checked against. */
export function defineRule<const M extends Messages, O = undefined>(rule: RuleOf<M, O>): Rule {
  return rule as unknown as Rule;
}
