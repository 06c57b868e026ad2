// What bench:scan and the live conformance share: the peers' scripts and the real kube-apiserver harness
// (test/cluster), loaded from the repository while these run from the build output.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type Json = Record<string, unknown>;

/** The repository, from the build output's place (.pitfall-tmp/bench-build/bench/). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface PopeyeRun {
  report?: Json;
  ms?: number;
  skipped?: string;
  status?: number;
}

// The peers' scripts are plain .mjs in the repository; loaded from there, they are untyped.
export async function peers(): Promise<{
  installedPeers(): { found: Record<string, unknown> };
  popeye(kubeconfig: string): PopeyeRun;
}> {
  const versions = await import(pathToFileURL(join(ROOT, "bench/peers/versions.mjs")).href);
  const run = await import(pathToFileURL(join(ROOT, "bench/peers/run.mjs")).href);
  return { installedPeers: versions.installedPeers, popeye: run.popeye };
}

/** The real-server harness; its build.mjs keys the binary on the Go sources beside it, so it is the original. */
export async function harness() {
  const shim = fileURLToPath(new URL("../test/cluster/build.mjs", import.meta.url));
  const original = pathToFileURL(join(ROOT, "test/cluster/build.mjs")).href;
  writeFileSync(shim, `export * from ${JSON.stringify(original)};\n`);
  const h = await import("../test/cluster/harness.js");
  const load = await import("../test/cluster/load.js");
  return { ...h, loadFixture: load.loadFixture };
}

/** Popeye's report as sections: `popeye.sections[]` with `linter` and `issues{<object>: [issue]}`. */
export function popeyeSections(report: Json | undefined): Json[] {
  const sections = (report?.popeye as Json | undefined)?.sections;
  return Array.isArray(sections) ? (sections as Json[]) : [];
}
