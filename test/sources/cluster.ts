// A small k3s cluster for the source tests: every kind the live read lists, a crash-looping pod with a previous
// log, a running pod whose log shows the k3s ClusterIP refusal, and an ExternalSecret CRD.
import type { KubeObject } from "../../src/model/kube.js";
import type { Cluster, SimLog } from "../sim/index.js";

const T = "2026-03-20T10:00:00Z";

function meta(name: string, namespace?: string, labels?: Record<string, string>) {
  return { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), creationTimestamp: T };
}

function node(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(name, undefined, { "kubernetes.io/hostname": name }),
    status: {
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      nodeInfo: { kubeletVersion: "v1.34.1+k3s1", containerRuntimeVersion: "containerd://2.1.4-k3s1" },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function pod(
  namespace: string,
  name: string,
  status: Record<string, unknown>,
  containers = ["app"],
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, namespace, { app: name.replace(/-[a-z0-9]+$/, "") }),
    spec: { nodeName: "k3s-1", containers: containers.map((c) => ({ name: c, image: `ge/${c}:1.0` })) },
    status,
  };
}

const running = (names: string[], restarts = 0) => ({
  phase: "Running",
  containerStatuses: names.map((name) => ({
    name,
    ready: true,
    restartCount: restarts,
    state: { running: { startedAt: T } },
  })),
});

function crashLooping(restarts: number) {
  return {
    phase: "Running",
    containerStatuses: [
      {
        name: "app",
        ready: false,
        restartCount: restarts,
        state: {
          waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
        },
        lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: T } },
      },
    ],
  };
}

const oomKilled = {
  phase: "Running",
  containerStatuses: [
    {
      name: "app",
      ready: true,
      restartCount: 2,
      state: { running: { startedAt: T } },
      lastState: { terminated: { exitCode: 137, reason: "OOMKilled", finishedAt: T } },
    },
  ],
};

function namespaced(
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  extra = {},
): KubeObject {
  return { apiVersion, kind, metadata: meta(name, namespace), ...extra };
}

const NAMESPACES = ["ge-agents", "ge-web", "kube-system"];

