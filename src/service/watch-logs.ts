// The container logs a watched cluster's checks read: previous instances of restarted containers (read when a
// restart shows up, so an evaluation can wait for them briefly) and, at the start, current tails as scan reads them.
import { currentLogContainers, previousLogContainers, restartsOf } from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import { mapLimit } from "../sources/paging.js";

/** A container's log tail, previous instance or current; undefined when there is none or it failed. */
export type ReadLog = (
  namespace: string,
  pod: string,
  container: string,
  previous: boolean,
) => Promise<string | undefined>;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

export class LogCache {
  /** Keyed `namespace/pod/container`, as Snapshot.previousLogs. */
  readonly previous = new Map<string, string>();
  readonly current = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly readLog: ReadLog) {}

  /** A container that restarted (or entered CrashLoopBackOff) has a new previous instance whose log tells why. */
  podChanged(pod: KubeObject, before: KubeObject | undefined): void {
    const namespace = pod.metadata?.namespace ?? "";
    const name = String(pod.metadata?.name ?? "");
    for (const container of previousLogContainers(pod)) {
      const key = `${namespace}/${name}/${container}`;
      if (this.previous.has(key) && before && restartsOf(before, container) === restartsOf(pod, container))
        continue;
      const p: Promise<void> = this.readLog(namespace, name, container, true)
        .then((text) => {
          if (text !== undefined) this.previous.set(key, text);
        })
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  podDeleted(pod: KubeObject): void {
    const prefix = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}/`;
    for (const map of [this.previous, this.current])
      for (const k of map.keys()) if (k.startsWith(prefix)) map.delete(k);
  }

  /** Waits for the logs being read, `waitMs` at most. */
  async settle(waitMs: number): Promise<void> {
    if (this.pending.size) await Promise.race([Promise.allSettled([...this.pending]), delay(waitMs)]);
  }

  /** What `scan` reads at the start: previous logs of restarted containers, current logs of running ones. */
  async readStart(pods: KubeObject[], maxPods: number): Promise<void> {
    const requests: { pod: KubeObject; container: string; previous: boolean }[] = [];
    for (const previous of [true, false]) {
      const pick = previous ? previousLogContainers : currentLogContainers;
      const chosen = pods
        .map((pod) => ({ pod, containers: pick(pod) }))
        .filter((c) => c.containers.length > 0)
        .sort((a, b) => restartsOf(b.pod) - restartsOf(a.pod))
        .slice(0, maxPods);
      for (const c of chosen)
        for (const container of c.containers) requests.push({ pod: c.pod, container, previous });
    }
    await mapLimit(requests, 4, async (r) => {
      const namespace = r.pod.metadata?.namespace ?? "";
      const name = String(r.pod.metadata?.name ?? "");
      const text = await this.readLog(namespace, name, r.container, r.previous);
      if (text !== undefined)
        (r.previous ? this.previous : this.current).set(`${namespace}/${name}/${r.container}`, text);
    });
  }
}
