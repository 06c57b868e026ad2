import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileDetect } from "./cel.js";
import { type Pitfall, pitfallsOf } from "./model.js";
import { parsePage } from "./parse.js";

const FILE = "kb/kubernetes.md";
const page = parsePage(readFileSync(new URL("../../kb/kubernetes.md", import.meta.url), "utf8"), FILE);
const pitfalls = pitfallsOf(page);
const byId = new Map(pitfalls.map((p) => [p.id, p]));

// The team's page as their wiki renders it (the seed in ../shared/seeds, kept as a fixture): the bundled page must
// carry its facts, each pitfall's title, severity, zones, RUN commands and incident, verbatim.
const SEED = "test/fixtures/pages/team-page.txt";
const seed = pitfallsOf(parsePage(readFileSync(new URL(`../../${SEED}`, import.meta.url), "utf8"), SEED));

function runsOf(p: Pitfall): string[] {
  return p.steps.filter((s) => s.kind === "RUN").map((s) => s.text);
}

describe("the built-in page", () => {
  it("parses without diagnostics", () => {
    expect(page.diagnostics).toEqual([]);
    expect(page.form).toBe("markdown");
  });

  it("keeps the team page's header fields", () => {
    const meta = Object.fromEntries(page.meta.map((m) => [m.key, m.value]));
    expect(Object.keys(meta)).toEqual(["OWNER", "ALSO_USED_BY", "LAST_VERIFIED", "GE_STACK_VERSION"]);
    expect(meta.LAST_VERIFIED).toBe("2026-11-25");
    expect(meta.GE_STACK_VERSION).toBe("k3s v1.34.x (Zone 1), UpCloud Managed K8s (Zones 2+3)");
    expect(page.zoneMap.map((z) => [z.zone, z.distribution])).toEqual([
      [1, "k3s"],
      [2, "managed"],
      [3, "managed"],
    ]);
  });

  it("has the 11 pitfalls with their titles, severities and zones, in order", () => {
    expect(seed).toHaveLength(11);
    expect(pitfalls.map((p) => [p.id, p.title, p.severity, p.zones.text])).toEqual(
      seed.map((e) => [e.id, e.title, e.severity, e.zones.text]),
    );
  });

  it.each(seed.map((e) => [e.id, e] as const))(
    "%s carries the RUN commands verbatim and its incident",
    (id, e) => {
      const p = byId.get(id);
      expect(p).toBeDefined();
      expect(runsOf(p as Pitfall)).toEqual(runsOf(e));
      expect(p?.addedFrom.map((a) => a.incident)).toEqual(e.addedFrom.map((a) => a.incident));
      expect(p?.addedFrom).toHaveLength(1);
      expect(p?.addedFrom[0]?.note).toBeTruthy();
    },
  );

  it("keeps the step structure: each IF is followed by its THEN lines", () => {
    for (const p of pitfalls) {
      p.steps.forEach((s, i) => {
        if (s.kind === "IF") expect(p.steps[i + 1]?.kind, `${p.id} line ${s.line}`).toBe("THEN");
      });
    }
  });

  it("ends with the cross-references", () => {
    const last = page.sections.at(-1);
    expect(last?.kind).toBe("plain");
    if (last?.kind !== "plain") return;
    expect(last.section.title).toBe("Cross-References");
    expect(last.section.steps.map((s) => [s.kind, s.text])).toEqual([
      ["READ_ALSO", "wiki/docs/stack/kubernetes/index.md"],
      ["READ_ALSO", "wiki/docs/stack/kubernetes/operations.md"],
      ["READ_ALSO", "wiki/docs/stack/kubernetes/security.md"],
      ["READ_ALSO", "wiki/docs/stack/kubernetes/checklist.md"],
    ]);
  });
});

// Workload shapes around a pod spec, so each DETECT line meets the shape it is written for.
function pod(spec: object, status?: object): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ge-agents" },
    spec,
    ...(status ? { status } : {}),
  };
}
function deployment(podSpec: object): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: { replicas: 2, template: { spec: podSpec } },
  };
}
function cronJob(podSpec: object): object {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c" },
    spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: podSpec } } } },
  };
}
function container(extra: object = {}): object {
  return { name: "app", image: "ge/executor:1.4.2", ...extra };
}
const resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } };
const kubeconfigVolume = {
  name: "kubeconfig",
  hostPath: { path: "/etc/rancher/k3s/k3s.yaml", type: "File" },
};
function containerStatus(state: object, lastState: object = {}): object {
  return { containerStatuses: [{ name: "app", restartCount: 8509, state, lastState }] };
}
function externalSecret(refreshInterval?: string): object {
  return {
    apiVersion: "external-secrets.io/v1beta1",
    kind: "ExternalSecret",
    metadata: { name: "ge-api-secrets" },
    spec: { secretStoreRef: { name: "vault" }, ...(refreshInterval ? { refreshInterval } : {}) },
  };
}
function node(kubeletVersion: string): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1" },
    status: { nodeInfo: { kubeletVersion } },
  };
}

