// What the scan benchmarks share: the shape of a generated cluster of a given number of pods, and a median.

/** A node per 40 pods and 2.5 events per pod, the same seed: each scan benchmark reads the same cluster. */
export function clusterOfPods(pods: number): { pods: number; nodes: number; events: number; seed: number } {
  return { pods, nodes: Math.max(1, Math.round(pods / 40)), events: Math.round(pods * 2.5), seed: 42 };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
