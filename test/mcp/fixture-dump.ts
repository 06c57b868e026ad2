// A simulator fixture cluster written out as a dump, the way kubectl and `pitfall-dump.json` lay one out.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { LIVE_RESOURCES } from "../../src/sources/kube-read.js";
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

/**
 * What `pitfall dump` writes of such a cluster: every resource the detectors read was read (the simulator serves
 * them all), External Secrets only where the fixture installs their CRD, as a live read finds.
 */
export function dumpMeta(cluster: Cluster, now: Date, context: string) {
  const eso = cluster.objects.some(
    (o) =>
      o.kind === "CustomResourceDefinition" && o.metadata?.name === "externalsecrets.external-secrets.io",
  );
  return {
    takenAt: now.toISOString(),
    context,
    resources: [...LIVE_RESOURCES.map((r) => r.plural), ...(eso ? ["externalsecrets"] : [])],
    ...(eso
      ? {}
      : {
          incomplete: [
            {
              resource: "externalsecrets",
              reason: "CRD not installed: the API server does not serve external-secrets.io",
            },
          ],
        }),
  };
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
  writeFileSync(join(dir, "pitfall-dump.json"), JSON.stringify(dumpMeta(cluster, now, context)));
  return dir;
}