const DETECT_CASES: Record<string, { fire: object[]; dontFire: object[] }> = {
  "k3s-clusterip-broken-from-inside-pods": {
    fire: [
      pod({ serviceAccountName: "admin-ui", containers: [container()] }),
      deployment({
        serviceAccountName: "admin-ui",
        containers: [container()],
        volumes: [{ name: "data", emptyDir: {} }],
      }),
    ],
    dontFire: [
      pod({ serviceAccountName: "admin-ui", containers: [container()], volumes: [kubeconfigVolume] }),
      pod({ containers: [container()] }),
      pod({ serviceAccountName: "default", containers: [container()] }),
      pod({ serviceAccountName: "admin-ui", automountServiceAccountToken: false, containers: [container()] }),
      deployment({ serviceAccountName: "admin-ui", containers: [container()], volumes: [kubeconfigVolume] }),
    ],
  },
  "hostnetwork-causes-port-conflicts": {
    fire: [
      pod({ hostNetwork: true, containers: [container()] }),
      deployment({ hostNetwork: true, containers: [container()] }),
      cronJob({ hostNetwork: true, containers: [container()] }),
    ],
    dontFire: [
      pod({ hostNetwork: false, containers: [container()] }),
      deployment({ containers: [container()] }),
      cronJob({ containers: [container()] }),
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s" },
        spec: { type: "ClusterIP", ports: [{ port: 8080 }] },
      },
    ],
  },
  "image-pull-failures-zone-1": {
    fire: [
      pod({ containers: [container({ imagePullPolicy: "Always" })] }),
      deployment({ containers: [container({ image: "ge/executor:latest" })] }),
      cronJob({ containers: [container({ image: "busybox" })] }),
      pod({ containers: [container({ image: "localhost:5000/ge/executor" })] }),
    ],
    dontFire: [
      pod({ containers: [container({ image: "ge/executor:latest", imagePullPolicy: "IfNotPresent" })] }),
      pod({ containers: [container({ image: "ge/executor:latest", imagePullPolicy: "Never" })] }),
      deployment({ containers: [container()] }),
      pod({ containers: [container({ image: "localhost:5000/ge/executor:1.0" })] }),
      cronJob({ containers: [container({ image: "ge/executor@sha256:0123abcd" })] }),
    ],
  },
  "resource-starvation": {
    fire: [
      pod({ containers: [container()] }),
      deployment({
        containers: [container({ resources }), container({ resources: { requests: { cpu: "1" } } })],
      }),
      cronJob({ containers: [container({ resources: { limits: { memory: "1Gi" } } })] }),
    ],
    dontFire: [
      pod({ containers: [container({ resources })] }),
      deployment({ containers: [container({ resources }), container({ resources })] }),
      cronJob({ containers: [container({ resources })] }),
    ],
  },
  oomkilled: {
    fire: [
      pod(
        { containers: [container()] },
        containerStatus({ running: {} }, { terminated: { reason: "OOMKilled", exitCode: 137 } }),
      ),
      pod(
        { containers: [container()] },
        containerStatus({ terminated: { reason: "OOMKilled", exitCode: 137 } }),
      ),
    ],
    dontFire: [
      pod({ containers: [container()] }, containerStatus({ running: {} })),
      pod({ containers: [container()] }, containerStatus({ terminated: { reason: "Error", exitCode: 1 } })),
      pod({ containers: [container()] }),
    ],
  },
  crashloopbackoff: {
    fire: [pod({ containers: [container()] }, containerStatus({ waiting: { reason: "CrashLoopBackOff" } }))],
    dontFire: [
      pod({ containers: [container()] }, containerStatus({ waiting: { reason: "ContainerCreating" } })),
      pod({ containers: [container()] }, containerStatus({ running: { startedAt: "2026-03-01T00:00:00Z" } })),
      pod({ containers: [container()] }, { phase: "Pending" }),
    ],
  },
  "secret-sync-delays": {
    // Below the recommended 15m minimum; `0` (refresh turned off) counts too.
    fire: [externalSecret("5m"), externalSecret("0")],
    dontFire: [externalSecret("1h"), externalSecret("15m"), externalSecret()],
  },
  "etcd-upgrade-path": {
    fire: [node("v1.33.4+k3s1"), node("v1.28.15+k3s1")],
    dontFire: [
      node("v1.34.1+k3s1"),
      node("v1.35.0+k3s1"),
      node("v1.33.4"),
      { apiVersion: "v1", kind: "Node", metadata: { name: "n" } },
    ],
  },
};

