// k3s ClusterIP broken from inside pods, live: a container's log shows the in-cluster API address refusing it.
// (A spec that relies on the in-cluster token flow is the manifest rule `in-cluster-api`.)
import { type ContainerAt, containersOf } from "../k8s/containers.js";
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { containerStatusesOf, lastTerminated } from "../k8s/status.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { lineTime, logLines } from "../k8s/logs.js";
import { ageText } from "../k8s/duration.js";
import { defineRule, type ReportOf } from "./types.js";

export const IN_CLUSTER_API_PITFALL = "k3s-clusterip-broken-from-inside-pods";

/** k3s's default service CIDR is 10.43.0.0/16; the API server's ClusterIP is its first address. */
const K3S_API_CLUSTER_IP = "10.43.0.1";

const REFUSED = /connection refused|ECONNREFUSED|Errno 111/i;
/** A log line older than this, in a container ready now, tells of the past. */
const RECENT_MS = 3_600_000;
/** The same broken ClusterIP where packets are dropped instead of refused (k3d, some CNIs): the dial times out. */
const TIMED_OUT = /i\/o timeout|ETIMEDOUT|connect(?:ion)? timed out|Errno 110/i;

/** The last line of a log where a connection to the API server's address was refused. */
export function apiRefusedLine(log: string | undefined, clusterIP: string): string | undefined {
  return apiFailureLine(log, clusterIP, REFUSED);
}

/** The last line of a log where a connection to the API server's address was refused or timed out. */
export function apiFailure(
  log: string | undefined,
  clusterIP: string,
): { line: string; how: "refused" | "timeout" } | undefined {
  const refused = apiFailureLine(log, clusterIP, REFUSED);
  if (refused) return { line: refused, how: "refused" };
  const timeout = apiFailureLine(log, clusterIP, TIMED_OUT);
  return timeout ? { line: timeout, how: "timeout" } : undefined;
}

function apiFailureLine(log: string | undefined, clusterIP: string, failed: RegExp): string | undefined {
  const lines = logLines(log);
  let address: RegExp | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!failed.test(line)) continue;
    // The address on its own: 10.43.0.1, not 10.43.0.10 (made only for a log that has a failure).
    address ??= new RegExp(`(?<![\\d.])${clusterIP.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\d)`);
    const byAddress = address.test(line) && /\b443\b/.test(line);
    if (byAddress || /\bkubernetes\.default(?:\.svc)?\b/.test(line)) return clip(line);
  }
  return undefined;
}

/** Where a failure is looked for, in this order; each is read only when the ones before show none. */
const LOG_SOURCES = ["current log", "previous log", "termination message"] as const;

const MESSAGES = {
  "api-refused":
    "container {{container}} of pod {{pod}} is refused by the Kubernetes API at {{address}} from inside the pod: on k3s, mount the node's kubeconfig and kubectl instead of the in-cluster token flow",
  "api-timeout":
    "container {{container}} of pod {{pod}} timed out reaching the Kubernetes API at {{address}} from inside the pod: on k3s, mount the node's kubeconfig and kubectl instead of the in-cluster token flow",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const inClusterApiLiveRule = defineRule({
  meta: {
    id: "in-cluster-api-live",
    pitfall: IN_CLUSTER_API_PITFALL,
    runs: ["live"],
    needs: ["logs"],
    distribution: "k3s",
    description:
      "Containers whose current or previous log (or termination message) shows connection refused (or a dial timing out) from the in-cluster API address (10.43.0.1:443, kubernetes.default.svc); at most HIGH when only an earlier run shows it and the container is ready now.",
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
    let containers: ContainerAt[] | undefined;
    for (const at of containerStatusesOf(pod)) {
      if (!at.name) continue;
      // A dump may hold only the termination message (the log's tail under FallbackToLogsOnError).
      for (const source of LOG_SOURCES) {
        const text =
          source === "current log"
            ? ctx.lookup.currentLog(namespace, podName, at.name)
            : source === "previous log"
              ? ctx.lookup.previousLog(namespace, podName, at.name)
              : lastTerminated(at.status)?.message;
        const found = apiFailure(text, clusterIP);
        if (!found) continue;
        const evidence: Evidence[] = [{ kind: "log", text: found.line, source }];
        containers ??= containersOf(pod.spec, ["spec"]);
        const path = containers.find((c) => c.name === at.name)?.path;
        // The container runs ready now and the failure is of an earlier run, or its line is hours old: it
        // happened, it is not failing now.
        const written = lineTime(found.line, ctx.now);
        const old = written !== undefined && ctx.now.getTime() - written.getTime() > RECENT_MS;
        const past = at.status.ready === true && (source !== "current log" || old);
        if (past)
          evidence.push({
            kind: "status",
            text:
              source === "current log"
                ? `the container is running and ready now: the line was written ${ageText(ctx.now.getTime() - written!.getTime())} ago`
                : "the container is running and ready now: this was its previous run",
            source: "status.containerStatuses[].ready",
          });
        out.push({
          messageId: found.how === "refused" ? "api-refused" : "api-timeout",
          data: { container: at.name, pod: podName, address: `${clusterIP}:443` },
          ...(path ? { path } : {}),
          container: at.name,
          evidence,
          values: { "pod-name": podName, namespace, container: at.name },
          ...(past ? { atMost: "HIGH" as const } : {}),
        });
        break;
      }
    }
    return out;
  },
});
