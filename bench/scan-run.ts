// One measured scan for bench:scan, in a fresh process (as a CLI run is): `node scan-run.js <kubeconfig> read|scan`.
// `read` lists what a scan lists; `scan` lists the same and runs what `scan` does after reading (analyseTargets). Prints one JSON line: wall and CPU
// time of each stage, findings, and the process's peak RSS (the kernel's high-water mark, not a sample).
import { defaultConfig } from "../src/config/model.js";
import { loadKnowledgeBase } from "../src/kb/load.js";
import { analyseTargets } from "../src/service/scan.js";
import { loadKubeConfig } from "../src/sources/kubeconfig.js";
import { readCluster } from "../src/sources/live.js";

export interface RunFigures {
  mode: "read" | "scan";
  objects: number;
  readMs: number;
  readCpuMs: number;
  analysisMs: number;
  analysisCpuMs: number;
  findings: number;
  incomplete: number;
  peakRssMiB: number;
}

const [kubeconfig, mode] = process.argv.slice(2);
if (!kubeconfig || (mode !== "read" && mode !== "scan")) {
  console.error("usage: scan-run.js <kubeconfig> read|scan");
  process.exit(2);
}
const kb = await loadKnowledgeBase({ cwd: process.cwd() });
const config = defaultConfig();
const kubeConfig = await loadKubeConfig({ kubeconfig });

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
let t = performance.now();
let cpu = process.cpuUsage();
// The CLI's read without logs: logs are a hundred small requests that would only lengthen the read.
const snapshot = await readCluster({ kubeConfig, logs: false, timeoutMs: 600_000 });
const figures: RunFigures = {
  mode,
  objects: snapshot.objects.length,
  readMs: performance.now() - t,
  readCpuMs: cpuMs(cpu),
  analysisMs: 0,
  analysisCpuMs: 0,
  findings: 0,
  incomplete: snapshot.incomplete.length,
  peakRssMiB: 0,
};
if (mode === "scan") {
  t = performance.now();
  cpu = process.cpuUsage();
  const report = analyseTargets([snapshot], { kb, config });
  figures.analysisMs = performance.now() - t;
  figures.analysisCpuMs = cpuMs(cpu);
  figures.findings = report.findings.length;
}
figures.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(figures));
process.exit(0);