// Objects a DETECT line must survive without an evaluation error (missing fields are `has()`-guarded).
const ODD_OBJECTS: object[] = [
  {},
  { kind: "Pod" },
  { kind: "Pod", spec: {} },
  { kind: "Deployment", spec: {} },
  { kind: "Deployment", spec: { template: {} } },
  { kind: "CronJob", spec: { jobTemplate: {} } },
  { kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: {} } } } } },
  { kind: "ExternalSecret", spec: {} },
  { kind: "Node", status: {} },
  { kind: "Pod", status: { containerStatuses: [{ name: "a" }] } },
];

function evaluateAll(p: Pitfall, obj: object): (boolean | Error)[] {
  return p.detect.map((d) => {
    const compiled = compileDetect(d.expr);
    if (!compiled.ok) throw new Error(`${p.id} line ${d.line}: ${compiled.message}`);
    return compiled.evaluate(obj);
  });
}

describe("DETECT lines of the built-in page", () => {
  it("exist exactly where a single object can show the pitfall", () => {
    expect(pitfalls.filter((p) => p.detect.length > 0).map((p) => p.id)).toEqual(
      Object.keys(DETECT_CASES).sort(byPageOrder),
    );
  });

  it("are one line each, at most one per pitfall, of at most 160 characters (`DETECT: ` included)", () => {
    const text = readFileSync(new URL("../../kb/kubernetes.md", import.meta.url), "utf8").split("\n");
    for (const p of pitfalls) {
      expect(p.detect.length, p.id).toBeLessThanOrEqual(1);
      for (const d of p.detect)
        expect(text[d.line - 1]!.length, `${p.id}: ${text[d.line - 1]}`).toBeLessThanOrEqual(160);
    }
  });

  it("all compile", () => {
    for (const p of pitfalls)
      for (const d of p.detect)
        expect(compileDetect(d.expr), `${p.id} line ${d.line}`).toMatchObject({ ok: true });
  });

  describe.each(Object.entries(DETECT_CASES))("%s", (id, cases) => {
    const p = byId.get(id) as Pitfall;

    it.each(cases.fire.map((o, i) => [i, o] as const))("fires on fixture %i", (_i, obj) => {
      expect(evaluateAll(p, obj)).toContain(true);
    });

    it.each(cases.dontFire.map((o, i) => [i, o] as const))(
      "stays silent on dont-fire fixture %i",
      (_i, obj) => {
        expect(evaluateAll(p, obj).every((r) => r === false)).toBe(true);
      },
    );

    it("every DETECT line fires on some fixture", () => {
      for (const [i, d] of p.detect.entries()) {
        const fired = cases.fire.some((obj) => evaluateAll(p, obj)[i] === true);
        expect(fired, `line ${d.line}`).toBe(true);
      }
    });

    it("no DETECT line errors on partial objects", () => {
      for (const obj of ODD_OBJECTS)
        expect(evaluateAll(p, obj), JSON.stringify(obj)).toEqual(p.detect.map(() => false));
    });
  });
});

function byPageOrder(a: string, b: string): number {
  return pitfalls.findIndex((p) => p.id === a) - pitfalls.findIndex((p) => p.id === b);
}

describe("GUARD lines of the built-in page", () => {
  it("stand on the pitfalls whose anti-pattern is a command", () => {
    expect(pitfalls.filter((p) => p.guard.length > 0).map((p) => p.id)).toEqual([
      "hostnetwork-causes-port-conflicts",
      "image-pull-failures-zone-1",
      "oomkilled",
      "python-module-caching",
      "stale-consumer-groups-redis-streams",
    ]);
    for (const p of pitfalls)
      if (p.guard.length)
        expect(
          p.steps.some((s) => s.kind === "ANTI_PATTERN"),
          p.id,
        ).toBe(true);
  });
});
