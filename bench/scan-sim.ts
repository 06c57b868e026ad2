// The simulator for bench:scan in a process of its own, so that the scan process's time and memory hold the scan
// alone. `node scan-sim.js <pods> <nodes> <events> <seed> <dir> [delay-ms]`: generates the cluster, serves it
// (each response `delay-ms` late, as from an API server over a network), writes a kubeconfig into <dir>, prints
// `{"kubeconfig": …}` on one line when ready, and stops when its stdin closes.
import { generateCluster, startSimulator } from "../test/sim/index.js";

const [pods, nodes, events, seed] = process.argv.slice(2, 6).map(Number);
const dir = process.argv[6];
const delayMs = Number(process.argv[7] ?? 0);
if (!pods || !nodes || events === undefined || seed === undefined || !dir || !(delayMs >= 0)) {
  console.error("usage: scan-sim.js <pods> <nodes> <events> <seed> <dir> [delay-ms]");
  process.exit(2);
}
const sim = await startSimulator({ cluster: generateCluster({ pods, nodes, events, seed }) });
if (delayMs > 0) sim.setFaults([{ kind: "delay", ms: delayMs }]);
console.log(JSON.stringify({ kubeconfig: sim.writeKubeconfig(dir), url: sim.url }));
process.stdin.resume();
process.stdin.on("end", () => void sim.close().then(() => process.exit(0)));
