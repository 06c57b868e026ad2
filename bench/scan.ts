// Scan cost on a generated cluster, in one run: `npm run bench:scan`.
// The simulator serves the cluster from a process of its own; each measured scan is a fresh process (as a CLI run
// is, JIT cold), `read` (the lists alone) and `scan` (the lists, then the analysis) in turns. Prints the read-only
// and read+analysis times, what the analysis adds to reading the lists (target: at most 20% at 20,000 pods), the
// scan process's peak RSS (target: at most 1.5 GB), then Popeye against the same cluster in the real API server.
// ROUNDS (default 5) sets the processes per kind; SIZES (pods, comma-separated; default 10000,20000) the clusters,
// each with a node per 40 pods and 2.5 events per pod; PEERS=0 leaves Popeye out, PEER_PODS sets its cluster
// (default: the largest of SIZES); PITFALL_BASE=<checkout>/bin/pitfall.js times a second build's CLI beside it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunFigures } from "./scan-run.js";
import { popeyeBeside } from "./scan-peer.js";

const rounds = Number(process.env.ROUNDS ?? 5);
const sizes = (process.env.SIZES ?? "10000,20000").split(",").map((p) => {
  const pods = Number(p);
  return { pods, nodes: Math.max(1, Math.round(pods / 40)), events: Math.round(pods * 2.5), seed: 42 };
});
const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** The last line a child prints, once it exits 0. */
function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(out.trim().split("\n").pop() ?? "");
      else reject(new Error(`${args.join(" ")} exited ${code}`));
    });
  });
}

async function startSimProcess(size: (typeof sizes)[number], dir: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [script("scan-sim.js"), ...[size.pods, size.nodes, size.events, size.seed].map(String), dir],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)));
  });
  const { kubeconfig } = JSON.parse(line) as { kubeconfig: string };
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.stdin!.end();
    });
  return { kubeconfig, stop };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface SizeResult {
  pods: number;
  objects: number;
  readOnly: number;
  readOnlyCpu: number;
  scan: number;
  analysis: number;
  /** Per scan process, analysis over its own read; the median. */
  share: number;
  analysisCpu: number;
  findings: number;
  peakRssMiB: number;
  readOnlyRssMiB: number;
}

/** One line per scan process kind and size; the read and the analysis of `scan` processes apart. */
function summary(reads: RunFigures[], scans: RunFigures[], pods: number): SizeResult {
  return {
    pods,
    objects: scans[0]!.objects,
    readOnly: median(reads.map((r) => r.readMs)),
    readOnlyCpu: median(reads.map((r) => r.readCpuMs)),
    scan: median(scans.map((s) => s.readMs + s.analysisMs)),
    analysis: median(scans.map((s) => s.analysisMs)),
    share: median(scans.map((s) => s.analysisMs / s.readMs)),
    analysisCpu: median(scans.map((s) => s.analysisCpuMs)),
    findings: scans[0]!.findings,
    peakRssMiB: Math.max(...scans.map((s) => s.peakRssMiB)),
    readOnlyRssMiB: Math.max(...reads.map((s) => s.peakRssMiB)),
  };
}

async function measure(kubeconfig: string, n: number): Promise<{ reads: RunFigures[]; scans: RunFigures[] }> {
  const reads: RunFigures[] = [];
  const scans: RunFigures[] = [];
  for (let i = 0; i < n; i++) {
    // Turns alternate, so load from elsewhere on the machine falls on both kinds alike.
    for (const mode of i % 2 ? (["scan", "read"] as const) : (["read", "scan"] as const)) {
      const figures = JSON.parse(await runChild([script("scan-run.js"), kubeconfig, mode])) as RunFigures;
      (mode === "read" ? reads : scans).push(figures);
    }
  }
  return { reads, scans };
}

const results: SizeResult[] = [];
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-scan-"));
  const sim = await startSimProcess(size, dir);
  try {
    const { reads, scans } = await measure(sim.kubeconfig, rounds);
    results.push(summary(reads, scans, size.pods));
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
console.log(
  `median of ${rounds} fresh processes per kind; the simulator serves from its own process; no logs read; wall time (CPU time)`,
);
console.log(
  "pods     objects     read only (cpu)    read+analysis     analysis (cpu)   analysis adds  findings  peak RSS scan (read only)",
);
for (const r of results)
  console.log(
    [
      String(r.pods).padEnd(8),
      String(r.objects).padStart(7),
      `${sec(r.readOnly)} (${sec(r.readOnlyCpu)})`.padStart(19),
      sec(r.scan).padStart(16),
      `${sec(r.analysis)} (${sec(r.analysisCpu)})`.padStart(18),
      pct(r.share).padStart(15),
      String(r.findings).padStart(9),
      `${r.peakRssMiB} MiB (${r.readOnlyRssMiB} MiB)`.padStart(25),
    ].join(" "),
  );
const large = results[results.length - 1]!;
console.log(
  `at ${large.pods} pods the analysis adds ${pct(large.share)} to reading the lists, each scan process's analysis over its own read (target at most 20%); median analysis / median read-only process: ${pct(large.analysis / large.readOnly)}`,
);
console.log(
  `peak RSS of the scan process: ${large.peakRssMiB} MiB (target at most ${Math.round(1.5e9 / 2 ** 20)} MiB)`,
);
if (results.length > 1) {
  const small = results[0]!;
  console.log(
    `${large.pods} / ${small.pods} pods: read+analysis ${(large.scan / small.scan).toFixed(2)}×, analysis ${(large.analysis / small.analysis).toFixed(2)}× (linear = ${(large.pods / small.pods).toFixed(0)})`,
  );
}

if (process.env.PEERS !== "0") {
  const pods = Number(process.env.PEER_PODS ?? large.pods);
  console.log(`\nPopeye beside pitfall at ${pods} pods:`);
  const size = { pods, nodes: Math.max(1, Math.round(pods / 40)), events: Math.round(pods * 2.5), seed: 42 };
  const lines = await popeyeBeside(size, {
    ...(process.env.PITFALL_BASE ? { base: process.env.PITFALL_BASE } : {}),
    measure: async (kubeconfig) => {
      const { reads, scans } = await measure(kubeconfig, 1);
      const r = summary(reads, scans, pods);
      return `pitfall against it (scan-run, no logs): read ${sec(r.readOnly)}, read+analysis ${sec(r.scan)}, analysis ${sec(r.analysis)} (${pct(r.share)} of its read), peak RSS ${r.peakRssMiB} MiB`;
    },
  });
  for (const line of lines) console.log(line);
}
process.exit(0);
