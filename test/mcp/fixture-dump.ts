// A simulator fixture cluster written out as a dump, the way kubectl and `pitfall-dump.json` lay one out.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseCluster } from "../sim/load.js";
import type { Cluster } from "../sim/types.js";

export const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";

/** Writes `<dir>/cluster.json` (a kubectl List), `logs/<ns>/<pod>/<container>[.previous].log` and the dump's meta. */
export function writeFixtureDump(fixture: string, dir: string, now: Date, context = "k3s-office"): string {
  const cluster = parseCluster(readFileSync(fixture, "utf8"), {
    now,
    name: basename(fixture, ".yaml"),
    file: fixture,
  });
  return writeClusterDump(cluster, dir, now, context);
}

/** The same layout for a cluster already loaded (and changed) by a test. */
export function writeClusterDump(cluster: Cluster, dir: string, now: Date, context = "k3s-office"): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "cluster.json"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: cluster.objects,
      metadata: { resourceVersion: "" },
    }),
  );
  for (const log of cluster.logs) {
    const podDir = join(dir, "logs", log.namespace, log.pod);
    mkdirSync(podDir, { recursive: true });
    writeFileSync(join(podDir, `${log.container}${log.previous ? ".previous" : ""}.log`), log.text);
  }
  writeFileSync(join(dir, "pitfall-dump.json"), JSON.stringify({ takenAt: now.toISOString(), context }));
  return dir;
}
