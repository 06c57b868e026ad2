// bench:scan's measure as it was when the scan target was set (bench/scan.ts at 9897519, "today 24–32%"): the
// simulator serves from this process, and the same process reads the lists alone, then reads and analyses them,
// in turns, round after round (so the JIT is warm after the first). `node scan-filed.js <rounds> <pods,...>`;
// prints one JSON line: per size, the medians of the read and of the analysis after it, and each round's share.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../src/config/model.js";
import { loadKnowledgeBase } from "../src/kb/load.js";
import { analyseTargets } from "../src/service/scan.js";
import { loadKubeConfig } from "../src/sources/kubeconfig.js";
import { readCluster } from "../src/sources/live.js";
import { generateCluster, startSimulator } from "../test/sim/index.js";
import { clusterOfPods, median } from "./scan-shape.js";

export interface FiledFigures {
  pods: number;
  readMs: number;
  analysisMs: number;
  /** Each round's analysis over its own round's read-only time. */
  shares: number[];
}

const rounds = Number(process.argv[2]);
const sizes = (process.argv[3] ?? "").split(",").map(Number);
if (!(rounds > 0) || !sizes.every((p) => p > 0)) {
  console.error("usage: scan-filed.js <rounds> <pods,...>");
  process.exit(2);
}
const req = { kb: await loadKnowledgeBase({ cwd: process.cwd() }), config: defaultConfig() };
const out: FiledFigures[] = [];
for (const pods of sizes) {
  const cluster = generateCluster(clusterOfPods(pods));
  const sim = await startSimulator({ cluster });
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-scan-filed-"));
  try {
    const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir) });
    const reads: number[] = [];
    const analyses: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      await readCluster({ kubeConfig, logs: false, timeoutMs: 600_000 });
      reads.push(performance.now() - t);
      const snapshot = await readCluster({ kubeConfig, logs: false, timeoutMs: 600_000 });
      t = performance.now();
      analyseTargets([snapshot], req);
      analyses.push(performance.now() - t);
    }
    out.push({
      pods,
      readMs: median(reads),
      analysisMs: median(analyses),
      shares: analyses.map((a, i) => a / reads[i]!),
    });
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(out));
process.exit(0);
