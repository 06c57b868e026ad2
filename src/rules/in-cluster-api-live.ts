// k3s ClusterIP broken from inside pods, live: a container's log shows the in-cluster API address refusing it.
// (A spec that relies on the in-cluster token flow is the manifest rule `in-cluster-api`.)
import { containersOf } from "../k8s/containers.js";
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { containerStatusesOf, lastTerminated } from "../k8s/status.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { logLines } from "../k8s/logs.js";
import { defineRule, type ReportOf } from "./types.js";

export const IN_CLUSTER_API_PITFALL = "k3s-clusterip-broken-from-inside-pods";

/** k3s's default service CIDR is 10.43.0.0/16; the API server's ClusterIP is its first address. */
const K3S_API_CLUSTER_IP = "10.43.0.1";

const REFUSED = /connection refused|ECONNREFUSED|Errno 111/i;

/** The last line of a log where a connection to the API server's address was refused. */
export function apiRefusedLine(log: string | undefined, clusterIP: string): string | undefined {
  const lines = logLines(log);
  // The address on its own: 10.43.0.1, not 10.43.0.10.
  const escaped = clusterIP.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const address = new RegExp(`(?<![\\d.])${escaped}(?!\\d)`);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!REFUSED.test(line)) continue;
    const byAddress = address.test(line) && /\b443\b/.test(line);
    if (byAddress || /\bkubernetes\.default(?:\.svc)?\b/.test(line)) return clip(line);
  }
  return undefined;
}

const MESSAGES = {
  "api-refused":
    "container {{container}} of pod {{pod}} is refused by the Kubernetes API at {{address}} from inside the pod: on k3s, mount the node's kubeconfig and kubectl instead of the in-cluster token flow",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const inClusterApiLiveRule = defineRule({
  meta: {
    id: "in-cluster-api-live",
    pitfall: IN_CLUSTER_API_PITFALL,
    runs: ["live"],
    distribution: "k3s",
    description:
      "Containers whose current or previous log (or termination message) shows connection refused from the in-cluster API address (10.43.0.1:443, kubernetes.default.svc).",
    looksAt: "current and previous container logs; the default/kubernetes Service's clusterIP",
    kinds: ["Pod"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const pod = object.object;
    const podName = metaString(pod, "name") ?? "";
    const namespace = metaString(pod, "namespace") ?? "";
    // The cluster says where its API Service is; k3s's default when the snapshot does not hold it.
    const kubernetes = ctx.lookup.get("Service", "default", "kubernetes");
    const clusterIP = asString(asRecord(kubernetes?.object.spec)?.clusterIP) || K3S_API_CLUSTER_IP;
    const out: Reported[] = [];
    const containers = containersOf(pod.spec, ["spec"]);
    for (const at of containerStatusesOf(pod)) {
      if (!at.name) continue;
      // A dump may hold only the termination message (the log's tail under FallbackToLogsOnError).
      const logs: [string, string | undefined][] = [
        ["current log", ctx.lookup.currentLog(namespace, podName, at.name)],
        ["previous log", ctx.lookup.previousLog(namespace, podName, at.name)],
        ["termination message", lastTerminated(at.status)?.message],
      ];
      for (const [source, text] of logs) {
        const line = apiRefusedLine(text, clusterIP);
        if (!line) continue;
        const evidence: Evidence[] = [{ kind: "log", text: line, source }];
        const path = containers.find((c) => c.name === at.name)?.path;
        out.push({
          messageId: "api-refused",
          data: { container: at.name, pod: podName, address: `${clusterIP}:443` },
          ...(path ? { path } : {}),
          container: at.name,
          evidence,
          values: { "pod-name": podName, namespace, container: at.name },
        });
        break;
      }
    }
    return out;
  },
});
