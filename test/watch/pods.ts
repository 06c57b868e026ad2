// Small pods for watch tests: the same pod running, or crash-looping with a previous instance that exited.
import type { KubeObject } from "../../src/model/kube.js";

function iso(msAgo: number): string {
  return new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, "Z");
}

export function pod(namespace: string, name: string, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, creationTimestamp: iso(3_600_000) },
    spec: {
      nodeName: "k3s-agent-1",
      containers: [
        {
          name: "app",
          image: "registry.example.com/app:1.2.3",
          imagePullPolicy: "IfNotPresent",
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        },
      ],
    },
    status,
  };
}

export function runningPod(namespace: string, name: string): KubeObject {
  return pod(namespace, name, {
    phase: "Running",
    containerStatuses: [
      { name: "app", ready: true, restartCount: 0, state: { running: { startedAt: iso(60_000) } } },
    ],
  });
}

export function crashLoopingPod(namespace: string, name: string, restarts = 4): KubeObject {
  return pod(namespace, name, {
    phase: "Running",
    containerStatuses: [
      {
        name: "app",
        ready: false,
        restartCount: restarts,
        state: {
          waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=app" },
        },
        lastState: {
          terminated: { exitCode: 1, reason: "Error", startedAt: iso(90_000), finishedAt: iso(80_000) },
        },
      },
    ],
  });
}
