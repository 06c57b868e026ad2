// `pitfall scan` end to end: the simulator serves fixture clusters; the CLI reads them as users run it.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";

const clusters = fileURLToPath(new URL("../fixtures/clusters/", import.meta.url));
const hasKubectl = (() => {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

interface JsonFinding {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  container?: string;
  message: string;
  evidence?: { kind: string; text: string }[];
  runbook?: { kind: string; text: string; unfilled?: string[] }[];
  context?: string;
  zone?: string;
}
interface ScanJson {
  targets: { zone?: string; distribution?: string; how: string }[];
  findings: JsonFinding[];
  incomplete?: { resource: string; reason: string }[];
}

const dir = mkdtempSync(join(tmpdir(), "pitfall-scan-"));
let broken: Sim;
let healthy: Sim;
let brokenConfig: string;
let healthyConfig: string;

beforeAll(async () => {
  broken = await startSimulator({ cluster: join(clusters, "broken-k3s.yaml") });
  healthy = await startSimulator({ cluster: join(clusters, "healthy-k3s.yaml") });
  mkdirSync(join(dir, "b"));
  mkdirSync(join(dir, "h"));
  brokenConfig = broken.writeKubeconfig(join(dir, "b"), { context: "office" });
  healthyConfig = healthy.writeKubeconfig(join(dir, "h"), { context: "office" });
});
afterAll(async () => {
  await broken?.close();
  await healthy?.close();
});

async function scanJson(argv: string[]) {
  const r = await runCli(["scan", "-o", "json", ...argv], { cwd: dir, env: { HOME: dir } });
  return { ...r, json: r.out ? (JSON.parse(r.out) as ScanJson) : undefined };
}

describe("scan a live cluster", () => {
  it("finds every pitfall happening on the broken cluster, with evidence and filled steps", async () => {
    const r = await scanJson(["--kubeconfig", brokenConfig]);
    expect(r.code, r.err).toBe(1);
    const report = r.json!;
    // No config: the nodes say k3s, the page header maps k3s to zone 1.
    expect(report.targets[0]).toMatchObject({ zone: "1", distribution: "k3s" });
    const pitfalls = new Set(report.findings.map((f) => f.pitfall));
    for (const id of [
      "crashloopbackoff",
      "oomkilled",
      "image-pull-failures-zone-1",
      "hostnetwork-causes-port-conflicts",
      "resource-starvation",
      "secret-sync-delays",
      "traefik-ingress-not-updating",
      "k3s-clusterip-broken-from-inside-pods",
    ])
      expect(pitfalls, id).toContain(id);
    for (const f of report.findings) {
      expect(f.context).toBe("office");
      expect(f.zone).toBe("1");
      expect(f.evidence?.length ?? 0, `${f.rule} on ${f.object.name}`).toBeGreaterThan(0);
    }
    // The crash loop's runbook names the real pod and namespace, and the classified cause comes from its log.
    const crash = report.findings.find(
      (f) => f.pitfall === "crashloopbackoff" && f.evidence?.some((e) => /6379/.test(e.text)),
    );
    expect(crash).toBeDefined();
    const logs = crash!.runbook!.find((s) => s.kind === "RUN" && s.text.startsWith("kubectl logs"));
    expect(logs?.text).toBe(`kubectl logs ${crash!.object.name} -n ${crash!.object.namespace} --previous`);
    expect(logs?.unfilled).toBeUndefined();
  });

  it("stays silent on a healthy cluster", async () => {
    const r = await scanJson(["--kubeconfig", healthyConfig]);
    expect(r.json!.findings.map((f) => `${f.rule} ${f.object.kind}/${f.object.name}: ${f.message}`)).toEqual(
      [],
    );
    expect(r.code).toBe(0);
  });

  it("scans one namespace with -n", async () => {
    const all = (await scanJson(["--kubeconfig", brokenConfig])).json!;
    const namespaces = [...new Set(all.findings.map((f) => f.object.namespace).filter(Boolean))] as string[];
    expect(namespaces.length).toBeGreaterThan(1);
    const one = (await scanJson(["--kubeconfig", brokenConfig, "-n", namespaces[0]!])).json!;
    expect(one.findings.length).toBeGreaterThan(0);
    expect(one.findings.every((f) => f.object.namespace === namespaces[0] || f.object.kind === "Node")).toBe(
      true,
    );
  });

  it("a zone 2 scan of the same cluster leaves out the k3s-only pitfalls", async () => {
    const r = (await scanJson(["--kubeconfig", brokenConfig, "--zone", "2"])).json!;
    expect(r.findings.some((f) => f.pitfall === "image-pull-failures-zone-1")).toBe(false);
    expect(r.findings.some((f) => f.pitfall === "crashloopbackoff")).toBe(true);
  });

  it("names the missing context and lists the ones there are, exit 2", async () => {
    const r = await runCli(["scan", "--kubeconfig", brokenConfig, "--context", "nope"], {
      cwd: dir,
      env: { HOME: dir },
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("office");
  });
});

describe("faults, one at a time: the scan completes, says what it could not check, exits 3", () => {
  const cases: [string, Parameters<Sim["setFaults"]>[0], string][] = [
    ["403 on pods", [{ kind: "forbidden", resource: "pods" }], "pods"],
    ["CRD not installed", [{ kind: "absent", resource: "externalsecrets" }], "externalsecrets"],
    ["500 on events, always", [{ kind: "status", code: 500, resource: "events", times: 1000 }], "events"],
    ["dropped connections on ingresses", [{ kind: "drop", resource: "ingresses", times: 1000 }], "ingresses"],
    ["slow deployments", [{ kind: "delay", ms: 5000, resource: "deployments" }], "deployments"],
  ];
  it.each(cases)(
    "%s",
    async (_name, faults, resource) => {
      broken.setFaults(faults);
      try {
        const r = await scanJson(["--kubeconfig", brokenConfig, "--timeout", "3s"]);
        expect(r.code, r.err).toBe(3);
        expect(r.json!.incomplete?.map((i) => i.resource)).toContain(resource);
        expect(r.json!.findings.length).toBeGreaterThan(0);
      } finally {
        broken.setFaults([]);
      }
    },
    60_000,
  );

  it("recovers from a 410 on continue and a 429 with Retry-After: complete", async () => {
    broken.setFaults([
      { kind: "expiredContinue", resource: "pods", times: 1 },
      { kind: "status", code: 429, resource: "nodes", times: 1, retryAfterSeconds: 0 },
    ]);
    try {
      const r = await scanJson(["--kubeconfig", brokenConfig]);
      expect(r.json!.incomplete ?? []).toEqual([]);
      expect(r.code).toBe(1);
    } finally {
      broken.setFaults([]);
    }
  }, 60_000);
});

describe("scan a dump", () => {
  it("a dump that cannot be read at all is a usage error; a bad file among good ones is listed and exits 1", async () => {
    const missing = await runCli(["scan", "--from", join(dir, "no-such-dump")], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no-such-dump");
    const mixed = join(dir, "mixed");
    mkdirSync(mixed, { recursive: true });
    writeFileSync(join(mixed, "broken.yaml"), "kind: [unclosed\n");
    writeFileSync(
      join(mixed, "healthy.json"),
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "ge-agents" } }],
      }),
    );
    // Without pitfall-dump.json saying what was read, the kinds it lacks are not checked (exit 3).
    expect((await scanJson(["--from", mixed])).code).toBe(3);
    writeFileSync(
      join(mixed, "pitfall-dump.json"),
      JSON.stringify({
        resources: [
          "namespaces",
          "pods",
          "events",
          "nodes",
          "services",
          "endpoints",
          "endpointslices",
          "replicasets",
          "deployments",
          "statefulsets",
          "daemonsets",
          "jobs",
          "cronjobs",
          "ingresses",
          "serviceaccounts",
          "rolebindings",
          "clusterrolebindings",
          "externalsecrets",
        ],
      }),
    );
    const r = await scanJson(["--from", mixed]);
    expect(r.code).toBe(1);
    const errors = (r.json as unknown as { errors: { file: string; line: number }[] }).errors;
    expect(errors.map((e) => e.file)).toEqual(["mixed/broken.yaml"]);
    expect(errors[0]!.line).toBeGreaterThanOrEqual(1);
  });

  it("gives the same findings as live on the same cluster", async () => {
    const live = (await scanJson(["--kubeconfig", brokenConfig])).json!;
    // Write the dump the way kubectl would: one List of every object read, and the logs beside it.
    const { readCluster } = await import("../../src/sources/live.js");
    const { loadKubeConfig } = await import("../../src/sources/kubeconfig.js");
    const snapshot = await readCluster({
      kubeConfig: await loadKubeConfig({ kubeconfig: brokenConfig }),
      logs: { previous: true, current: true },
    });
    const dump = join(dir, "dump");
    mkdirSync(dump, { recursive: true });
    writeFileSync(
      join(dump, "cluster.json"),
      JSON.stringify({ apiVersion: "v1", kind: "List", items: snapshot.objects.map((o) => o.object) }),
    );
    for (const [key, text] of [...(snapshot.previousLogs ?? []), ...(snapshot.currentLogs ?? [])].map(
      ([k, t], i) => [`${k}${i < (snapshot.previousLogs?.size ?? 0) ? ".previous" : ""}`, t] as const,
    )) {
      const [ns, pod, container] = key.split("/");
      mkdirSync(join(dump, "logs", ns!, pod!), { recursive: true });
      writeFileSync(join(dump, "logs", ns!, pod!, `${container}.log`), text);
    }
    writeFileSync(
      join(dump, "pitfall-dump.json"),
      JSON.stringify({ takenAt: snapshot.takenAt, context: "office" }),
    );
    const fromDump = (await scanJson(["--from", dump])).json!;
    const key = (f: JsonFinding) =>
      `${f.pitfall} ${f.rule} ${f.object.kind}/${f.object.namespace}/${f.object.name} ${f.container ?? ""}`;
    expect(fromDump.findings.map(key).sort()).toEqual(live.findings.map(key).sort());
  }, 60_000);
});

