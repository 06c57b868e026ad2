// Big synthetic clusters for benchmarks: deterministic by seed, a realistic mix of healthy and failing pods.
import type { KubeObject } from "../../src/model/kube.js";
import { stableUid } from "./store.js";
import { rfc3339 } from "./time.js";
import type { Cluster, SimLog } from "./types.js";

export interface GenerateOptions {
  pods: number;
  nodes: number;
  events: number;
  /** Default: one per 400 pods, between 1 and 50. */
  namespaces?: number;
  seed: number;
  /** kubelet and server version; default `v1.34.1+k3s1`. */
  version?: string;
  /** The instant timestamps are relative to; default: now. */
  now?: Date;
}

type Json = Record<string, unknown>;
type PodState = "running" | "crashloop" | "oomkilled" | "imagepull" | "pending";

function nodeIp(i: number): string {
  return `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
}

/** mulberry32: small, fast, seeded (a failure can be replayed); good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS = [
  "api",
  "web",
  "worker",
  "billing",
  "search",
  "checkout",
  "auth",
  "notifier",
  "ingest",
  "reports",
];
const TEAMS = [
  "payments",
  "platform",
  "growth",
  "data",
  "identity",
  "support",
  "catalog",
  "ml",
  "ops",
  "mobile",
];
const HASH_CHARS = [..."bcdfghjklmnpqrstvwxz2456789"];
const CPU_REQUESTS = [50, 100, 100, 200, 250, 500];
const MEMORY_REQUESTS_MI = [64, 128, 128, 256, 256, 512, 1024];
const CRASH_LOGS = [
  "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>\n    DATABASE_URL = os.environ['DATABASE_URL']\nKeyError: 'DATABASE_URL'\n",
  "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.\n",
  'psycopg2.errors.UndefinedTable: relation "users" does not exist\nLINE 1: SELECT id, email FROM users WHERE id = 1\n',
  "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    import yaml\nModuleNotFoundError: No module named 'yaml'\n",
];

/** Tolerations every pod gets from the DefaultTolerationSeconds admission plugin; shared to save memory. */
const DEFAULT_TOLERATIONS = [
  { effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 300 },
  { effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300 },
];

export function generateCluster(opts: GenerateOptions): Cluster {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const suffix = (n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) out += pick(HASH_CHARS);
    return out;
  };
  const nowMs = (opts.now ?? new Date()).getTime();
  const ago = (seconds: number) => rfc3339(nowMs - seconds * 1000);
  const version = opts.version ?? "v1.34.1+k3s1";
  const namespaceCount = opts.namespaces ?? Math.min(50, Math.max(1, Math.ceil(opts.pods / 400)));

  const namespaces = Array.from(
    { length: namespaceCount },
    (_, i) => `${TEAMS[i % TEAMS.length]}-${Math.floor(i / TEAMS.length) + 1}`,
  );
  const nodeNames = Array.from({ length: opts.nodes }, (_, i) => `worker-${String(i + 1).padStart(3, "0")}`);
  const memRequested = new Array<number>(opts.nodes).fill(0);
  const cpuRequested = new Array<number>(opts.nodes).fill(0);

  const objects: KubeObject[] = namespaces.map((name) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name }, creationTimestamp: ago(200 * 86400) },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  }));
  const workloads: KubeObject[] = [];
  const pods: KubeObject[] = [];
  const logs: SimLog[] = [];
  const problems: { pod: KubeObject; state: PodState; node?: string }[] = [];

  let made = 0;
  for (let d = 0; made < opts.pods; d++) {
    const ns = namespaces[d % namespaces.length]!;
    const app = `${pick(APPS)}-${d}`;
    const replicas = Math.min(opts.pods - made, 1 + Math.floor(rand() * 8));
    const hash = suffix(10);
    const rsName = `${app}-${hash}`;
    const labels = { app, "pod-template-hash": hash };
    const noResources = rand() < 0.03;
    const cpu = pick(CPU_REQUESTS);
    const memMi = pick(MEMORY_REQUESTS_MI);
    const image = `registry.example.com/${ns}/${app.replace(/-\d+$/, "")}:1.${d % 20}.${d % 7}`;
    const container: Json = {
      name: app.replace(/-\d+$/, ""),
      image,
      imagePullPolicy: "IfNotPresent",
      ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
      resources: noResources
        ? {}
        : {
            requests: { cpu: `${cpu}m`, memory: `${memMi}Mi` },
            limits: { cpu: `${cpu * 2}m`, memory: `${memMi * 2}Mi` },
          },
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    };
    const containers = [container];
    const created = ago(Math.floor(rand() * 90 * 86400) + 3600);
    const deployUid = stableUid("Deployment", ns, app);
    const rsUid = stableUid("ReplicaSet", ns, rsName);
    // Built apart from the objects: KubeObject's ownerReferences type does not list blockOwnerDeletion.
    const rsOwner = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: rsName,
      uid: rsUid,
      controller: true,
      blockOwnerDeletion: true,
    };
    const deployOwner = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: app,
      uid: deployUid,
      controller: true,
      blockOwnerDeletion: true,
    };
    const template = { metadata: { labels: { app } }, spec: { containers, restartPolicy: "Always" } };
    let ready = 0;

    for (let r = 0; r < replicas; r++, made++) {
      const podName = `${rsName}-${suffix(5)}`;
      const roll = rand();
      const state: PodState =
        roll < 0.02
          ? "crashloop"
          : roll < 0.035
            ? "oomkilled"
            : roll < 0.05
              ? "imagepull"
              : roll < 0.07
                ? "pending"
                : "running";
      const nodeIndex = state === "pending" ? -1 : Math.floor(rand() * opts.nodes);
      const node = nodeNames[nodeIndex];
      if (node !== undefined && !noResources) {
        memRequested[nodeIndex]! += memMi;
        cpuRequested[nodeIndex]! += cpu;
      }
      const started = ago(Math.floor(rand() * 20 * 86400) + 600);
      const ip = `10.42.${(made >> 8) & 255}.${made & 255}`;
      const pod: KubeObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: podName,
          generateName: `${rsName}-`,
          namespace: ns,
          uid: stableUid("Pod", ns, podName),
          labels,
          creationTimestamp: started,
          ownerReferences: [rsOwner],
        },
        spec: {
          containers,
          dnsPolicy: "ClusterFirst",
          enableServiceLinks: true,
          ...(node ? { nodeName: node } : {}),
          priority: 0,
          restartPolicy: "Always",
          schedulerName: "default-scheduler",
          serviceAccount: "default",
          serviceAccountName: "default",
          terminationGracePeriodSeconds: 30,
          tolerations: DEFAULT_TOLERATIONS,
        },
        status: podStatus(state, {
          name: String(container.name),
          image,
          started,
          ip,
          node,
          hostIp: nodeIp(nodeIndex),
          rand,
          ago,
          noResources,
        }),
      };
      if (state === "running") ready++;
      if (state !== "running") problems.push(node ? { pod, state, node } : { pod, state });
      if (state === "crashloop") {
        logs.push({
          namespace: ns,
          pod: podName,
          container: String(container.name),
          previous: true,
          text: pick(CRASH_LOGS),
        });
      }
      pods.push(pod);
    }

    const status = {
      replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      updatedReplicas: replicas,
      observedGeneration: 1,
    };
    workloads.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: app,
        namespace: ns,
        uid: deployUid,
        generation: 1,
        labels: { app },
        creationTimestamp: created,
        annotations: { "deployment.kubernetes.io/revision": "1" },
      },
      spec: {
        replicas,
        selector: { matchLabels: { app } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
        template,
      },
      status: {
        ...status,
        conditions: [
          {
            type: "Available",
            status: ready === replicas ? "True" : "False",
            reason: ready === replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          },
        ],
      },
    });
    workloads.push({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: rsName,
        namespace: ns,
        uid: rsUid,
        labels,
        creationTimestamp: created,
        annotations: {
          "deployment.kubernetes.io/desired-replicas": String(replicas),
          "deployment.kubernetes.io/revision": "1",
        },
        ownerReferences: [deployOwner],
      },
      spec: { replicas, selector: { matchLabels: labels }, template: { ...template, metadata: { labels } } },
      status: {
        replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        fullyLabeledReplicas: replicas,
        observedGeneration: 1,
      },
    });
  }

  const nodes = nodeNames.map((name, i) =>
    node(name, i, memRequested[i]!, cpuRequested[i]!, { rand, ago, version }),
  );
  const events = makeEvents(opts.events, problems, pods, nodeNames, { rand, ago });
  objects.push(...nodes, ...workloads, ...pods, ...events);
  return { name: `generated-${opts.seed}`, version, objects, logs };
}

interface Ctx {
  rand: () => number;
  ago: (seconds: number) => string;
}

function podStatus(
  state: PodState,
  c: Ctx & {
    name: string;
    image: string;
    started: string;
    ip: string;
    node: string | undefined;
    hostIp: string;
    noResources: boolean;
  },
): Json {
  const qosClass = c.noResources ? "BestEffort" : "Burstable";
  if (state === "pending" || !c.node) {
    return {
      phase: "Pending",
      qosClass,
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          lastProbeTime: null,
          lastTransitionTime: c.started,
          message:
            "0/500 nodes are available: 500 Insufficient memory. preemption: 0/500 nodes are available: 500 No preemption victims found for incoming pod.",
        },
      ],
    };
  }
  const running = state === "running";
  const restartCount =
    state === "crashloop"
      ? 5 + Math.floor(c.rand() * 3000)
      : state === "oomkilled"
        ? 3 + Math.floor(c.rand() * 200)
        : running
          ? Math.floor(c.rand() * 1.3)
          : 0;
  const lastRun = 60 + Math.floor(c.rand() * 240);
  const cs: Json = {
    name: c.name,
    image: c.image,
    imageID: state === "imagepull" ? "" : `${c.image.split(":")[0]}@sha256:${"0".repeat(63)}1`,
    ready: running,
    started: running,
    restartCount,
    state: running
      ? { running: { startedAt: c.started } }
      : state === "imagepull"
        ? { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } }
        : {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 5m0s restarting failed container=${c.name}`,
            },
          },
    lastState:
      state === "crashloop" || state === "oomkilled"
        ? {
            terminated: {
              exitCode: state === "oomkilled" ? 137 : 1,
              reason: state === "oomkilled" ? "OOMKilled" : "Error",
              startedAt: c.ago(lastRun + 30),
              finishedAt: c.ago(lastRun),
              // The kubelet names the exited container; it serves `logs --previous` only when there is one.
              containerID: `containerd://${"cd".repeat(32)}`,
            },
          }
        : {},
  };
  if (!running && state !== "imagepull") cs.containerID = `containerd://${"ab".repeat(32)}`;
  const readyStatus = running ? "True" : "False";
  return {
    phase: state === "imagepull" ? "Pending" : "Running",
    hostIP: c.hostIp,
    hostIPs: [{ ip: c.hostIp }],
    podIP: c.ip,
    podIPs: [{ ip: c.ip }],
    qosClass,
    startTime: c.started,
    conditions: [
      { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: c.started },
      { type: "Ready", status: readyStatus, lastProbeTime: null, lastTransitionTime: c.started },
      { type: "ContainersReady", status: readyStatus, lastProbeTime: null, lastTransitionTime: c.started },
      { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: c.started },
    ],
    containerStatuses: [cs],
  };
}

