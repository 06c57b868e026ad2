// `guard` on the ways an agent phrases the same command: quoting, flag orders, pipelines, `sh -c`, aliases, wrappers.
// Real parts: the Kubernetes API simulator (broken-k3s: ge-executor was OOMKilled) behind a kubeconfig, and a real
// redis-server seeded with a dead consumer's entries. Each row names the pitfall it must match, or none.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../../src/config/model.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import { readStreamFacts, readTargetFacts } from "../../src/service/guard-facts.js";
import type { GuardResult } from "../../src/model/guard.js";
import { type GuardRequest, guardCommand } from "../../src/service/guard.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { writeKubeconfig } from "../sim/kubeconfig.js";
import { GROUP, type Seeded, seedStreams } from "../streams/fixture.js";
import { client, type RedisServer, redisAvailable, startRedis } from "../support/redis.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
const PY = "python-module-caching";
const HOSTNET = "hostnetwork-causes-port-conflicts";
const ALWAYS = "image-pull-failures-zone-1";
const OOM = "oomkilled";
const STREAMS = "stale-consumer-groups-redis-streams";

let dir: string;
let sim: Sim;
let kubeconfig: string;
let kb: KnowledgeBase;
let redis: RedisServer | undefined;
let seeded: Seeded | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-guard-"));
  sim = await startSimulator({ cluster: BROKEN });
  kubeconfig = writeKubeconfig(join(dir, "kubeconfig"), [{ context: "k3s-office", server: sim.url }]);
  kb = await loadKnowledgeBase({ cwd: dir });
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "worker.py"), "print('x')\n");
  writeFileSync(join(dir, "src", "README"), "docs\n");
  writeFileSync(join(dir, "config.json"), "{}\n");
  writeFileSync(
    join(dir, "hostnet.yaml"),
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\nspec:\n  hostNetwork: true\n  containers:\n    - name: probe\n      image: probe:1.0\n      resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 32Mi } }\n",
  );
  writeFileSync(
    join(dir, "always.yaml"),
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:1.0\n      imagePullPolicy: Always\n      resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 32Mi } }\n",
  );
  if (redisAvailable()) {
    redis = await startRedis();
    const r = client(redis);
    seeded = await seedStreams(r);
    r.disconnect();
  }
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function configFor(): Config {
  const config = defaultConfig();
  config.guard = { aliases: { k: "kubectl" } };
  if (redis) config.redis = { host: "127.0.0.1", port: redis.port, idle: "5m" };
  return config;
}

function request(line: string, zone?: string): GuardRequest {
  const config = configFor();
  const source = { kubeconfig, cwd: dir };
  const req: GuardRequest = {
    kb,
    config,
    cwd: dir,
    line,
    readFiles: true,
    lintApplied: true,
    kubeconfig: source,
    target: (c) => readTargetFacts(c, source, 5000),
    ...(zone ? { zone } : {}),
  };
  if (redis)
    req.stream = (c) =>
      readStreamFacts(c, {
        redis: { timeoutMs: 5000, idleMs: 300_000, maxDeliveries: 5 },
        ...(config.redis ? { config: config.redis } : {}),
        defaultPort: 6381,
        otherServers: false,
      });
  return req;
}

/** The pitfalls the answer stops the command for: GUARD matches and findings of applied manifests. */
function stoppedFor(r: GuardResult): string[] {
  return [...new Set([...r.matches.map((m) => m.pitfall), ...r.findings.map((f) => f.pitfall)])].sort();
}

type Row = [line: string, pitfall: string | null, zone?: string];