describe.skipIf(!hasKubectl)("kubectl speaks the same protocol as the simulator", () => {
  it("kubectl get pods -A lists the fixture's pods, and a filled runbook command runs", async () => {
    // Async: a blocking call would freeze the simulator, which runs in this process.
    const kubectl = (args: string[]) =>
      promisify(execFile)(
        "kubectl",
        ["--kubeconfig", brokenConfig, "--cache-dir", join(dir, "kcache"), ...args],
        {
          encoding: "utf8",
          env: { ...process.env, HOME: dir },
        },
      ).then((r) => r.stdout);
    const out = await kubectl(["get", "pods", "-A"]);
    const report = (await scanJson(["--kubeconfig", brokenConfig])).json!;
    const crash = report.findings.find((f) => f.pitfall === "crashloopbackoff" && f.object.kind === "Pod")!;
    expect(out).toContain(crash.object.name);
    const cmd = crash.runbook!.find((s) => s.kind === "RUN" && s.text.startsWith("kubectl logs"))!.text;
    const args = cmd.split(" ").slice(1);
    const log = await kubectl(args);
    expect(log.length).toBeGreaterThan(0);
    const logLine = crash.evidence!.find((e) => e.kind === "log");
    if (logLine) expect(log).toContain(logLine.text.trim().split("\n")[0]!.trim());
  });
});