function node(
  name: string,
  i: number,
  memMi: number,
  cpuM: number,
  c: Ctx & { version: string },
): KubeObject {
  // Every 14th node is packed: requests above 80% of allocatable memory; a third of those under pressure.
  const hot = i % 14 === 3;
  const memUse = hot ? 0.82 + c.rand() * 0.13 : 0.3 + c.rand() * 0.45;
  const allocMemKi = Math.max(4 * 1024 * 1024, Math.ceil((memMi * 1024) / memUse));
  const allocCpuM = Math.max(4000, Math.ceil(cpuM / (0.2 + c.rand() * 0.5) / 1000) * 1000);
  const pressure = hot && i % 3 === 0;
  const created = c.ago(120 * 86400 + i * 60);
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: c.ago(30),
    lastTransitionTime: created,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: stableUid("Node", undefined, name),
      creationTimestamp: created,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "k3s",
        "topology.kubernetes.io/zone": `zone-${(i % 3) + 1}`,
      },
    },
    spec: { podCIDR: `10.42.${i % 256}.0/24`, providerID: `k3s://${name}` },
    status: {
      addresses: [
        { type: "InternalIP", address: nodeIp(i) },
        { type: "Hostname", address: name },
      ],
      allocatable: {
        cpu: `${allocCpuM}m`,
        "ephemeral-storage": "95551679124",
        memory: `${allocMemKi}Ki`,
        pods: "110",
      },
      capacity: {
        cpu: String(allocCpuM / 1000),
        "ephemeral-storage": "98221748Ki",
        memory: `${allocMemKi + 262144}Ki`,
        pods: "110",
      },
      conditions: [
        pressure
          ? condition(
              "MemoryPressure",
              "True",
              "KubeletHasInsufficientMemory",
              "kubelet has insufficient memory available",
            )
          : condition(
              "MemoryPressure",
              "False",
              "KubeletHasSufficientMemory",
              "kubelet has sufficient memory available",
            ),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      nodeInfo: {
        architecture: "amd64",
        containerRuntimeVersion: "containerd://2.1.4-k3s1",
        kernelVersion: "6.8.0-79-generic",
        kubeProxyVersion: c.version,
        kubeletVersion: c.version,
        operatingSystem: "linux",
        osImage: "Ubuntu 24.04.3 LTS",
      },
    },
  };
}

