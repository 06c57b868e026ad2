// One measured scan for bench:scan, in a fresh process (as a CLI run is):
// `node scan-run.js <kubeconfig> read|after|scan`. `read` lists what a scan lists; `after` lists the same, then runs
// the analysis (analyseTargets) on the whole read, as scans did before; `scan` is the scan service's own run, the
// checks of what is read before the events begun while they are read (service/scan-early). Prints one JSON line:
// wall and CPU time of the read and of what follows it, findings, and the process's peak RSS (the kernel's
// high-water mark, not a sample).
import { defaultConfig } from "../src/config/model.js";
import { loadKnowledgeBase } from "../src/kb/load.js";
import type { EarlyChecks } from "../src/service/scan-early.js";
import { analyseTargets, checkEarly } from "../src/service/scan.js";
import { loadKubeConfig } from "../src/sources/kubeconfig.js";
import { readCluster } from "../src/sources/live.js";

export interface RunFigures {
  mode: "read" | "after" | "scan";
  /** From the start of the read to the report. */
  totalMs: number;
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
if (!kubeconfig || (mode !== "read" && mode !== "after" && mode !== "scan")) {
  console.error("usage: scan-run.js <kubeconfig> read|after|scan");
  process.exit(2);
}
const kb = await loadKnowledgeBase({ cwd: process.cwd() });
const config = defaultConfig();
const kubeConfig = await loadKubeConfig({ kubeconfig });

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const start = performance.now();
let t = start;
let cpu = process.cpuUsage();
const req = { kb, config };
let early: Promise<EarlyChecks> | undefined;
// The CLI's read without logs: logs are a hundred small requests that would only lengthen the read. In `scan`
// mode, as the scan service does (service/scan readTargets): the checks begun while the events are read.
const snapshot = await readCluster({
  kubeConfig,
  logs: false,
  timeoutMs: 600_000,
  ...(mode === "scan" ? { whileEventsRead: (partial) => (early = checkEarly(partial, req)) } : {}),
});
const figures: RunFigures = {
  mode,
  totalMs: 0,
  objects: snapshot.objects.length,
  readMs: performance.now() - t,
  readCpuMs: cpuMs(cpu),
  analysisMs: 0,
  analysisCpuMs: 0,
  findings: 0,
  incomplete: snapshot.incomplete.length,
  peakRssMiB: 0,
};
if (mode !== "read") {
  t = performance.now();
  cpu = process.cpuUsage();
  const begun = new Map<string, EarlyChecks>();
  if (early) begun.set(snapshot.target.context ?? "", await early);
  else if (mode === "scan")
    console.error("scan-run: the events were not the last list read; nothing begun early");
  const report = analyseTargets([snapshot], req, undefined, begun);
  figures.analysisMs = performance.now() - t;
  figures.analysisCpuMs = cpuMs(cpu);
  figures.findings = report.findings.length;
}
figures.totalMs = performance.now() - start;
figures.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(figures));
process.exit(0);
