// What the engine works on: a snapshot of objects from one target, each knowing where it came from.
import type { Diagnostic } from "./diagnostic.js";
import type { KubeObject } from "./kube.js";

export interface Position {
  line: number;
  column: number;
}

/** Where an object was read: a file (with positions) or a live cluster. */
export interface Origin {
  file?: string;
  /** Line and column of the document (or List item) start. */
  line?: number;
  column?: number;
  /** Position of a field inside the object, e.g. `["spec","template","spec","hostNetwork"]`. */
  locate?(path: readonly (string | number)[]): Position | undefined;
  /** Template file named by a Helm `# Source:` comment. */
  helmSource?: string;
  context?: string;
  /** `nodes`: loaded only as node capacity (lint `--nodes FILE`); read by rules, never linted itself. */
  role?: "nodes";
}

export interface SourcedObject {
  object: KubeObject;
  origin: Origin;
}

export type Distribution = "k3s" | "managed";

/** What is checked: manifests, a cluster context or a dump, with its zone and distribution. */
export interface Target {
  kind: "manifests" | "cluster" | "dump" | "streams";
  name: string;
  zone?: string;
  distribution?: Distribution;
  context?: string;
  /** The k3s version an upgrade is planned to (`upgrade-check --to`); the etcd-upgrade rule runs only with it. */
  upgradeTo?: string;
  /** The consumer that takes dead consumers' entries (`streams --fix --to`); the streams findings name it. */
  claimTo?: string;
}

/** Something that could not be checked, e.g. `{ resource: "externalsecrets", reason: "404: CRD not installed" }`. */
export interface Incomplete {
  resource: string;
  reason: string;
}

export interface Snapshot {
  target: Target;
  objects: SourcedObject[];
  /** Input problems: unreadable files, malformed documents, skipped non-Kubernetes documents (warning). */
  diagnostics: Diagnostic[];
  /** What could not be read (RBAC, missing CRD, timeouts). */
  incomplete: Incomplete[];
  /** Previous-container logs keyed by `namespace/pod/container`. */
  previousLogs?: Map<string, string>;
  /** Current-container logs (tail) keyed by `namespace/pod/container`, where fetched. */
  currentLogs?: Map<string, string>;
  /** When the snapshot was taken (ISO); ages are measured from it. */
  takenAt?: string;
}

/**
 * The objects of a read in two parts (service/scan-early) begin with those of its first part, the very same ones:
 * what was worked out on the first part holds for the whole. The last of the first part stands for all of them.
 */
export function beginsWith(whole: readonly SourcedObject[], first: readonly SourcedObject[]): boolean {
  const n = first.length;
  return whole.length >= n && (n === 0 || whole[n - 1] === first[n - 1]);
}
