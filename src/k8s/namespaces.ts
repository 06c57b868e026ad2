// Namespaces that belong to the cluster itself or its distribution, not to the team's workloads.

/** The distributions' own namespaces besides `kube-*` (kind's local-path-storage, Calico's, Rancher's). */
const SYSTEM_NAMESPACES = new Set([
  "local-path-storage",
  "calico-system",
  "tigera-operator",
  "cattle-system",
]);

/** `kube-system`, `kube-public`, `kube-node-lease` and the like: what the distribution runs, not the team. */
export function isSystemNamespace(namespace: string | undefined): boolean {
  return namespace !== undefined && (namespace.startsWith("kube-") || SYSTEM_NAMESPACES.has(namespace));
}
