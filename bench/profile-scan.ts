// Profiles the analysis alone at bench size: `npm run bench:build && node .pitfall-tmp/bench-build/bench/profile-scan.js`.
// Reads the simulated cluster once, then runs the analysis (analyseTargets) ROUNDS times under the CPU profiler (the reading is not
// profiled) and writes .pitfall-tmp/analysis-<round>.cpuprofile for each (open in Chrome DevTools).
import { mkdtempSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../src/config/model.js";
import { loadKnowledgeBase } from "../src/kb/load.js";
import { analyseTargets } from "../src/service/scan.js";
import { loadKubeConfig } from "../src/sources/kubeconfig.js";
import { readCluster } from "../src/sources/live.js";
import { generateCluster, startSimulator } from "../test/sim/index.js";
import { clusterOfPods } from "./scan-shape.js";

const rounds = Number(process.env.ROUNDS ?? 3);
const pods = Number(process.env.PODS ?? 20_000);
const kb = await loadKnowledgeBase({ cwd: process.cwd() });
const config = defaultConfig();
const sim = await startSimulator({
  cluster: generateCluster(clusterOfPods(pods)),
});
const kubeConfig = await loadKubeConfig({
  kubeconfig: sim.writeKubeconfig(mkdtempSync(join(tmpdir(), "pitfall-prof-"))),
});
const snapshot = await readCluster({ kubeConfig, logs: false });
await sim.close();
const session = new Session();
session.connect();
await session.post("Profiler.enable");
for (let i = 0; i < rounds; i++) {
  await session.post("Profiler.start");
  const t = performance.now();
  const report = analyseTargets([snapshot], { kb, config });
  const ms = performance.now() - t;
  const { profile } = await session.post("Profiler.stop");
  const file = join(".pitfall-tmp", `analysis-${i + 1}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`analysis ${ms.toFixed(0)} ms, ${report.findings.length} findings: ${file}`);
}
