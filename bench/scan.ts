// Scan cost on a generated cluster, in one run: `npm run bench:scan`.
// The simulator serves the cluster from a process of its own; each measured scan is a fresh process (as a CLI run
// is, JIT cold), `read` (the lists alone) and `scan` (the lists, then the analysis) in turns. Prints the read-only
// and read+analysis times, what the analysis adds to reading the lists (target: at most 20% at 20,000 pods), the
// scan process's peak RSS (target: at most 1.5 GB), then Popeye against the same cluster in the real API server.
// ROUNDS (default 3) sets the processes per kind; SIZES (pods, comma-separated; default 10000,20000) the clusters,
// each with a node per 40 pods and 2.5 events per pod; PEERS=0 leaves Popeye out.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunFigures } from "./scan-run.js";
import { popeyeBeside } from "./scan-peer.js";

const rounds = Number(process.env.ROUNDS ?? 3);
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
  scan: number;
  analysis: number;
  /** Per scan process, analysis over its own read; the median. */
  share: number;
  analysisCpu: number;
  findings: number;
  peakRssMiB: number;
  readOnlyRssMiB: number;
}

const results: SizeResult[] = [];
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-scan-"));
  const sim = await startSimProcess(size, dir);
  const reads: RunFigures[] = [];
  const scans: RunFigures[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      // Turns alternate, so load from elsewhere on the machine falls on both kinds alike.
      for (const mode of i % 2 ? (["scan", "read"] as const) : (["read", "scan"] as const)) {
        const figures = JSON.parse(
          await runChild([script("scan-run.js"), sim.kubeconfig, mode]),
        ) as RunFigures;
        (mode === "read" ? reads : scans).push(figures);
      }
    }
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  results.push({
    pods: size.pods,
    objects: scans[0]!.objects,
    readOnly: median(reads.map((r) => r.readMs)),
    scan: median(scans.map((s) => s.readMs + s.analysisMs)),
    analysis: median(scans.map((s) => s.analysisMs)),
    share: median(scans.map((s) => s.analysisMs / s.readMs)),
    analysisCpu: median(scans.map((s) => s.analysisCpuMs)),
    findings: scans[0]!.findings,
    peakRssMiB: Math.max(...scans.map((s) => s.peakRssMiB)),
    readOnlyRssMiB: Math.max(...reads.map((s) => s.peakRssMiB)),
  });
}

console.log(
  `median of ${rounds} fresh processes per kind; the simulator serves from its own process; no logs read`,
);
console.log(
  "pods     objects  read only  read+analysis  analysis (cpu)      analysis adds  findings  peak RSS scan (read only)",
);
for (const r of results)
  console.log(
    [
      String(r.pods).padEnd(8),
      String(r.objects).padStart(7),
      sec(r.readOnly).padStart(10),
      sec(r.scan).padStart(14),
      `${sec(r.analysis)} (${sec(r.analysisCpu)})`.padStart(19),
      `${(r.share * 100).toFixed(0)}%`.padStart(14),
      String(r.findings).padStart(9),
      `${r.peakRssMiB} MiB (${r.readOnlyRssMiB} MiB)`.padStart(25),
    ].join(" "),
  );
const large = results[results.length - 1]!;
console.log(
  `at ${large.pods} pods the analysis adds ${(large.share * 100).toFixed(0)}% to reading the lists (its own read, same process; target at most 20%); read+analysis / read only: ${(large.scan / large.readOnly).toFixed(2)}×`,
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
  console.log(`\nPopeye beside pitfall at ${large.pods} pods:`);
  const size = sizes[sizes.length - 1]!;
  for (const line of await popeyeBeside(size)) console.log(line);
}
process.exit(0);
