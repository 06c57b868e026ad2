// Latent risks: a live scan (and a dump's) runs the manifest rules on the live workloads' topmost owners and reports
// them apart (`"kind": "latent"`, a second text section); RoleBindings and ClusterRoleBindings are read live and
// written by `pitfall dump`; system namespaces' latent risks are one count per namespace unless --include-system.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { latentRisks } from "../../src/service/latent.js";
import { builtinKb, loadSnapshot, NOW } from "../live-rules/support.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";

const FIXTURE = "test/fixtures/clusters/latent-k3s.yaml";
const CLUSTERIP = "k3s-clusterip-broken-from-inside-pods";

interface JsonFinding {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  kind?: string;
  container?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}
interface ScanJson {
  findings: JsonFinding[];
  grouped: { namespace: string; findings: number; pitfalls: string[] }[];
  incomplete?: { resource: string }[];
}

let sim: Sim;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimulator({ cluster: FIXTURE });
  dir = mkdtempSync(join(tmpdir(), "pitfall-latent-"));
  kubeconfig = sim.writeKubeconfig(dir, { context: "k3s-office" });
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(argv, { cwd: dir, env: { HOME: dir } });
const scanJson = async (...argv: string[]) => {
  const r = await cli("scan", "-o", "json", ...argv);
  return { ...r, json: JSON.parse(r.out) as ScanJson };
};
const line = (f: JsonFinding) =>
  `${f.severity} ${f.kind ?? "now"} ${f.pitfall} ${f.object.kind}/${f.object.namespace ?? ""}/${f.object.name}`;

describe("latent risks on live workloads", () => {
  it("a ServiceAccount bound to a ClusterRole, its token mounted, no kubeconfig: a latent CRITICAL on the Deployment", async () => {
    sim.requests.length = 0;
    const r = await scanJson("--kubeconfig", kubeconfig);
    expect(r.json.incomplete ?? []).toEqual([]);
    expect(r.json.findings.map(line).sort()).toEqual([
      `CRITICAL latent ${CLUSTERIP} Deployment/ge-ops/ge-operator`,
      "MEDIUM now crashloopbackoff Pod/kube-system/svclb-traefik-x7k2p",
    ]);
    const latent = r.json.findings.find((f) => f.kind === "latent")!;
    expect(latent.message).toContain("service account ge-operator");
    // Read live: the bindings that say who may call the API (and never a Secret).
    const paths = sim.requests.map((q) => q.path);
    expect(paths).toContain("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
    expect(paths).toContain("/apis/rbac.authorization.k8s.io/v1/rolebindings");
    expect(paths).toContain("/api/v1/serviceaccounts");
    expect(paths.some((p) => /\/secrets(\/|$)/.test(p))).toBe(false);
    expect(r.code).toBe(1);
  });

  it("kube-system's latent risks are one count; the failure there is listed as usual; --include-system lists them", async () => {
    const r = await scanJson("--kubeconfig", kubeconfig);
    expect(r.json.grouped).toEqual([
      {
        context: "k3s-office",
        namespace: "kube-system",
        findings: 2,
        severities: { CRITICAL: 1, HIGH: 1 },
        pitfalls: [CLUSTERIP, "resource-starvation"],
      },
    ]);
    const all = await scanJson("--kubeconfig", kubeconfig, "--include-system");
    expect(all.json.findings.map(line).sort()).toEqual([
      `CRITICAL latent ${CLUSTERIP} Deployment/ge-ops/ge-operator`,
      `CRITICAL latent ${CLUSTERIP} Deployment/kube-system/metrics-server`,
      "HIGH latent resource-starvation Deployment/kube-system/metrics-server",
      "MEDIUM now crashloopbackoff Pod/kube-system/svclb-traefik-x7k2p",
    ]);
    expect(all.json.grouped).toEqual([]);
  });

  it("text: latent risks in their own section after what happens now, system namespaces as one line", async () => {
    const r = await cli("scan", "--kubeconfig", kubeconfig);
    const now = r.out.indexOf("k3s-office: Pod kube-system/svclb-traefik-x7k2p");
    const latent = r.out.indexOf("latent risks\n");
    expect(now).toBeGreaterThanOrEqual(0);
    expect(latent).toBeGreaterThan(now);
    expect(r.out.slice(latent)).toContain(
      "k3s-office: Deployment ge-ops/ge-operator\n  CRITICAL k3s ClusterIP Broken from Inside Pods",
    );
    expect(r.out).toContain(
      `system namespaces\n  k3s-office: kube-system: 2 latent risks (1 CRITICAL, 1 HIGH): ${CLUSTERIP}, resource-starvation\n`,
    );
    expect(r.out.trimEnd().split("\n").at(-1)).toBe(
      "1 finding (1 MEDIUM), 1 latent risk (1 CRITICAL), 2 more in system namespaces, counted",
    );
  });

  it("pitfall dump writes the bindings; the dump's scan finds the same latent risk", async () => {
    const d = await cli("dump", "--kubeconfig", kubeconfig, "-o", "latent-dump");
    expect(d.code, d.err).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, "latent-dump", "pitfall-dump.json"), "utf8")) as {
      resources: string[];
    };
    expect(meta.resources).toEqual(
      expect.arrayContaining(["rolebindings", "clusterrolebindings", "serviceaccounts"]),
    );
    const live = await scanJson("--kubeconfig", kubeconfig);
    const dumped = await scanJson("--from", "latent-dump");
    expect(dumped.json.findings.map(line).sort()).toEqual(live.json.findings.map(line).sort());
    expect(dumped.json.grouped.map((g) => [g.namespace, g.findings])).toEqual([["kube-system", 2]]);
  });

  it("a pod whose owner is not in the snapshot is checked itself and named after its owner", async () => {
    const snapshot = loadSnapshot(FIXTURE);
    snapshot.objects = snapshot.objects.filter(
      (o) => o.object.kind !== "Deployment" && o.object.kind !== "ReplicaSet",
    );
    const { findings } = latentRisks(snapshot, {
      kb: await builtinKb(),
      config: defaultConfig(),
      zone: "1",
      distribution: "k3s",
      now: NOW,
    });
    expect(findings.filter((f) => f.pitfall === CLUSTERIP).map((f) => [f.kind, f.object])).toEqual([
      ["latent", { kind: "Deployment", namespace: "ge-ops", name: "ge-operator" }],
      ["latent", { kind: "Deployment", namespace: "kube-system", name: "metrics-server" }],
    ]);
  });
});
