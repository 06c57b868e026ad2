// The simulator through kubectl, when kubectl is installed: discovery, Table printing, logs, annotate.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCluster } from "./load.js";
import { type Sim, startSimulator } from "./server.js";

const BROKEN = fileURLToPath(new URL("../fixtures/clusters/broken-k3s.yaml", import.meta.url));
const run = promisify(execFile);

function findKubectl(): string | undefined {
  try {
    return execFileSync("which", ["kubectl"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const kubectlPath = findKubectl();

describe.skipIf(!kubectlPath)("kubectl against the simulator", () => {
  let sim: Sim;
  let dir: string;
  let kubeconfig: string;

  // No token: kubectl does not send bearer tokens to a plain-HTTP server.
  beforeAll(async () => {
    sim = await startSimulator({ cluster: BROKEN });
    dir = mkdtempSync(join(tmpdir(), "pitfall-kubectl-"));
    kubeconfig = sim.writeKubeconfig(dir, { context: "broken-k3s" });
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(
      kubectlPath!,
      ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), "--request-timeout=10s", ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: dir }, encoding: "utf8" },
    );
    return stdout;
  }

  it("get pods -A prints every pod of the fixture with its status", async () => {
    const out = await kubectl("get", "pods", "-A");
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const pods = loadCluster(BROKEN).objects.filter((o) => o.kind === "Pod");
    expect(lines).toHaveLength(pods.length + 1);
    for (const p of pods) expect(out).toContain(p.metadata?.name);
    expect(out).toMatch(
      /ge-agents\s+dolly-orchestrator-5d8c7b9f6d-q7xkz\s+0\/1\s+CrashLoopBackOff\s+8509 \(5m\d+s ago\)\s+30d/,
    );
    expect(out).toMatch(/ge-system\s+ge-api-74d9c8b6f5-8hvcz\s+0\/1\s+CreateContainerConfigError/);
  });

  it("logs --previous prints the previous container's log", async () => {
    const out = await kubectl("logs", "dolly-orchestrator-5d8c7b9f6d-q7xkz", "-n", "ge-agents", "--previous");
    expect(out.trim().split("\n").at(-1)).toBe(
      "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    );
  });

  it("annotate patches the ExternalSecret (the page's force-sync)", async () => {
    const out = await kubectl(
      "annotate",
      "externalsecret",
      "ge-api-secrets",
      "-n",
      "ge-system",
      "force-sync=1774519200",
      "--overwrite",
    );
    expect(out.trim()).toBe("externalsecret.external-secrets.io/ge-api-secrets annotated");
    expect(sim.get("ExternalSecret", "ge-system", "ge-api-secrets")?.metadata?.annotations).toEqual({
      "force-sync": "1774519200",
    });
  });

  it("get -w prints pods added while watching", async () => {
    const child = spawn(
      kubectlPath!,
      [
        "--kubeconfig",
        kubeconfig,
        "--cache-dir",
        join(dir, "cache"),
        "get",
        "pods",
        "-n",
        "kube-system",
        "-w",
      ],
      { env: { PATH: process.env.PATH ?? "", HOME: dir } },
    );
    let out = "";
    const applied = { done: false };
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        out += chunk;
        if (!applied.done && out.includes("traefik-c98fdf6fb-4bq7n")) {
          applied.done = true;
          sim.apply({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "watched", namespace: "kube-system" },
            spec: { containers: [{ name: "app", image: "app:1" }] },
            status: { phase: "Pending" },
          });
        }
        if (/watched\s+0\/1\s+Pending/.test(out)) resolve();
      });
    }).finally(() => child.kill());
    expect(out.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    sim.remove("Pod", "kube-system", "watched");
  });

  it("get nodes shows the k3s versions", async () => {
    const out = await kubectl("get", "nodes");
    expect(out).toMatch(/k3s-server-1\s+Ready\s+control-plane,etcd,master\s+120d\s+v1\.33\.4\+k3s1/);
  });
});