/** A UUID-shaped uid from the event's 16 hex digits (hashing 50,000 names would cost more than it shows). */
function uidFromId(id: string): string {
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(0, 3)}-${id.slice(4, 16)}`;
}

function event(
  ns: string,
  involved: {
    kind: string;
    name: string;
    namespace?: string;
    uid: string;
    apiVersion: string;
    fieldPath?: string;
  },
  e: {
    reason: string;
    message: string;
    type: "Normal" | "Warning";
    count: number;
    first: string;
    last: string;
    component: string;
    host?: string;
  },
  id: string,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${involved.name}.${id}`,
      namespace: ns,
      uid: uidFromId(id),
      creationTimestamp: e.first,
    },
    involvedObject: {
      ...involved,
      ...(involved.fieldPath ? { fieldPath: involved.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: e.host ? { component: e.component, host: e.host } : { component: e.component },
    firstTimestamp: e.first,
    lastTimestamp: e.last,
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? "",
  };
}

function makeEvents(
  total: number,
  problems: { pod: KubeObject; state: PodState; node?: string }[],
  pods: KubeObject[],
  nodeNames: string[],
  c: Ctx,
): KubeObject[] {
  const out: KubeObject[] = [];
  const id = () =>
    Math.floor(c.rand() * 0xffffffff)
      .toString(16)
      .padStart(8, "0") + out.length.toString(16).padStart(8, "0");
  const podRef = (p: KubeObject) => {
    const { name = "", namespace = "" } = p.metadata ?? {};
    const container = (p.spec as { containers: { name?: string }[] }).containers[0]?.name ?? "app";
    const fieldPath = `spec.containers{${container}}`;
    return { kind: "Pod", name, namespace, uid: String(p.metadata?.uid), apiVersion: "v1", fieldPath };
  };
  for (const { pod, state, node } of problems) {
    if (out.length >= total) break;
    const ns = pod.metadata?.namespace ?? "default";
    const first = c.ago(3 * 86400 + Math.floor(c.rand() * 86400));
    const last = c.ago(Math.floor(c.rand() * 300));
    const count = 1 + Math.floor(c.rand() * 500);
    const warn = (reason: string, message: string, component: string) =>
      out.push(
        event(
          ns,
          podRef(pod),
          {
            reason,
            message,
            type: "Warning",
            count,
            first,
            last,
            component,
            ...(node ? { host: node } : {}),
          },
          id(),
        ),
      );
    if (state === "pending") {
      warn(
        "FailedScheduling",
        "0/500 nodes are available: 500 Insufficient memory. preemption: 0/500 nodes are available: 500 No preemption victims found for incoming pod.",
        "default-scheduler",
      );
    } else if (state === "imagepull") {
      warn("Failed", "Error: ImagePullBackOff", "kubelet");
    } else {
      warn("BackOff", `Back-off restarting failed container in pod ${pod.metadata?.name}_${ns}`, "kubelet");
    }
  }
  const normal = ["Scheduled", "Pulled", "Created", "Started"];
  while (out.length < total) {
    if (nodeNames.length > 0 && out.length % 50 === 0) {
      const n = nodeNames[out.length % nodeNames.length]!;
      const ref = { kind: "Node", name: n, uid: stableUid("Node", undefined, n), apiVersion: "v1" };
      const at = c.ago(Math.floor(c.rand() * 86400));
      out.push(
        event(
          "default",
          ref,
          {
            reason: "NodeReady",
            message: `Node ${n} status is now: NodeReady`,
            type: "Normal",
            count: 1,
            first: at,
            last: at,
            component: "kubelet",
            host: n,
          },
          id(),
        ),
      );
      continue;
    }
    const pod = pods[Math.floor(c.rand() * pods.length)];
    if (!pod) break;
    const reason = normal[out.length % normal.length]!;
    const at = c.ago(Math.floor(c.rand() * 7 * 86400));
    const spec = pod.spec as { nodeName?: string; containers: { name?: string; image?: string }[] };
    const container = spec.containers[0]?.name ?? "app";
    const message =
      reason === "Scheduled"
        ? `Successfully assigned ${pod.metadata?.namespace}/${pod.metadata?.name} to ${spec.nodeName ?? "worker-001"}`
        : reason === "Pulled"
          ? `Container image "${spec.containers[0]?.image}" already present on machine`
          : reason === "Created"
            ? `Created container: ${container}`
            : `Started container ${container}`;
    const component = reason === "Scheduled" ? "default-scheduler" : "kubelet";
    out.push(
      event(
        pod.metadata?.namespace ?? "default",
        podRef(pod),
        {
          reason,
          message,
          type: "Normal",
          count: 1,
          first: at,
          last: at,
          component,
          ...(spec.nodeName ? { host: spec.nodeName } : {}),
        },
        id(),
      ),
    );
  }
  return out;
}
