// Kubeconfig files pointing at simulators, one context per entry.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";
import type { KubeconfigEntry } from "./types.js";

/**
 * Writes a kubeconfig with one cluster, user and context per entry; the first entry is the current context.
 * The servers are plain HTTP, which @kubernetes/client-node only accepts with insecure-skip-tls-verify.
 */
export function writeKubeconfig(path: string, entries: readonly KubeconfigEntry[], current?: string): string {
  if (entries.length === 0) throw new Error("writeKubeconfig needs at least one entry");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.context,
      cluster: { server: e.server, "insecure-skip-tls-verify": true },
    })),
    users: entries.map((e) => ({ name: e.context, user: { token: e.token ?? "sim-anonymous" } })),
    contexts: entries.map((e) => ({
      name: e.context,
      context: { cluster: e.context, user: e.context, ...(e.namespace ? { namespace: e.namespace } : {}) },
    })),
    "current-context": current ?? entries[0]!.context,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
