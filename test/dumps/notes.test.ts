// What each recording's NOTES.md says an SRE would find (../shared/real-world/dumps, small copies in
// test/fixtures/dumps), checked on `scan --from` as users run it: findings happening now, latent risks, system
// namespaces counted, unexplained failures with their evidence, the runbook's commands.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Unexplained } from "../../src/model/unexplained.js";
import { runCli } from "../support/cli.js";
import { type Finding, scanFrom } from "./support.js";

const at = (name: string) => resolve("test/fixtures/dumps", name);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-notes-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Scanned {
  findings: Finding[];
  unexplained: Unexplained[];
  grouped: { namespace: string; findings: number; pitfalls: string[] }[];
}
const scan = async (name: string, ...flags: string[]) => {
  const r = await scanFrom(dir, at(name), ...flags);
  return { ...r, out: r.json as unknown as Scanned };
};
const evidence = (f: Finding | undefined) =>
  ((f?.evidence ?? []) as { kind: string; text: string; source?: string }[]).map(
    (e) => `${e.kind} (${e.source}): ${e.text}`,
  );
const runs = (f: Finding | undefined) =>
  ((f?.runbook ?? []) as { kind: string; text: string }[]).filter((s) => s.kind === "RUN").map((s) => s.text);
const byName = (r: { out: Scanned }, name: string) => r.out.findings.filter((f) => f.object.name === name);

