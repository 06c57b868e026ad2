// Popeye beside pitfall on the same cluster, for bench:scan: the generated cluster is loaded into the real
// kube-apiserver of test/cluster (Popeye needs the API groups, RBAC and metrics discovery a real server answers;
// the simulator serves only what pitfall reads), then `pitfall scan` and `popeye` run against it, each as a user
// runs it, in one run. Returns the lines to print; one line saying why when Popeye or the server is not built.
import { join } from "node:path";
import { generateCluster } from "../test/sim/index.js";
import { spawnCollect } from "../test/support/cli.js";
import { harness, type Json, peers, popeyeSections, ROOT } from "./real-server.js";

export interface PeerSize {
  pods: number;
  nodes: number;
  events: number;
  seed: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `pitfall scan` as a user runs it (logs read, JSON out): its time and how many findings it printed. */
async function timeScan(bin: string, kubeconfig: string): Promise<{ ms: number; findings: string }> {
  const t = performance.now();
  const r = await spawnCollect(
    process.execPath,
    [bin, "scan", "--kubeconfig", kubeconfig, "-o", "json", "--timeout", "10m"],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
  );
  const ms = performance.now() - t;
  try {
    return { ms, findings: String((JSON.parse(r.out) as { findings: unknown[] }).findings.length) };
  } catch {
    throw new Error(`${bin} scan failed (exit ${r.code}): ${r.err.trim().split("\n")[0]}`);
  }
}

/**
 * `base`: another checkout's built `bin/pitfall.js` (e.g. main before a change), timed on the same cluster in the
 * same run. `measure`: the read and the analysis apart, in a scan process of their own (bench/scan-run).
 */
export async function popeyeBeside(
  size: PeerSize,
  opts: { base?: string; measure: (kubeconfig: string) => Promise<string> },
): Promise<string[]> {
  const p = await peers();
  if (!p.installedPeers().found.popeye)
    return ["Popeye: skipped, not installed (npm run peers:install popeye)"];
  const h = await harness();
  const why = h.clusterUnavailable();
  if (why) return [`Popeye: skipped, ${why}`];

  const lines: string[] = [];
  const cluster = await h.startCluster();
  try {
    const t = performance.now();
    // Creation times stay the load's: rewriting tens of thousands of them in etcd outlasts the control call.
    const loaded = await h.loadFixture(cluster, generateCluster(size), { concurrency: 32, backdate: false });
    lines.push(
      `real kube-apiserver ${cluster.version}: ${loaded.created} objects and ${loaded.statuses} statuses loaded in ${seconds(performance.now() - t)}`,
      await opts.measure(cluster.kubeconfig),
    );
    const ours = await timeScan(join(ROOT, "bin/pitfall.js"), cluster.kubeconfig);
    const base = opts.base ? await timeScan(opts.base, cluster.kubeconfig) : undefined;
    const theirs = p.popeye(cluster.kubeconfig);
    if (theirs.skipped || theirs.ms === undefined) return [...lines, `Popeye: ${theirs.skipped}`];
    lines.push(
      `pitfall scan (CLI, logs read)       ${seconds(ours.ms).padStart(8)}   ${ours.findings} findings`,
      ...(base
        ? [`pitfall scan, ${opts.base}  ${seconds(base.ms).padStart(8)}   ${base.findings} findings`]
        : []),
      `popeye -A (CLI)                     ${seconds(theirs.ms).padStart(8)}   ${issuesOf(theirs.report)} issues, ${coveredPods(theirs.report)} of ${size.pods} pods in its report`,
      `Popeye / pitfall: ${(theirs.ms / ours.ms).toFixed(2)}× (over 1: pitfall is faster)${
        coveredPods(theirs.report) < size.pods
          ? "; Popeye's report is incomplete: it lists each kind within a fixed 30 s (CallTimeout in its internal/client) and leaves out what it could not read by then"
          : ""
      }`,
    );
    return lines;
  } catch (error) {
    return [...lines, `Popeye: not compared: ${error instanceof Error ? error.message : String(error)}`];
  } finally {
    await cluster.stop();
  }
}

/** The pods Popeye's report speaks of (its `pods` section names every pod it linted, issues or not). */
function coveredPods(report: Json | undefined): number {
  const pods = popeyeSections(report).find((s) => s.linter === "pods");
  return Object.keys((pods?.issues as Json | undefined) ?? {}).length;
}

/** Popeye's report: `popeye.sections[].issues{<object>: [issue]}`; counts the issues above level OK. */
function issuesOf(report: Json | undefined): number {
  let n = 0;
  for (const s of popeyeSections(report)) {
    for (const list of Object.values((s.issues as Json | undefined) ?? {}))
      for (const issue of Array.isArray(list) ? (list as Json[]) : []) if (Number(issue.level) > 0) n++;
  }
  return n;
}
