// A few varied objects a DETECT line is tried on: one that is true for all of them would flag everything.

const meta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `00000000-0000-0000-0000-${name.length.toString().padStart(12, "0")}`,
  labels: { app: name },
  creationTimestamp: "2026-01-01T00:00:00Z",
});

const podSpec = {
  serviceAccountName: "default",
  containers: [
    {
      name: "app",
      image: "registry.example/app:1.4.2",
      imagePullPolicy: "IfNotPresent",
      ports: [{ containerPort: 8080 }],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    },
  ],
};

export const DETECT_SAMPLE: readonly { kind: string; object: unknown }[] = [
  {
    kind: "Pod",
    object: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta("web-5d8c7b9f6d-q7xkz", "shop"),
      spec: { ...podSpec, nodeName: "node-1" },
      status: {
        phase: "Running",
        containerStatuses: [{ name: "app", ready: true, restartCount: 0, state: { running: {} } }],
      },
    },
  },
  {
    kind: "Deployment",
    object: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("web", "shop"),
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: podSpec },
      },
      status: { replicas: 2, readyReplicas: 2 },
    },
  },
  {
    kind: "Service",
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("web", "shop"),
      spec: { type: "ClusterIP", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  },
  {
    kind: "ConfigMap",
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("web-config", "shop"),
      data: { LOG_LEVEL: "info" },
    },
  },
  {
    kind: "Node",
    object: {
      apiVersion: "v1",
      kind: "Node",
      metadata: meta("node-1"),
      spec: {},
      status: {
        capacity: { cpu: "4", memory: "16Gi" },
        conditions: [{ type: "Ready", status: "True" }],
        nodeInfo: { kubeletVersion: "v1.34.1", containerRuntimeVersion: "containerd://2.0.0" },
      },
    },
  },
  {
    kind: "Namespace",
    object: { apiVersion: "v1", kind: "Namespace", metadata: meta("shop"), status: { phase: "Active" } },
  },
  {
    kind: "CronJob",
    object: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta("nightly", "shop"),
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: "OnFailure" } } } },
      },
    },
  },
];