describe("aks-clusterinfo-dump: two crash loops, tunnelfront's liveness probe, kube-system's limits", () => {
  it("both crash loops, the autoscaler escalated past 24h with its liveness failures; tunnelfront restarted by its probe", async () => {
    const r = await scan("aks-clusterinfo-dump-raw");
    const autoscaler = byName(r, "coredns-autoscaler-6d7bd69669-nmpz2")[0];
    expect(autoscaler).toMatchObject({ severity: "HIGH", pitfall: "crashloopbackoff" });
    expect(evidence(autoscaler)).toContain(
      "event (event Unhealthy): Warning Unhealthy (x4688 over 3d10h, last 24m8s ago): Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
    expect(byName(r, "kubernetes-dashboard-7f7676f7b5-65j6w")[0]?.severity).toBe("CRITICAL");
    const tunnel = byName(r, "tunnelfront-6869944cf6-j2zsk")[0];
    expect(tunnel?.message).toMatch(
      /^container tunnel-front of pod tunnelfront-6869944cf6-j2zsk keeps being restarted by its failing liveness probe: 430 restarts, .*\(exit code 137\)/,
    );
    // kube-system's missing limits: one count, not a finding each.
    expect(r.out.grouped).toMatchObject([{ namespace: "kube-system", findings: 6 }]);
    expect(r.found.some((f) => f.includes("resource-starvation"))).toBe(false);
  });
});

describe("holmes-aks-exec-format: an image built for another CPU architecture", () => {
  it("the crash loop shows the exec-format line, and the failure is listed as unexplained with its last log lines", async () => {
    const r = await scan("holmes-aks-exec-format");
    expect(evidence(r.out.findings[0])).toContain(
      "log (previous log, last lines): exec /usr/local/bin/stress: exec format error",
    );
    expect(r.out.unexplained).toMatchObject([
      {
        pod: { kind: "Pod", namespace: "default", name: "frontend-service" },
        reason: "CrashLoopBackOff",
        container: "stress",
        restarts: 7,
        reportedAs: ["crashloopbackoff"],
        logs: { source: "previous log", lines: ["exec /usr/local/bin/stress: exec format error"] },
      },
    ]);
    const text = await runCli(["scan", "--from", at("holmes-aks-exec-format")], {
      cwd: dir,
      env: { HOME: dir },
    });
    expect(text.out).toContain("unexplained failures\n");
    expect(text.out).toContain("    | exec /usr/local/bin/stress: exec format error\n");
  });
});

describe("holmes-eks-imagepull: a pull from a repository that does not exist, on EKS", () => {
  it("no page pitfall applies on a managed zone; the failing pod is an unexplained candidate with the pull error", async () => {
    const r = await scan("holmes-eks-imagepull");
    expect(r.out.findings.filter((f) => f.kind !== "latent")).toEqual([]);
    const u = r.out.unexplained[0]!;
    expect(u).toMatchObject({ reason: "ErrImagePull", container: "crw-main-container", reportedAs: [] });
    expect(u.owner).toEqual({ kind: "Deployment", namespace: "default", name: "customer-relations-webapp" });
    expect(u.events.map((e) => e.text).join("\n")).toContain("pull access denied");
  });
});

describe("holmes-kind-init-crashloop: an init container's command does not exist", () => {
  it("the crash loop is the init container's, the RUN names it, and a StartError has no run length", async () => {
    const r = await scan("holmes-kind-init-crashloop");
    const loop = r.out.findings.find((f) => f.pitfall === "crashloopbackoff")!;
    expect(loop.container).toBe("downloader");
    expect(runs(loop)).toEqual(["kubectl logs logging-agent -n default --previous -c downloader"]);
    expect(evidence(loop).join("\n")).not.toMatch(/after \d+d/);
    expect(evidence(loop).join("\n")).toContain("last run ended StartError, exit code 128, 1m57s ago");
  });
});

describe("holmes-kind-missing-env and holmes-kind-oom", () => {
  it("missing-env: the page's cause, DEPLOY_ENV", async () => {
    const r = await scan("holmes-kind-missing-env");
    expect(r.out.findings.find((f) => f.pitfall === "crashloopbackoff")?.message).toContain(
      "because environment variable DEPLOY_ENV is missing",
    );
    expect(r.out.unexplained).toEqual([]);
  });

  it("oom: OOMKilled at 100Mi, and the crash loop says it is because of the OOM kill", async () => {
    const r = await scan("holmes-kind-oom");
    expect(r.out.findings.find((f) => f.pitfall === "oomkilled")?.message).toContain("memory limit of 100Mi");
    expect(r.out.findings.find((f) => f.pitfall === "crashloopbackoff")?.message).toContain(
      "because it is OOMKilled: its memory limit is 100Mi",
    );
  });
});

describe("k3d-supportbundle-raw and k3s-baseline-supportbundle-raw", () => {
  it("k3d: the ClusterIP timed out from inside pods (the timeout variant), nothing CRITICAL now", async () => {
    const r = await scan("k3d-supportbundle-raw");
    const clusterip = r.out.findings.filter((f) => f.pitfall === "k3s-clusterip-broken-from-inside-pods");
    expect(clusterip.map((f) => f.object.name).sort()).toEqual([
      "local-path-provisioner-7b7dc8d6f5-45btl",
      "metrics-server-668d979685-wttxd",
      "traefik-7cd4fcff68-9blj6",
    ]);
    expect(evidence(clusterip[0]).join("\n")).toContain("dial tcp 10.43.0.1:443: i/o timeout");
    expect(r.out.findings.filter((f) => f.severity === "CRITICAL")).toEqual([]);
  });

  it("k3s baseline: healthy, no incident finding; k3s's own workloads' latent risks are one line", async () => {
    const r = await scan("k3s-baseline-supportbundle-raw");
    expect(r.out.findings).toEqual([]);
    expect(r.out.unexplained).toEqual([]);
    expect(r.out.grouped).toMatchObject([{ namespace: "kube-system", findings: 14 }]);
    const all = await scan("k3s-baseline-supportbundle-raw", "--include-system");
    expect(all.out.findings).toHaveLength(14);
    expect(all.out.findings.every((f) => f.kind === "latent")).toBe(true);
  });
});

describe("minikube-troubleshoot-failures: troubleshoot's analyzer cases", () => {
  it("OOMKilled, both init-demo crash loops, the GPU pod starved, the rest unexplained with what holds them", async () => {
    const r = await scan("minikube-troubleshoot-failures");
    const now = r.found.filter((f) => !f.includes(" latent "));
    expect(now).toEqual([
      "HIGH oomkilled Pod/message-oomkill-pod/oom-kill-job3-gbb89 memory-eater",
      "HIGH resource-starvation Pod/message-pending-pod-resources/pending-pod-resources-5fddcf7688-djjfc",
      "MEDIUM crashloopbackoff Pod/message-pod-crashloop-backoff/init-demo nginx",
      "MEDIUM crashloopbackoff Pod/message-pod-init-crashloop-backoff/init-demo2 install",
    ]);
    const gpu = byName(r, "pending-pod-resources-5fddcf7688-djjfc")[0];
    expect(gpu?.message).toContain("no node has enough nvidia.com/gpu free");
    const init = byName(r, "init-demo2").find((f) => f.pitfall === "crashloopbackoff");
    expect(runs(init)).toEqual([
      "kubectl describe pod init-demo2 -n message-pod-init-crashloop-backoff",
      "kubectl get events -n message-pod-init-crashloop-backoff --field-selector involvedObject.name=init-demo2",
    ]);
    expect(r.out.unexplained.map((u) => `${u.pod.name} ${u.reason}`)).toEqual([
      "troubleshoot-copyfromhost-4m79m-psdjm FailedMount",
      "no-image-deployment-849c4c4958-rxqmt ErrImagePull",
      "kotsadm-b6cb54c8f-zgzrn Unschedulable",
      "init-demo CrashLoopBackOff",
      "init-demo2 RunContainerError",
    ]);
    const affinity = r.out.unexplained.find((u) => u.reason === "Unschedulable")!;
    expect(affinity.message).toContain("didn't match Pod's node affinity/selector");
    const mount = r.out.unexplained.find((u) => u.reason === "FailedMount")!;
    expect(mount.message).toContain("/var/lib/collectd is not a directory");
  });

  it("with --zone 1 the image pull is the page's Image Pull Failures, no longer unexplained", async () => {
    const r = await scan("minikube-troubleshoot-failures", "--zone", "1");
    expect(r.found).toContain(
      "MEDIUM image-pull-failures-zone-1 Pod/message-image-pull-fail/no-image-deployment-849c4c4958-rxqmt demo-deployment-container",
    );
    expect(r.out.unexplained.some((u) => u.reason === "ErrImagePull")).toBe(false);
  });
});
