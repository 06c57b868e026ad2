// Kinds the manifest rules look at.

/** Kinds that run pods: a Pod, or a workload with a pod template. */
export const POD_KINDS: readonly string[] = [
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "CronJob",
];