const POD = "ge-executor-7c9f";
const PHRASINGS: Row[] = [
  // Python module caching: kubectl cp of .py files into a pod, however it is written.
  [`kubectl cp fix.py ${POD}:/app/fix.py -n ge-agents`, PY],
  [`kubectl -n ge-agents cp fix.py ${POD}:/app/fix.py`, PY],
  [`kubectl --namespace=ge-agents cp ./src/worker.py ${POD}:/app/worker.py -c executor`, PY],
  [`kubectl cp "my fix.py" 'ge-agents/${POD}:/app/my fix.py'`, PY],
  [`k cp fix.py ${POD}:/app/fix.py -n ge-agents`, PY],
  [`sh -c 'kubectl cp fix.py ${POD}:/app/fix.py -n ge-agents'`, PY],
  [`bash -lc "cd /tmp && kubectl cp fix.py ${POD}:/app/ -n ge-agents"`, PY],
  [`sudo KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl cp fix.py ${POD}:/app/fix.py`, PY],
  [`kubectl cp src ${POD}:/app/src -n ge-agents`, PY],
  [`kubectl get pods -n ge-agents && kubectl cp fix.py ${POD}:/app/fix.py -n ge-agents`, PY],
  [`/usr/local/bin/kubectl cp fix.py ${POD}:/app/fix.py`, PY],
  [`FOO=1 timeout 30s kubectl cp fix.py ${POD}:/app/fix.py --namespace ge-agents`, PY],
  [`echo go; kubectl cp -c executor fix.py ${POD}:/app/fix.py -n ge-agents | tee cp.log`, PY],
  [`kubectl --context k3s-office -nge-agents cp ./utils/*.py ${POD}:/app/utils/`, PY],
  [`kubectl cp ${POD}:/app/fix.py ./fix.py -n ge-agents`, null],
  [`kubectl cp config.json ${POD}:/app/config.json -n ge-agents`, null],
  // hostNetwork: true in a patch, a run override or an applied file.
  [
    `kubectl patch deployment ge-webhook-relay -n ge-system -p '{"spec":{"template":{"spec":{"hostNetwork":true}}}}'`,
    HOSTNET,
  ],
  [
    `kubectl patch deploy/ge-webhook-relay -n ge-system --type=json -p '[{"op":"add","path":"/spec/template/spec/hostNetwork","value":true}]'`,
    HOSTNET,
  ],
  [`kubectl patch pod probe --type merge -p 'spec: {hostNetwork: true}'`, HOSTNET],
  [
    `kubectl run netdebug --image=nicolaka/netshoot:v0.13 --overrides='{"spec":{"hostNetwork":true}}'`,
    HOSTNET,
  ],
  [`kubectl apply -f hostnet.yaml`, HOSTNET],
  [
    `kubectl patch deployment ge-webhook-relay -n ge-system -p '{"spec":{"template":{"spec":{"hostNetwork":false}}}}'`,
    null,
  ],
  // imagePullPolicy: Always in zone 1.
  [`kubectl run dbg --image=busybox:1.36 --image-pull-policy=Always`, ALWAYS, "1"],
  [
    `kubectl patch deploy ge-executor -n ge-agents -p '{"spec":{"template":{"spec":{"containers":[{"name":"executor","imagePullPolicy":"Always"}]}}}}'`,
    ALWAYS,
    "1",
  ],
  [`kubectl apply -f always.yaml -n ge-agents`, ALWAYS, "1"],
  [`kubectl run dbg --image=busybox:1.36 --image-pull-policy=Always`, null, "2"],
  // Raising the memory limit of a workload that was OOMKilled (the simulator says ge-executor was).
  [`kubectl set resources deployment ge-executor -n ge-agents --limits=memory=2Gi`, OOM],
  [`kubectl set resources deploy/ge-executor --limits=cpu=1,memory=2Gi -c executor -n ge-agents`, OOM],
  [
    `kubectl -n ge-agents patch deployment ge-executor --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/resources/limits/memory","value":"2Gi"}]'`,
    OOM,
  ],
  [
    `kubectl patch deployment ge-executor -n ge-agents -p '{"spec":{"template":{"spec":{"containers":[{"name":"executor","resources":{"limits":{"memory":"2Gi"}}}]}}}}'`,
    OOM,
  ],
  [`kubectl set resources deployment ge-notes -n ge-agents --limits=memory=512Mi`, null],
  [`kubectl set resources deployment ge-executor -n ge-agents --limits=cpu=2`, null],
];

describe("a table of phrasings", () => {
  it("has at least 30 rows, matching and silent", () => {
    expect(PHRASINGS.length).toBeGreaterThanOrEqual(30);
    expect(PHRASINGS.filter((r) => r[1] === null).length).toBeGreaterThanOrEqual(5);
  });

  it.each(PHRASINGS.map((r, i) => [i, ...r] as const))("%i: %s → %s", async (_i, line, pitfall, zone) => {
    const r = await guardCommand(request(line, zone));
    expect(stoppedFor(r), JSON.stringify(r.unchecked)).toEqual(pitfall ? [pitfall] : []);
    expect(r.verdict).toBe(pitfall ? "match" : "fine");
  });
});

