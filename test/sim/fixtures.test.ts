// The fixture clusters show what their headers say: each pitfall once in broken-k3s, none in healthy-k3s.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { loadCluster } from "./load.js";
import type { Cluster } from "./types.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/clusters/${name}.yaml`, import.meta.url));

type Json = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  envFrom?: { secretRef?: { name: string } }[];
}
interface PodSpec {
  containers: Container[];
  nodeName?: string;
  hostNetwork?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; hostPath?: { path: string } }[];
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string; message?: string }; running?: Json };
  lastState: { terminated?: { exitCode: number; reason: string } };
}

function kubeconfigMounted(spec: PodSpec): boolean {
  return (spec.volumes ?? []).some((v) => v.hostPath?.path === "/etc/rancher/k3s/k3s.yaml");
}

function mebibytes(q: string): number {
  const n = Number.parseFloat(q);
  if (q.endsWith("Gi")) return n * 1024;
  if (q.endsWith("Mi")) return n;
  if (q.endsWith("Ki")) return n / 1024;
  return n / 1024 / 1024;
}

class View {
  constructor(readonly cluster: Cluster) {}
  all(kind: string, namespace?: string): KubeObject[] {
    return this.cluster.objects.filter(
      (o) => o.kind === kind && (!namespace || o.metadata?.namespace === namespace),
    );
  }
  one(kind: string, namespace: string | undefined, name: string): KubeObject {
    const o = this.cluster.objects.find(
      (x) => x.kind === kind && x.metadata?.name === name && x.metadata?.namespace === namespace,
    );
    if (!o) throw new Error(`${kind} ${namespace}/${name} is not in ${this.cluster.name}`);
    return o;
  }
  has(kind: string, namespace: string | undefined, name: string): boolean {
    return this.cluster.objects.some(
      (x) => x.kind === kind && x.metadata?.name === name && x.metadata?.namespace === namespace,
    );
  }
  spec(pod: KubeObject): PodSpec {
    return pod.spec as unknown as PodSpec;
  }
  statuses(pod: KubeObject): ContainerStatus[] {
    return ((pod.status as { containerStatuses?: ContainerStatus[] }).containerStatuses ??
      []) as ContainerStatus[];
  }
  log(namespace: string, pod: string, previous: boolean): string {
    return (
      this.cluster.logs.find((l) => l.namespace === namespace && l.pod === pod && l.previous === previous)
        ?.text ?? ""
    );
  }
  /** Memory requested by the pods bound to a node (not Failed or Succeeded), over its allocatable memory. */
  memoryRequested(node: string): number {
    let sum = 0;
    for (const p of this.all("Pod")) {
      const phase = (p.status as { phase?: string }).phase;
      if (this.spec(p).nodeName !== node || phase === "Failed" || phase === "Succeeded") continue;
      for (const c of this.spec(p).containers) sum += mebibytes(c.resources?.requests?.memory ?? "0");
    }
    const alloc = (this.one("Node", undefined, node).status as { allocatable: { memory: string } })
      .allocatable.memory;
    return sum / mebibytes(alloc);
  }
  condition(o: KubeObject, type: string): Json | undefined {
    return ((o.status as { conditions?: Json[] }).conditions ?? []).find((c) => c.type === type);
  }
  ageSeconds(o: KubeObject): number {
    return (Date.now() - Date.parse(String(o.metadata?.creationTimestamp))) / 1000;
  }
  readyAddresses(namespace: string, service: string): number {
    if (!this.has("Endpoints", namespace, service)) return 0;
    const subsets =
      (this.one("Endpoints", namespace, service) as { subsets?: { addresses?: unknown[] }[] }).subsets ?? [];
    return subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  }
  ingressBackend(ing: KubeObject): string {
    const rules = (ing.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] })
      .rules;
    return rules[0]!.http.paths[0]!.backend.service.name;
  }
}

