// `pitfall watch` on the real API server (watch cache on, as deployed): a pod's status written through the status
// subresource, as the kubelet writes it, makes a finding appear, and its recovery resolves it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { spawnCollect } from "../support/cli.js";
import { crashLoopingPod, runningPod } from "../watch/pods.js";
import { waitFor } from "../watch/support.js";
import { type Cluster, setContainerLog, writeClusterKubeconfig } from "./harness.js";
import { loadFixture, writeStatus } from "./load.js";
import { sharedCluster, unavailable, uniquePrefix } from "./shared.js";
import { startWatch } from "./watching.js";

describe.skipIf(unavailable)("watch on the real API server", () => {
  let dir: string;
  let cluster: Cluster;
  let kubeconfig: string;
  const prefix = uniquePrefix();
  const namespace = `${prefix}apps`;
  const node = `${prefix}node`;
  const name = "billing-7c9d";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-cluster-watch-"));
    cluster = await sharedCluster();
    kubeconfig = writeClusterKubeconfig(cluster, join(dir, "kubeconfig"), { context: "office" });
    const running = runningPod(namespace, name);
    (running.spec as { nodeName: string }).nodeName = node;
    const objects: KubeObject[] = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: node, labels: { "kubernetes.io/hostname": node } },
        status: {
          nodeInfo: { kubeletVersion: "v1.34.1+k3s1" },
          conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
          capacity: { cpu: "4", memory: "8Gi", pods: "110" },
          allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
        },
      },
      running,
    ];
    await loadFixture(cluster, { name: "watch", version: "v1.34.1+k3s1", objects, logs: [] });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a crash loop written through pods/status appears with its previous log, and resolves when it runs", async () => {
    const { cli, lines } = await startWatch(["--kubeconfig", kubeconfig, "-n", namespace], dir);
    const ours = (event: string) => lines().find((l) => l.event === event && l.finding.object.name === name);

    const crashing = crashLoopingPod(namespace, name).status as {
      containerStatuses: { lastState: { terminated: Record<string, unknown> } }[];
    };
    // The kubelet names the exited container; the API server asks the kubelet for its log by that.
    crashing.containerStatuses[0]!.lastState.terminated.containerID = `containerd://${"12".repeat(32)}`;
    await setContainerLog(cluster, {
      namespace,
      pod: name,
      container: "app",
      previous: true,
      text: "Traceback (most recent call last):\nKeyError: 'DATABASE_URL'\n",
    });
    await writeStatus(cluster, `/api/v1/namespaces/${namespace}/pods/${name}`, crashing);

    const appeared = await waitFor("the crash loop's finding", () => ours("appeared"), 60_000);
    expect(appeared.finding).toMatchObject({ rule: "crash-loop", object: { kind: "Pod", namespace } });
    expect(appeared.finding.evidence?.some((e) => e.kind === "log" && e.text.includes("DATABASE_URL"))).toBe(
      true,
    );
    const shown = await spawnCollect("kubectl", ["get", "pod", name, "-n", namespace], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    expect(shown.out).toMatch(new RegExp(`${name}\\s+0/1\\s+CrashLoopBackOff\\s+4`));

    await writeStatus(
      cluster,
      `/api/v1/namespaces/${namespace}/pods/${name}`,
      runningPod(namespace, name).status,
    );
    const resolved = await waitFor("the resolution", () => ours("resolved"), 60_000);
    expect(resolved.finding.rule).toBe("crash-loop");
    expect(await cli.stop()).toBe(0);
  }, 60_000);
});
