// A failure no pitfall explains: what an SRE would flag although the page has no entry for it yet.
import type { Evidence } from "./finding.js";
import type { ObjectRef } from "./kube.js";

/**
 * A pod that is failing now and that no finding explains: the input of the knowledge loop (`pitfall kb draft`
 * turns one into a page entry). Its shape is stable; `scan -o json` prints it as is under `"unexplained"`, with
 * the keys in this order and absent optional keys left out.
 *
 * - `pod`: the failing pod (`kind` is always `Pod`).
 * - `owner`: the topmost controller above it (Deployment, StatefulSet, DaemonSet, CronJob, Job), as far as the
 *   owner references and the objects read tell; a ReplicaSet when its Deployment is not known.
 * - `reason`: what fails, as Kubernetes names it: a waiting reason (`CrashLoopBackOff`, `RunContainerError`,
 *   `CreateContainerConfigError`, `ImagePullBackOff`…), `Unhealthy` (probes failing), a termination reason
 *   (`Error`, `OOMKilled`), `Unschedulable`, or the warning event that holds the pod back (`FailedMount`).
 * - `container`, `role`: the container concerned (`init`, `sidecar` or `regular`); absent when the whole pod is
 *   held back (Pending, unschedulable).
 * - `restarts`: the container's restart count (0 for the pod's own failures).
 * - `since`: when the failure began, as far as status and events tell (RFC 3339); `for`: how long before the
 *   snapshot was taken, as `30s`, `5m12s`, `8d`.
 * - `message`: the status or event message that says it (redacted, cut to one line).
 * - `source`: where the reason was read (`status.initContainerStatuses[0].state.waiting`, `event FailedMount`).
 * - `status`: the pod's one-line status (phase, node, readiness, restarts, reasons).
 * - `reportedAs`: pitfalls whose findings name the symptom but no cause (a crash loop whose log shows none
 *   of the page's known causes); empty when nothing reported it.
 * - `events`: the pod's last events, oldest first, one line each (`kind: "event"`).
 * - `logs`: the last lines (redacted) of the container's previous log, else its termination message, else its
 *   current log, with `source` saying which; absent when there is none.
 * - `commands`: the kubectl commands that gather more evidence (filled in and shell-quoted), most telling first.
 * - `context`, `zone`: where it was seen (live targets).
 */
export interface Unexplained {
  pod: ObjectRef;
  owner?: ObjectRef;
  reason: string;
  container?: string;
  role?: "init" | "sidecar" | "regular";
  restarts: number;
  since?: string;
  for?: string;
  message?: string;
  source: string;
  status: string;
  reportedAs: string[];
  events: Evidence[];
  logs?: { source: string; lines: string[] };
  commands: string[];
  context?: string;
  zone?: string;
}
