// The real API server a test run shares (started by global-setup.ts on first use), and unique namespaces in it.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { type Cluster, type ClusterInfo, clusterUnavailable, credentialsOf } from "./harness.js";

/** Why the real-server tests skip here, or undefined. */
export const unavailable = clusterUnavailable();
// The global setup says why, once per run, when the first real-server file asks.
if (unavailable) await fetch(`${inject("clusterBroker")}/shared`);

/** The shared cluster; `stop` does nothing (the global setup stops it at the end of the run). */
export async function sharedCluster(): Promise<Cluster> {
  const res = await fetch(`${inject("clusterBroker")}/shared`);
  const body = (await res.json()) as ClusterInfo & { skip?: string; error?: string };
  if (body.error || body.skip)
    throw new Error(`the shared cluster did not start: ${body.error ?? body.skip}`);
  return { ...body, ...credentialsOf(body), stop: async () => {} };
}

/** A name prefix no other test in the shared cluster uses, e.g. `t3f9a-`. */
export function uniquePrefix(): string {
  return `t${randomBytes(3).toString("hex")}-`;
}
