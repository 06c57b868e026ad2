// Scan cost on a simulated cluster, measured in one run: `npm run bench:scan`.
// Prints wall time and peak memory for reading the lists alone and for the whole scan (lists + analysis),
// their ratio (target: analysis adds under 25%), and the ratio between 10,000 and 20,000 pods (linear: ~2).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../src/config/model.js";
import { loadKnowledgeBase } from "../src/kb/load.js";
import { analyse } from "../src/service/scan.js";
import { loadKubeConfig } from "../src/sources/kubeconfig.js";
import { readCluster } from "../src/sources/live.js";
import { generateCluster, startSimulator } from "../test/sim/index.js";

const sizes = [
  { pods: 10_000, nodes: 250, events: 25_000 },
  { pods: 20_000, nodes: 500, events: 50_000 },
];
const rounds = Number(process.env.ROUNDS ?? 3);

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);

const kb = await loadKnowledgeBase({ cwd: process.cwd() });
const config = defaultConfig();
const results: {
  pods: number;
  fetch: number;
  scan: number;
  analysis: number;
  findings: number;
  peakMiB: number;
}[] = [];
for (const size of sizes) {
  const sim = await startSimulator({ cluster: generateCluster({ ...size, seed: 42 }) });
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-scan-"));
  const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir) });
  const fetchTimes: number[] = [];
  const scanTimes: number[] = [];
  const analysisTimes: number[] = [];
  let findings = 0;
  peak = 0;
  for (let i = 0; i < rounds; i++) {
    // Alternate so load on the machine falls on both alike.
    let t = performance.now();
    await readCluster({ kubeConfig, logs: false });
    fetchTimes.push(performance.now() - t);
    t = performance.now();
    const snapshot = await readCluster({ kubeConfig, logs: false });
    const a = performance.now();
    const { result } = analyse(snapshot, { kb, config });
    const done = performance.now();
    scanTimes.push(done - t);
    analysisTimes.push(done - a);
    findings = result.findings.length;
  }
  await sim.close();
  results.push({
    pods: size.pods,
    fetch: median(fetchTimes),
    scan: median(scanTimes),
    analysis: median(analysisTimes),
    findings,
    peakMiB: Math.round(peak / 2 ** 20),
  });
}
clearInterval(sampler);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log(
  `median of ${rounds} rounds; the simulator runs in this process (its serving time is in both figures)`,
);
console.log("pods     lists only   scan (lists+analysis)   analysis   scan/lists   findings   peak RSS");
for (const r of results)
  console.log(
    `${String(r.pods).padEnd(8)} ${(r.fetch / 1000).toFixed(2).padStart(7)} s   ${(r.scan / 1000).toFixed(2).padStart(12)} s   ${(r.analysis / 1000).toFixed(2).padStart(11)} s   ${(r.scan / r.fetch).toFixed(2).padStart(8)}×   ${String(r.findings).padStart(8)}   ${r.peakMiB} MiB`,
  );
const [small, large] = results;
console.log(
  `analysis adds ${((large!.analysis / large!.fetch) * 100).toFixed(0)}% to reading the lists at ${large!.pods} pods (target < 25%)`,
);
console.log(
  `20k / 10k pods: scan ${(large!.scan / small!.scan).toFixed(2)}×, analysis ${(large!.analysis / small!.analysis).toFixed(2)}× (linear = 2)`,
);
process.exit(0);
