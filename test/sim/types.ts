// Shapes shared by the simulator's modules.
import type { KubeObject } from "../../src/model/kube.js";

/** One container log, current or previous instance. */
export interface SimLog {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  text: string;
}

/** What the simulator serves: objects, logs and the server version. */
export interface Cluster {
  name: string;
  /** `/version` gitVersion, e.g. `v1.34.1+k3s1`. */
  version: string;
  objects: KubeObject[];
  logs: SimLog[];
}

/** A resource the API serves, as discovery describes it. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower case: the name in URLs (`pods`). */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
}

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete";

/**
 * A failure injected into requests. `resource` is a plural (`pods`, `externalsecrets`, `pods/log`);
 * without it the fault applies to every request, discovery included.
 */
export type Fault =
  /** 403 Forbidden as RBAC says it. */
  | { kind: "forbidden"; resource: string; verb?: Verb; namespace?: string; user?: string }
  /** The resource is not installed: 404 and absent from discovery (a CRD that is not there). */
  | { kind: "absent"; resource: string }
  /** 410 Expired on the first `times` list requests that carry `continue`. */
  | { kind: "expiredContinue"; resource?: string; times?: number }
  /** 429 or 5xx with `Retry-After` for the first `times` requests. */
  | { kind: "status"; code: 429 | 500 | 503; resource?: string; times: number; retryAfterSeconds?: number }
  /** Answer after `ms` milliseconds. */
  | { kind: "delay"; ms: number; resource?: string }
  /** Send the headers and part of the body, then destroy the socket. */
  | { kind: "drop"; resource?: string; times?: number };

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status sent (0 when the socket was dropped). */
  status: number;
}

export interface KubeconfigEntry {
  context: string;
  server: string;
  token?: string;
  namespace?: string;
}
