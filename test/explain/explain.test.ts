// `pitfall explain` and `pitfall upgrade-check` through the CLI, against the Kubernetes API simulator and dumps.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { BROKEN, writeFixtureDump } from "../mcp/fixture-dump.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";

const CRASHING = "dolly-orchestrator-5d8c7b9f6d-q7xkz";

let dir: string;
let sim: Sim;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-explain-"));
  sim = await startSimulator({ cluster: BROKEN });
  kubeconfig = sim.writeKubeconfig(dir, { context: "k3s-office" });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const explain = (...args: string[]) =>
  runCli(["explain", ...args, "--kubeconfig", kubeconfig], { env: { HOME: dir } });

describe("explain a pod", () => {
  it("tells a crash-looping pod's story: status, owners, events, previous log, the finding with its filled command", async () => {
    const res = await explain(`pod/${CRASHING}`, "-n", "ge-agents");
    expect(res.code).toBe(1);
    const out = res.out;
    expect(out).toContain(`Pod ge-agents/${CRASHING}  (context k3s-office, zone 1)`);
    expect(out).toMatch(/Running · on k3s-agent-1 · 0\/1 ready · 8509 restarts · CrashLoopBackOff/);
    expect(out).toContain(
      `Pod ge-agents/${CRASHING} → ReplicaSet ge-agents/dolly-orchestrator-5d8c7b9f6d → Deployment ge-agents/dolly-orchestrator`,
    );
    expect(out).toMatch(/orchestrator {2}waiting: CrashLoopBackOff · not ready · restarts 8509/);
    expect(out).toMatch(/last run: Error, exit code 1, finished 5m[\ds]* ago/);
    expect(out).toMatch(/Events \(newest last\)\n.*Pulled x8509.*\n.*Warning BackOff x8421 \([\dms]+ ago\)/);
    expect(out).toContain(`Previous log of ${CRASHING}/orchestrator`);
    // Indentation of the traceback is kept.
    expect(out).toContain('  |   File "/app/orchestrator/main.py", line 41, in <module>');
    expect(out).toContain(
      "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    );
    // The crash loop happening now, and its Deployment's Redis port (the spec's latent risk, the same cause).
    expect(out).toContain("Findings (2)\n  CRITICAL CrashLoopBackOff (crashloopbackoff)\n");
    expect(out).toMatch(
      /MEDIUM {3}CrashLoopBackOff \(crashloopbackoff\) · latent risk, not happening now\n.*Deployment ge-agents\/dolly-orchestrator/,
    );
    expect(out).toContain(`RUN: kubectl logs ${CRASHING} -n ge-agents --previous`);
  });

  it("reads only the pod's namespace (and the nodes), not the whole cluster", async () => {
    const before = sim.requests.length;
    await explain(`po/${CRASHING}`, "-n", "ge-agents");
    const lists = sim.requests.slice(before).map((r) => r.path);
    expect(lists).toContain("/api/v1/namespaces/ge-agents/pods");
    expect(lists).toContain("/api/v1/nodes");
    expect(lists).not.toContain("/api/v1/pods");
    expect(lists.some((p) => p.includes("/namespaces/ge-system/"))).toBe(false);
  });

  it("takes `KIND NAME` too, and gives JSON with owners, newest-last events and the log excerpt", async () => {
    const res = await explain("pod", CRASHING, "-n", "ge-agents", "-o", "json");
    expect(res.code).toBe(1);
    const e = JSON.parse(res.out);
    expect(e.object).toEqual({ kind: "Pod", namespace: "ge-agents", name: CRASHING });
    expect(e.owners.map((o: { kind: string }) => o.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(e.status.containers[0]).toMatchObject({
      name: "orchestrator",
      restarts: 8509,
      lastTermination: { reason: "Error", exitCode: 1 },
    });
    const times = e.events.map((ev: { last: string }) => Date.parse(ev.last));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(e.events.at(-1)).toMatchObject({ type: "Warning", reason: "BackOff", count: 8421 });
    expect(e.logs[0]).toMatchObject({ pod: CRASHING, container: "orchestrator", previous: true });
    expect(e.findings.map((f: { kind?: string }) => f.kind ?? "now")).toEqual(["now", "latent"]);
    expect(e.findings[0].runbook).toContainEqual({
      kind: "RUN",
      text: `kubectl logs ${CRASHING} -n ge-agents --previous`,
    });
  });

  it("a healthy pod: exit 0 and no pitfall", async () => {
    const res = await explain("pod/dont-fire-6d5f8c7b9d-89zqj", "-n", "ge-agents");
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toContain("no pitfall matches this object");
  });
});

describe("explain a deployment", () => {
  it("includes its pods, their events and logs, and their findings beside its own", async () => {
    const res = await explain("deploy/ge-executor", "-n", "ge-agents", "-o", "json");
    expect(res.code).toBe(1);
    const e = JSON.parse(res.out);
    expect(e.pods).toEqual([{ kind: "Pod", namespace: "ge-agents", name: "ge-executor-59d7c8b6f4-m2xqp" }]);
    expect(e.status.replicas).toMatchObject({ desired: 1, ready: 0 });
    const about = e.findings
      .map((f: { pitfall: string; object: { kind: string } }) => `${f.object.kind} ${f.pitfall}`)
      .sort();
    expect(about).toEqual(["Deployment oomkilled", "Pod crashloopbackoff", "Pod oomkilled"]);
    expect(
      e.events.some((ev: { object: string }) => ev.object === "Pod ge-agents/ge-executor-59d7c8b6f4-m2xqp"),
    ).toBe(true);
    expect(e.logs[0]).toMatchObject({ pod: "ge-executor-59d7c8b6f4-m2xqp", previous: true });
  });

  it("text lists the pods and each finding's runbook", async () => {
    const res = await explain("deployment", "ge-executor", "-n", "ge-agents");
    expect(res.out).toContain("Pods (1)\n  ge-executor-59d7c8b6f4-m2xqp");
    expect(res.out).toContain(
      'RUN: kubectl describe pod ge-executor-59d7c8b6f4-m2xqp -n ge-agents | grep -A 5 "Last State"',
    );
  });
});

describe("explain: what is not there", () => {
  it("no such pod: exit 2 and the close names", async () => {
    const res = await explain("pod/dolly-orchestrator", "-n", "ge-agents");
    expect(res.code).toBe(2);
    expect(res.out).toBe("");
    expect(res.err).toBe(`pitfall: no Pod dolly-orchestrator in namespace ge-agents; close: ${CRASHING}\n`);
  });

  it("an unknown kind or a malformed reference is a usage error", async () => {
    const kind = await explain("widget/x", "-n", "ge-agents");
    expect(kind.code).toBe(2);
    expect(kind.err).toMatch(/unknown kind 'widget': explain knows pod \(po\), deployment \(deploy\)/);
    const shape = await explain("pod/a/b");
    expect(shape.code).toBe(2);
    expect(shape.err).toContain("write KIND/NAME or KIND NAME");
  });
});

describe("explain from a dump", () => {
  it("finds the object without -n when its name is in one namespace only", async () => {
    const dump = writeFixtureDump(BROKEN, join(dir, "dump"), new Date());
    const res = await runCli(["explain", "externalsecret/ge-api-secrets", "--from", dump]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("ExternalSecret ge-system/ge-api-secrets");
    expect(res.out).toContain("Ready False  SecretSyncedError");
    expect(res.out).toContain(
      "RUN: kubectl annotate externalsecret ge-api-secrets -n ge-system force-sync=$(date +%s) --overwrite",
    );
  });

  it("the right name in another namespace says where it is", async () => {
    const res = await runCli(["explain", "deploy/ge-api", "-n", "ge-agents", "--from", join(dir, "dump")]);
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      "pitfall: no Deployment ge-api in namespace ge-agents; there is one in namespace ge-system\n",
    );
  });

  it("a name in several namespaces asks for -n", async () => {
    const res = await runCli(["explain", "svc/kubernetes", "--from", join(dir, "dump")]);
    expect(res.code === 1 || res.code === 0).toBe(true);
    const twice = await runCli(["explain", "ns/ge-agents", "--from", join(dir, "dump")]);
    expect(twice.out).toContain("Namespace ge-agents");
  });
});

function node(name: string, kubeletVersion: string, etcd: boolean): KubeObject {
  const runtime = kubeletVersion.includes("+k3s") ? "containerd://2.0.5-k3s1" : "containerd://2.0.5";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: etcd
        ? { "node-role.kubernetes.io/etcd": "true", "node-role.kubernetes.io/control-plane": "true" }
        : {},
    },
    status: {
      nodeInfo: { kubeletVersion, containerRuntimeVersion: runtime },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

describe("upgrade-check", () => {
  const table: [string, string[], string, number, string][] = [
    [
      "1.33.4 → 1.34: etcd v3.5.26 first",
      ["v1.33.4+k3s1", "v1.33.4+k3s1"],
      "v1.34.1+k3s1",
      1,
      "first move s0 (k3s v1.33.4+k3s1) to a k3s release with etcd v3.5.26",
    ],
    [
      "1.33.7+k3s3 (etcd 3.5.26) → 1.34: health and backup",
      ["v1.33.7+k3s3", "v1.33.7+k3s3"],
      "v1.34.1+k3s1",
      1,
      "s0 already run etcd v3.5.26 or later",
    ],
    [
      "1.32 → 1.33: stays on 3.5",
      ["v1.32.5+k3s1", "v1.32.5+k3s1"],
      "v1.33.9+k3s1",
      0,
      "keeps etcd on 3.5.26",
    ],
    ["1.34 → 1.35: stays on 3.6", ["v1.34.1+k3s1", "v1.34.1+k3s1"], "1.35", 0, "keeps etcd on 3.6"],
    ["not k3s", ["v1.33.4", "v1.33.4"], "v1.34.1+k3s1", 0, "no node runs k3s"],
  ];
  it.each(table)("%s", async (_name, versions, to, code, says) => {
    const objects = versions.map((v, i) => node(`s${i}`, v, i === 0));
    const s = await startSimulator({
      cluster: { name: "upgrade", version: versions[0]!, objects, logs: [] },
    });
    try {
      const kc = s.writeKubeconfig(dir, { context: "upgrade" });
      const res = await runCli(["upgrade-check", "--to", to, "--kubeconfig", kc], { env: { HOME: dir } });
      expect(res.err).toBe("");
      expect(res.code).toBe(code);
      expect(res.out).toContain(says);
      if (code === 1) {
        // The page's own steps follow the plan.
        expect(res.out).toContain("etcd Upgrade Path (etcd-upgrade-path, HIGH)");
        expect(res.out).toMatch(/back up etcd before the upgrade/);
      }
    } finally {
      await s.close();
    }
  });

  it("-o json against the broken fixture, nodes changed with sim.apply", async () => {
    const s = await startSimulator({ cluster: BROKEN });
    try {
      const kc = s.writeKubeconfig(dir, { context: "k3s-office" });
      const args = ["upgrade-check", "--to", "v1.34.1+k3s1", "--kubeconfig", kc, "-o", "json"];
      const before = JSON.parse((await runCli(args, { env: { HOME: dir } })).out);
      expect(before).toMatchObject({ verdict: "needs-steps", from: ["v1.33.4+k3s1"], context: "k3s-office" });
      expect(before.plan.map((p: { messageId: string }) => p.messageId)).toEqual([
        "upgrade-etcd-first",
        "backup-etcd",
        "upgrade-k3s",
      ]);
      expect(before.pitfall.id).toBe("etcd-upgrade-path");
      for (const name of ["k3s-server-1", "k3s-agent-1"]) {
        const n = s.get("Node", undefined, name)!;
        (n.status as { nodeInfo: { kubeletVersion: string } }).nodeInfo.kubeletVersion = "v1.34.1+k3s1";
        s.apply(n);
      }
      const after = await runCli(args, { env: { HOME: dir } });
      expect(after.code).toBe(0);
      expect(JSON.parse(after.out)).toMatchObject({ verdict: "safe", from: ["v1.34.1+k3s1"] });
    } finally {
      await s.close();
    }
  });

  it("a downgrade is an error (exit 2); a jump of several minors plans each one with its etcd", async () => {
    const objects = [node("s0", "v1.33.4+k3s1", true), node("s1", "v1.33.4+k3s1", false)];
    const s = await startSimulator({
      cluster: { name: "route", version: "v1.33.4+k3s1", objects, logs: [] },
    });
    try {
      const kc = s.writeKubeconfig(dir, { context: "route" });
      const down = await runCli(["upgrade-check", "--to", "v1.32.0+k3s1", "--kubeconfig", kc], {
        env: { HOME: dir },
      });
      expect(down.code).toBe(2);
      expect(down.err).toMatch(
        /^pitfall: v1\.32\.0\+k3s1 is a downgrade: node s0 runs v1\.33\.4\+k3s1\. k3s does not downgrade/,
      );
      const jump = await runCli(["upgrade-check", "--to", "v1.36.0+k3s1", "--kubeconfig", kc, "-o", "json"], {
        env: { HOME: dir },
      });
      expect(jump.code).toBe(1);
      const check = JSON.parse(jump.out) as {
        route: { version: string; etcd: string }[];
        plan: { messageId: string }[];
      };
      expect(check.route.map((r) => `${r.version} etcd ${r.etcd}`)).toEqual([
        "v1.34 etcd 3.6",
        "v1.35 etcd 3.6",
        "v1.36.0+k3s1 etcd 3.6",
      ]);
      expect(check.plan.map((p) => p.messageId)).toEqual([
        "skew-policy",
        "upgrade-etcd-first",
        "backup-etcd",
        "upgrade-minor",
        "upgrade-minor",
        "upgrade-k3s",
      ]);
    } finally {
      await s.close();
    }
  });

  it("reads only the nodes", async () => {
    const before = sim.requests.length;
    await runCli(["upgrade-check", "--to", "1.34", "--kubeconfig", kubeconfig], { env: { HOME: dir } });
    const paths = sim.requests.slice(before).map((r) => r.path);
    expect(paths.filter((p) => !p.startsWith("/api/v1/nodes") && p !== "/version")).toEqual([]);
  });

  it("usage errors: a target that is not a version, a dump without nodes", async () => {
    const bad = await runCli(["upgrade-check", "--to", "latest", "--kubeconfig", kubeconfig], {
      env: { HOME: dir },
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("pitfall: 'latest' is not a k3s version: write one like v1.34.1+k3s1 (or 1.34)\n");
    const missing = await runCli(["upgrade-check", "--kubeconfig", kubeconfig]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--to <version>");
    const empty = await runCli([
      "upgrade-check",
      "--to",
      "1.34",
      "--from",
      "test/fixtures/manifests/pod.json",
    ]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("the dump has no Node objects");
  });
});