describe("Redis stream commands (real redis-server)", () => {
  const rows = (): Row[] => {
    const dead = seeded!.held["triggers.alpha"]!["executor-old-1"]![0]!;
    const beta = seeded!.held["triggers.beta"]!["executor-old-2"]![0]!;
    const port = redis!.port;
    return [
      [`redis-cli -p ${port} XACK triggers.alpha ${GROUP} ${dead}`, STREAMS],
      [`redis-cli -h 127.0.0.1 -p ${port} -a $REDIS_PASSWORD XDEL triggers.beta ${beta}`, STREAMS],
      [
        `kubectl exec -n ge-system redis-0 -- redis-cli -p ${port} XACK triggers.alpha ${GROUP} ${dead}`,
        STREAMS,
      ],
      [`sh -c "redis-cli -p ${port} xack triggers.alpha ${GROUP} ${dead}"`, STREAMS],
      [`redis-cli -p ${port} XACK other.stream ${GROUP} 1-0`, null],
      [`redis-cli -p ${port} XPENDING triggers.alpha ${GROUP} - + 10`, null],
    ];
  };

  it.skipIf(!redisAvailable())(
    "XACK and XDEL by hand on a stream with a dead consumer's entries",
    async () => {
      for (const [line, pitfall] of rows()) {
        const r = await guardCommand(request(line));
        expect(stoppedFor(r), line).toEqual(pitfall ? [pitfall] : []);
      }
    },
  );

  it.skipIf(!redisAvailable())(
    "says which consumer is dead and fills the page's XCLAIM with its entry",
    async () => {
      const dead = seeded!.held["triggers.alpha"]!["executor-old-1"]![0]!;
      const r = await guardCommand(
        request(`redis-cli -p ${redis!.port} -a hunter2 XACK triggers.alpha ${GROUP} ${dead}`),
      );
      const m = r.matches[0]!;
      expect(m.command).toBe(`redis-cli -p ${redis!.port} -a *** XACK triggers.alpha ${GROUP} ${dead}`);
      expect(m.why.join(" ")).toMatch(/triggers\.alpha holds 4 entries of dead consumers \(executor-old-1;/);
      const claim = m.runbook.find((s) => s.text.includes("XCLAIM"))!.text;
      expect(claim).toContain(`XCLAIM triggers.alpha ${GROUP} `);
      expect(claim).toContain(` 300000 ${dead}`);
      expect(claim).not.toContain("{new-consumer}");
    },
  );
});

/** Read-only commands an agent runs all day: none may be stopped, none may make the guard ask the cluster. */
const EVERYDAY = [
  "kubectl get pods",
  "kubectl get pods -A",
  "kubectl get pods -n ge-agents -o wide",
  "kubectl get deploy,svc -n ge-system",
  `kubectl get pod ${POD} -o yaml -n ge-agents`,
  "kubectl get events -n ge-agents --sort-by=.lastTimestamp",
  "kubectl get nodes -o jsonpath='{.items[*].status.nodeInfo.kubeletVersion}'",
  `kubectl describe pod ${POD} -n ge-agents`,
  "kubectl describe deploy/ge-executor -n ge-agents",
  "kubectl describe node k3s-agent-1",
  `kubectl logs ${POD} -n ge-agents`,
  `kubectl logs -p ${POD} -c executor -n ge-agents`,
  "kubectl logs deploy/ge-executor --tail=50 -n ge-agents",
  "kubectl logs -n kube-system -l app.kubernetes.io/name=traefik --tail=50",
  `kubectl logs -f ${POD} --since=10m -n ge-agents`,
  "kubectl top pods --all-namespaces --sort-by=memory",
  "kubectl top nodes",
  "kubectl top pod -n ge-agents --containers",
  "kubectl rollout status deployment/ge-executor -n ge-agents",
  "kubectl rollout status deploy ge-api -n ge-system --timeout=60s",
  "kubectl rollout history deploy/ge-executor -n ge-agents",
  "kubectl get pods -n ge-agents | grep executor",
  "kubectl get pods -o name -n ge-agents | xargs -n1 kubectl describe -n ge-agents",
  `kubectl describe pod dolly-orchestrator-5d8c7b9f6d-q7xkz -n ge-agents | grep -A 5 "Last State"`,
  "kubectl get externalsecret -A",
  "kubectl auth can-i list pods -n ge-agents",
  "kubectl config current-context",
  "k get pods -n ge-agents -w",
  "kubectl get --raw /readyz",
  `watch -n 5 'kubectl get pods -n ge-agents'`,
  `kubectl cp ${POD}:/app/worker.py ./worker.py -n ge-agents`,
  "redis-cli -p 6381 XPENDING triggers.alpha ge-executor-group - + 10",
];

describe("everyday read-only commands", () => {
  it("are at least 30", () => expect(EVERYDAY.length).toBeGreaterThanOrEqual(30));

  it("raise no alarm and cost no cluster call", async () => {
    const before = sim.requests.length;
    for (const line of EVERYDAY) {
      const r = await guardCommand(request(line));
      expect({
        line,
        verdict: r.verdict,
        matches: r.matches,
        unchecked: r.unchecked,
        notes: r.notes,
      }).toEqual({
        line,
        verdict: "fine",
        matches: [],
        unchecked: [],
        notes: [],
      });
    }
    expect(sim.requests.length).toBe(before);
  });
});
