// The simulator's public API for tests and benchmarks.
export { generateCluster, type GenerateOptions } from "./generate.js";
export { writeKubeconfig } from "./kubeconfig.js";
export { type LoadOptions, loadCluster, parseCluster } from "./load.js";
export { type Sim, type SimulatorOptions, startSimulator } from "./server.js";
export type { Cluster, Fault, KubeconfigEntry, RequestRecord, SimLog } from "./types.js";