describe("healthy-k3s", () => {
  const v = new View(loadCluster(fixture("healthy-k3s")));
  const pods = v.all("Pod");

  it("runs every pod ready, with requests and limits, imported images and no hostNetwork", () => {
    expect(pods.length).toBeGreaterThan(8);
    for (const p of pods) {
      const name = p.metadata?.name;
      expect((p.status as { phase: string }).phase, name).toBe("Running");
      expect(
        v.statuses(p).every((s) => s.ready && s.restartCount === 0 && !s.lastState.terminated),
        name,
      ).toBe(true);
      const spec = v.spec(p);
      expect(spec.hostNetwork, name).toBeUndefined();
      for (const c of spec.containers) {
        expect(Object.keys(c.resources?.requests ?? {}).sort(), name).toEqual(["cpu", "memory"]);
        expect(Object.keys(c.resources?.limits ?? {}).sort(), name).toEqual(["cpu", "memory"]);
        expect(c.imagePullPolicy, name).not.toBe("Always");
        expect(c.image, name).not.toMatch(/:latest$/);
      }
    }
  });

  it("mounts the k3s kubeconfig instead of the token in pods with their own service account", () => {
    const own = pods.filter(
      (p) => !["default", "coredns", "traefik"].includes(v.spec(p).serviceAccountName ?? "default"),
    );
    expect(own.length).toBe(2);
    for (const p of own) {
      expect(v.spec(p).automountServiceAccountToken).toBe(false);
      expect(kubeconfigMounted(v.spec(p))).toBe(true);
    }
  });

  it("keeps nodes on v1.34, without pressure, under 80% of memory requested", () => {
    for (const n of v.all("Node")) {
      const info = (n.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo;
      expect(info.kubeletVersion).toBe("v1.34.1+k3s1");
      expect(v.condition(n, "MemoryPressure")?.status).toBe("False");
      expect(v.memoryRequested(String(n.metadata?.name))).toBeLessThan(0.8);
    }
    expect(v.cluster.version).toBe("v1.34.1+k3s1");
  });

  it("syncs secrets hourly and serves Ingresses with ready, old backends", () => {
    for (const es of v.all("ExternalSecret")) {
      expect(v.condition(es, "Ready")).toMatchObject({ status: "True", reason: "SecretSynced" });
      expect((es.spec as { refreshInterval: string }).refreshInterval).toBe("1h");
      expect(v.has("Secret", es.metadata?.namespace, String(es.metadata?.name))).toBe(true);
    }
    for (const ing of v.all("Ingress")) {
      expect(v.ageSeconds(ing)).toBeGreaterThan(86400);
      expect(v.readyAddresses(String(ing.metadata?.namespace), v.ingressBackend(ing))).toBeGreaterThan(0);
    }
  });

  it("has no Warning events and no errors in its logs", () => {
    expect(v.all("Event").filter((e) => e.type === "Warning")).toEqual([]);
    for (const l of v.cluster.logs) expect(l.text).not.toMatch(/Traceback|refused|Error|KeyError/);
  });
});

describe("broken-k3s", () => {
  const v = new View(loadCluster(fixture("broken-k3s")));
  const pod = (ns: string, name: string) => v.one("Pod", ns, name);

  it("has dolly in CrashLoopBackOff for 30 days with 8509 restarts and a Redis error", () => {
    const dolly = pod("ge-agents", "dolly-orchestrator-5d8c7b9f6d-q7xkz");
    const [s] = v.statuses(dolly);
    expect(s?.restartCount).toBe(8509);
    expect(s?.state.waiting?.reason).toBe("CrashLoopBackOff");
    expect(Math.round(v.ageSeconds(dolly) / 86400)).toBe(30);
    expect(v.log("ge-agents", dolly.metadata!.name!, true)).toContain(
      "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    );
  });

  it("has crash-looping pods whose previous logs show each common cause", () => {
    const causes: [string, string][] = [
      ["ge-ingest", "KeyError: 'DATABASE_URL'"],
      ["ge-accounts", 'relation "users" does not exist'],
      ["ge-scheduler", "ModuleNotFoundError: No module named 'yaml'"],
    ];
    for (const [app, text] of causes) {
      const [p] = v.all("Pod", "ge-agents").filter((x) => x.metadata?.labels?.app === app);
      expect(v.statuses(p!)[0]?.state.waiting?.reason).toBe("CrashLoopBackOff");
      expect(v.log("ge-agents", p!.metadata!.name!, true)).toContain(text);
    }
  });

  it("has a CreateContainerConfigError for a missing secret whose ExternalSecret fails", () => {
    const api = pod("ge-system", "ge-api-74d9c8b6f5-8hvcz");
    expect(v.statuses(api)[0]?.state.waiting).toEqual({
      reason: "CreateContainerConfigError",
      message: 'secret "ge-api-secrets" not found',
    });
    expect(v.has("Secret", "ge-system", "ge-api-secrets")).toBe(false);
    const es = v.one("ExternalSecret", "ge-system", "ge-api-secrets");
    expect(v.condition(es, "Ready")).toMatchObject({ status: "False", reason: "SecretSyncedError" });
  });

  it("has an OOMKilled executor after three revisions of rising memory limits", () => {
    const exec = pod("ge-agents", "ge-executor-59d7c8b6f4-m2xqp");
    expect(v.statuses(exec)[0]?.lastState.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    const limits = v
      .all("ReplicaSet", "ge-agents")
      .filter((rs) => rs.metadata?.ownerReferences?.[0]?.name === "ge-executor")
      .map((rs) => [
        rs.metadata?.annotations?.["deployment.kubernetes.io/revision"],
        (rs.spec as { template: { spec: PodSpec } }).template.spec.containers[0]?.resources?.limits?.memory,
      ])
      .sort();
    expect(limits).toEqual([
      ["1", "256Mi"],
      ["2", "512Mi"],
      ["3", "1Gi"],
    ]);
  });

  it("has an ImagePullBackOff for ge-executor:latest with imagePullPolicy Always on a k3s node", () => {
    const canary = pod("ge-agents", "ge-executor-canary-8d6f5c7b9e-p4x7d");
    const c = v.spec(canary).containers[0]!;
    expect([c.image, c.imagePullPolicy]).toEqual(["ge-executor:latest", "Always"]);
    expect(v.statuses(canary)[0]?.state.waiting?.reason).toBe("ImagePullBackOff");
    const node = v.one("Node", undefined, v.spec(canary).nodeName!);
    expect(node.metadata?.labels?.["node.kubernetes.io/instance-type"]).toBe("k3s");
  });

  it("has a hostNetwork rollout stuck on ports, with the scheduler's event", () => {
    const pending = pod("ge-system", "ge-webhook-relay-7f8d9c6b45-x6v4q");
    expect(v.spec(pending).hostNetwork).toBe(true);
    expect(v.spec(pending).nodeName).toBeUndefined();
    const event = v.all("Event", "ge-system").find((e) => e.reason === "FailedScheduling");
    expect(event?.message).toBe(
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    expect(event?.involvedObject).toMatchObject({ kind: "Pod", name: pending.metadata?.name });
  });

  it("starves k3s-agent-1: memory pressure, over 80% requested, an Evicted pod", () => {
    const agent = v.one("Node", undefined, "k3s-agent-1");
    expect(v.condition(agent, "MemoryPressure")?.status).toBe("True");
    expect(v.memoryRequested("k3s-agent-1")).toBeGreaterThan(0.8);
    expect(v.memoryRequested("k3s-server-1")).toBeLessThan(0.8);
    expect(pod("ge-agents", "ge-indexer-5f6d7c8b9a-zr4tw").status).toMatchObject({
      phase: "Failed",
      reason: "Evicted",
    });
    expect(v.spec(pod("ge-agents", "ge-notes-6b8c7d9f5d-w9fxb")).containers[0]?.resources).toEqual({});
  });

  it("has Ingresses that are new, without a Service, and without ready endpoints", () => {
    expect(v.ageSeconds(v.one("Ingress", "ge-system", "ge-docs"))).toBeLessThan(60);
    expect(v.has("Service", "ge-system", v.ingressBackend(v.one("Ingress", "ge-system", "ge-status")))).toBe(
      false,
    );
    const admin = v.ingressBackend(v.one("Ingress", "ge-system", "ge-admin"));
    expect(v.has("Service", "ge-system", admin)).toBe(true);
    expect(v.readyAddresses("ge-system", admin)).toBe(0);
  });

  it("has the admin UI using the in-cluster token and failing to reach 10.43.0.1", () => {
    const ui = pod("ge-system", "ge-admin-ui-6d8f9b7c5c-r7jmw");
    expect(v.spec(ui).serviceAccountName).toBe("ge-admin-ui");
    expect(v.spec(ui).automountServiceAccountToken).toBeUndefined();
    expect(kubeconfigMounted(v.spec(ui))).toBe(false);
    expect(v.log("ge-system", ui.metadata!.name!, false)).toContain(
      "dial tcp 10.43.0.1:443: connect: connection refused",
    );
  });

  it("has a 5m refreshInterval and nodes on v1.33", () => {
    expect((v.one("ExternalSecret", "ge-agents", "ge-ingest-secrets").spec as Json).refreshInterval).toBe(
      "5m",
    );
    for (const n of v.all("Node")) {
      expect((n.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo.kubeletVersion).toBe(
        "v1.33.4+k3s1",
      );
    }
  });

  it("keeps a healthy dont-fire pod in each ge namespace", () => {
    for (const ns of ["ge-agents", "ge-system"]) {
      const [p] = v.all("Pod", ns).filter((x) => x.metadata?.labels?.app === "dont-fire");
      expect(v.statuses(p!).every((s) => s.ready)).toBe(true);
      expect(v.spec(p!).containers[0]?.resources?.limits).toBeDefined();
    }
  });
});