function objects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const ns of NAMESPACES) out.push({ apiVersion: "v1", kind: "Namespace", metadata: meta(ns) });
  out.push(node("k3s-1"), node("k3s-2"), node("k3s-3"));

  out.push(pod("ge-agents", "dolly-7d9f-abcde", crashLooping(8509)));
  out.push(pod("ge-agents", "executor-5c7b-fghij", oomKilled));
  out.push(pod("ge-agents", "admin-ui-6f8d-klmno", running(["app"])));
  for (let i = 1; i <= 4; i++) out.push(pod("ge-agents", `worker-${i}`, running(["app"])));
  out.push(pod("ge-web", "web-1", running(["web", "sidecar"]), ["web", "sidecar"]));
  out.push(pod("ge-web", "web-2", running(["web", "sidecar"]), ["web", "sidecar"]));
  out.push(pod("ge-web", "pending-1", { phase: "Pending" }));
  out.push(pod("kube-system", "traefik-1", running(["traefik"]), ["traefik"]));

  for (let i = 1; i <= 5; i++) {
    out.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: meta(`dolly.${i}`, "ge-agents"),
      involvedObject: { kind: "Pod", namespace: "ge-agents", name: "dolly-7d9f-abcde" },
      reason: "BackOff",
      message: "Back-off restarting failed container app",
      type: "Warning",
      count: 100 * i,
      lastTimestamp: T,
    });
  }
  out.push({
    apiVersion: "v1",
    kind: "Event",
    metadata: meta("web.1", "ge-web"),
    involvedObject: { kind: "Pod", namespace: "ge-web", name: "pending-1" },
    reason: "FailedScheduling",
    message: "0/3 nodes are available",
    type: "Warning",
    lastTimestamp: T,
  });

  for (const [ns, name] of [
    ["ge-agents", "admin-ui"],
    ["ge-web", "web"],
    ["kube-system", "traefik"],
  ] as const) {
    out.push(
      namespaced("v1", "Service", ns, name, { spec: { selector: { app: name }, ports: [{ port: 80 }] } }),
    );
    out.push(namespaced("v1", "Endpoints", ns, name, { subsets: [] }));
    out.push(
      namespaced("discovery.k8s.io/v1", "EndpointSlice", ns, `${name}-abc`, {
        addressType: "IPv4",
        endpoints: [],
      }),
    );
  }
  const template = { spec: { template: { spec: { containers: [{ name: "app", image: "ge/app:1.0" }] } } } };
  out.push(namespaced("apps/v1", "Deployment", "ge-agents", "dolly", template));
  out.push(namespaced("apps/v1", "Deployment", "ge-agents", "executor", template));
  out.push(namespaced("apps/v1", "Deployment", "ge-web", "web", template));
  out.push(namespaced("apps/v1", "ReplicaSet", "ge-agents", "dolly-7d9f", template));
  out.push(namespaced("apps/v1", "ReplicaSet", "ge-agents", "executor-5c7b", template));
  out.push(namespaced("apps/v1", "ReplicaSet", "ge-web", "web-8a1b", template));
  out.push(namespaced("apps/v1", "StatefulSet", "ge-agents", "redis", template));
  out.push(namespaced("apps/v1", "DaemonSet", "kube-system", "svclb-traefik", template));
  out.push(namespaced("batch/v1", "Job", "ge-agents", "migrate-1", template));
  out.push(namespaced("batch/v1", "CronJob", "ge-agents", "nightly", { spec: { schedule: "0 3 * * *" } }));
  out.push(namespaced("networking.k8s.io/v1", "Ingress", "ge-web", "web", { spec: { rules: [] } }));

  out.push({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: meta("externalsecrets.external-secrets.io"),
    spec: {
      group: "external-secrets.io",
      scope: "Namespaced",
      names: {
        plural: "externalsecrets",
        singular: "externalsecret",
        kind: "ExternalSecret",
        shortNames: ["es"],
      },
      versions: [{ name: "v1", served: true, storage: true }],
    },
  });
  for (const [ns, name] of [
    ["ge-agents", "ge-executor-secrets"],
    ["ge-web", "ge-web-secrets"],
  ] as const) {
    out.push(
      namespaced("external-secrets.io/v1", "ExternalSecret", ns, name, {
        spec: { refreshInterval: "1h", secretStoreRef: { name: "vault", kind: "ClusterSecretStore" } },
      }),
    );
  }
  return out;
}

export const CRASH_LOG =
  "Traceback (most recent call last):\nredis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.\n";
export const REFUSED_LOG = "starting admin-ui\nError: dial tcp 10.43.0.1:443: connect: connection refused\n";

function logs(): SimLog[] {
  return [
    { namespace: "ge-agents", pod: "dolly-7d9f-abcde", container: "app", previous: true, text: CRASH_LOG },
    {
      namespace: "ge-agents",
      pod: "executor-5c7b-fghij",
      container: "app",
      previous: true,
      text: "loading context\nKilled\n",
    },
    {
      namespace: "ge-agents",
      pod: "admin-ui-6f8d-klmno",
      container: "app",
      previous: false,
      text: REFUSED_LOG,
    },
  ];
}

/** A fresh copy for each simulator, since the simulator stamps what it stores. */
export function sourcesCluster(): Cluster {
  return { name: "k3s-zone1", version: "v1.34.1+k3s1", objects: objects(), logs: logs() };
}

/** How many objects of each kind the live read should return (the CRD itself is not read). */
export function expectedCounts(cluster: Cluster, namespace?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of cluster.objects) {
    const kind = String(o.kind);
    if (kind === "CustomResourceDefinition") continue;
    const ns = o.metadata?.namespace;
    if (namespace && kind === "Namespace" && o.metadata?.name !== namespace) continue;
    if (namespace && ns !== undefined && ns !== namespace) continue;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
