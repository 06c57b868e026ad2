// Pod logs (`.../pods/<name>/log`) with the kubelet's answers when there is nothing to show.
import type { KubeObject } from "../../src/model/kube.js";
import { badRequest, notFound, type Status } from "./status.js";
import type { Store } from "./store.js";
import { rfc3339 } from "./time.js";

export interface LogQuery {
  container?: string;
  previous: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps: boolean;
}

type Json = Record<string, unknown>;

function containerNames(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as { containers?: { name?: string }[]; initContainers?: { name?: string }[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => String(c.name ?? ""));
}

function waitingReason(pod: KubeObject, container: string): string | undefined {
  const status = (pod.status ?? {}) as { containerStatuses?: Json[]; initContainerStatuses?: Json[] };
  const all = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
  const cs = all.find((c) => c.name === container);
  if (!cs) return "ContainerCreating";
  const waiting = (cs.state as { waiting?: { reason?: string } } | undefined)?.waiting;
  // A crash-looping container still has the logs of its last run; the kubelet serves those, as it does for any
  // waiting container whose last run it still knows (RunContainerError after a StartError).
  if (!waiting || waiting.reason === "CrashLoopBackOff") return undefined;
  const last = (cs.lastState as { terminated?: { containerID?: string } } | undefined)?.terminated;
  if (last?.containerID) return undefined;
  return waiting.reason ?? "ContainerCreating";
}

/** The log text, or the Status the API server answers with. */
export function podLog(store: Store, namespace: string, podName: string, q: LogQuery): string | Status {
  const podType = store.typeAt("", "v1", "pods")!;
  const pod = store.get(podType, namespace, podName);
  if (!pod) return notFound("pods", "", podName);
  const spec = (pod.spec ?? {}) as { containers?: { name?: string }[] };
  const names = containerNames(pod);
  let container = q.container;
  if (!container) {
    const main = (spec.containers ?? []).map((c) => String(c.name ?? ""));
    const annotation = pod.metadata?.annotations?.["kubectl.kubernetes.io/default-container"];
    const preferred = typeof annotation === "string" ? annotation : undefined;
    if (main.length === 1 || preferred) container = preferred ?? main[0];
    else {
      return badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${main.join(" ")}]`,
      );
    }
  }
  if (!container || !names.includes(container)) {
    return badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  let text = store.log(namespace, podName, container, q.previous);
  if (text === undefined) {
    if (q.previous)
      return badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    const waiting = waitingReason(pod, container);
    if (waiting)
      return badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting}`);
    text = "";
  }
  return shape(text, q);
}

function shape(text: string, q: LogQuery): string {
  let lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (q.tailLines !== undefined) lines = q.tailLines === 0 ? [] : lines.slice(-q.tailLines);
  if (q.timestamps) {
    const at = rfc3339(Date.now()).replace("Z", ".000000000Z");
    lines = lines.map((l) => `${at} ${l}`);
  }
  let out = lines.length ? `${lines.join("\n")}\n` : "";
  if (q.limitBytes !== undefined) out = Buffer.from(out).subarray(0, q.limitBytes).toString("utf8");
  return out;
}
