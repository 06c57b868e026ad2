// Types for build.mjs (a plain Node script, so that `npm run cluster:build` needs no compile step).
export declare const CLUSTER_SOURCE: string;
export declare const KUBERNETES_VERSION: string;
export declare function clusterBinary(env?: NodeJS.ProcessEnv): string;
export declare function buildCluster(): string;
