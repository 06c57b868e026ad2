// The live rules over the simulator's fixture clusters: every situation of broken-k3s found with its evidence and
// filled runbook; nothing on healthy-k3s.
import { beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/run.js";
import type { Finding } from "../../src/model/finding.js";
import { BROKEN, HEALTHY, LIVE_RULES, loadSnapshot, one, runbookText, scan } from "./support.js";

const evidenceText = (f: Finding) => (f.evidence ?? []).map((e) => `${e.kind}: ${e.text}`).join("\n");

describe("broken-k3s", () => {
  let result: RunResult;
  let findings: Finding[];
  beforeAll(async () => {
    result = await scan(loadSnapshot(BROKEN, { upgradeTo: "v1.34.1+k3s1" }), LIVE_RULES);
    findings = result.findings;
  });

  it("runs every rule without failure or skip", () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.skipped).toEqual([]);
  });

  it("finds the dolly orchestrator's 30-day loop on the wrong Redis port, escalated to CRITICAL", () => {
    const f = one(findings, "dolly-orchestrator-5d8c7b9f6d-q7xkz", "crash-loop-redis-port");
    expect(f.severity).toBe("CRITICAL");
    expect(f.data).toMatchObject({
      container: "orchestrator",
      restarts: 8509,
      duration: "30d",
      since: "first BackOff event",
      host: "redis",
      port: 6379,
      expectedPort: 6381,
    });
    expect(f.evidence).toContainEqual({
      kind: "log",
      text: "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
      source: "previous log",
    });
    expect(f.evidence?.find((e) => e.kind === "history")?.text).toMatch(
      /looping for 30d .*crashLoopEscalateAfter 24h/,
    );
    expect(f.evidence?.find((e) => e.kind === "event")?.text).toMatch(/^Warning BackOff \(x8421 over 30d/);
    expect(runbookText(f)).toContain(
      "RUN: kubectl logs dolly-orchestrator-5d8c7b9f6d-q7xkz -n ge-agents --previous",
    );
  });

  it("classifies each other crash loop from its previous log line", () => {
    const env = one(findings, "ge-ingest-6f7d8b9c5d-nf4kc", "crash-loop-missing-env");
    expect(env.data.variable).toBe("DATABASE_URL");
    expect(evidenceText(env)).toContain("log: KeyError: 'DATABASE_URL'");
    const migration = one(findings, "ge-accounts-7b6c9d8f4c-5cst8", "crash-loop-migration");
    expect(migration.data.detail).toBe('relation "users" does not exist');
    const imports = one(findings, "ge-scheduler-5c9f8d7b6a-6qw4v", "crash-loop-import");
    expect(imports.data.module).toBe("yaml");
    for (const f of [env, migration, imports]) expect(f.severity).toBe("MEDIUM");
  });

  it("reports the container that cannot start for its missing Secret", () => {
    const f = one(findings, "ge-api-74d9c8b6f5-8hvcz", "missing-secret");
    expect(f.data).toMatchObject({ resource: "Secret", name: "ge-api-secrets", container: "api" });
    expect(evidenceText(f)).toContain(
      'status: CreateContainerConfigError: secret "ge-api-secrets" not found',
    );
  });

  it("reports the executor's OOM kill with its limit, and the limit raised 256Mi → 512Mi → 1Gi", () => {
    const oom = one(findings, "ge-executor-59d7c8b6f4-m2xqp", "oom-killed");
    expect(oom.data).toMatchObject({ limit: "1Gi", container: "executor", restarts: 6 });
    const raised = one(findings, "ge-executor", "limit-raised");
    expect(raised.object.kind).toBe("Deployment");
    expect(raised.data).toMatchObject({
      from: "256Mi",
      to: "1Gi",
      revisions: 3,
      pod: "ge-executor-59d7c8b6f4-m2xqp",
    });
    expect(raised.evidence?.filter((e) => e.kind === "history").map((e) => e.text)).toEqual([
      "revision 1 (ge-executor-7b9c5d4f8a): memory limit 256Mi",
      "revision 2 (ge-executor-6f8b7c9d5e): memory limit 512Mi",
      "revision 3 (ge-executor-59d7c8b6f4): memory limit 1Gi",
    ]);
    // The page's RUN is about the pod, whichever object the finding is on.
    expect(runbookText(raised)).toContain(
      'kubectl describe pod ge-executor-59d7c8b6f4-m2xqp -n ge-agents | grep -A 5 "Last State"',
    );
  });

  it("reports the canary's pull of ge-executor:latest with Always, and fills the import commands", () => {
    const f = one(findings, "ge-executor-canary-8d6f5c7b9e-p4x7d", "pull-policy-always");
    expect(f.data).toMatchObject({
      image: "ge-executor:latest",
      reason: "ImagePullBackOff",
      policy: "Always",
    });
    expect(evidenceText(f)).toMatch(
      /event: Warning Failed \(x11 over 40m, last 3m ago\): Failed to pull image "ge-executor:latest"/,
    );
    const text = runbookText(f);
    expect(text).toContain("RUN: sudo k3s ctr images list | grep ge-executor");
    expect(text).toContain("docker build -t ge-executor:latest . && docker save ge-executor:latest");
  });

  it("reports the webhook relay's surge pod stuck on port 8080 mid-rollout", () => {
    const f = one(findings, "ge-webhook-relay-7f8d9c6b45-x6v4q", "rollout-port-conflict");
    expect(f.data).toMatchObject({ owner: "ge-webhook-relay", ports: "8080/TCP" });
    const text = evidenceText(f);
    expect(text).toContain(
      "event: Warning FailedScheduling (x5 over 4m, last 30s ago): 0/2 nodes are available: 2 node(s) didn't have free ports",
    );
    expect(text).toContain(
      "ge-webhook-relay-6c9f7d8b54 (revision 1): 2, ge-webhook-relay-7f8d9c6b45 (revision 2): 1",
    );
  });

  it("reports k3s-agent-1: memory requests over 80%, MemoryPressure, the evicted indexer", () => {
    const over = one(findings, "k3s-agent-1", "requests-over");
    expect(over.data).toMatchObject({ resource: "memory", percent: 87, threshold: 80 });
    const pressure = one(findings, "k3s-agent-1", "pressure");
    expect(pressure.data).toMatchObject({
      condition: "MemoryPressure",
      reason: "KubeletHasInsufficientMemory",
    });
    expect(pressure.evidence?.[0]).toMatchObject({
      kind: "condition",
      text: "MemoryPressure True for 25m: kubelet has insufficient memory available",
    });
    const evicted = one(findings, "k3s-agent-1", "evicted");
    expect(evicted.data).toMatchObject({ count: 1, pod: "ge-indexer-5f6d7c8b9a-zr4tw" });
    expect(evidenceText(evicted)).toContain(
      "ge-agents/ge-indexer-5f6d7c8b9a-zr4tw: The node was low on resource: memory.",
    );
    expect(findings.filter((f) => f.object.name === "k3s-server-1" && f.rule === "node-pressure")).toEqual(
      [],
    );
  });

  it("reports the failing ExternalSecret and fills the page's force-sync command with its real name", () => {
    const f = one(findings, "ge-api-secrets", "sync-failed");
    expect(f.data).toMatchObject({ reason: "SecretSyncedError", target: "ge-api-secrets" });
    expect(f.evidence?.[0]).toMatchObject({
      kind: "condition",
      text: "Ready False (SecretSyncedError): could not get secret data from provider",
    });
    expect(runbookText(f)).toContain(
      "RUN: kubectl annotate externalsecret ge-api-secrets -n ge-system force-sync=$(date +%s) --overwrite",
    );
    // ge-ingest-secrets syncs every 5 minutes and did 3 minutes ago: not late (its short interval is a manifest rule's).
    expect(findings.filter((x) => x.object.name === "ge-ingest-secrets")).toEqual([]);
  });

  it("tells the three Ingress cases apart", () => {
    expect(one(findings, "ge-docs", "ingress-young").data).toMatchObject({ age: "10s" });
    expect(one(findings, "ge-status", "backend-missing").data).toMatchObject({
      service: "ge-status-page",
      route: "status.ge.local/",
    });
    expect(one(findings, "ge-admin", "backend-no-endpoints").data).toMatchObject({
      service: "ge-admin-ui",
      notReady: 1,
    });
    expect(findings.filter((f) => f.object.name === "ge-docs" && f.messageId !== "ingress-young")).toEqual(
      [],
    );
  });

  it("reports ge-admin-ui refused by 10.43.0.1:443 from its log", () => {
    const f = one(findings, "ge-admin-ui-6d8f9b7c5c-r7jmw", "api-refused");
    expect(f.data.address).toBe("10.43.0.1:443");
    expect(f.severity).toBe("CRITICAL");
    expect(f.evidence?.[0]?.text).toContain("dial tcp 10.43.0.1:443: connect: connection refused");
  });

  it("flags the etcd member on v1.33.4 for an upgrade to v1.34, not the agent", () => {
    const f = one(findings, "k3s-server-1", "upgrade-risk");
    expect(f.data).toMatchObject({ version: "v1.33.4+k3s1", etcd: "3.5", toEtcd: "3.6", safe: "3.5.26" });
    expect(evidenceText(f)).toContain("k3s etcd-snapshot save");
    expect(findings.filter((x) => x.rule === "etcd-upgrade" && x.object.name === "k3s-agent-1")).toEqual([]);
  });

  it("leaves the dont-fire workloads alone", () => {
    expect(findings.filter((f) => f.object.name.startsWith("dont-fire"))).toEqual([]);
  });
});

describe("healthy-k3s", () => {
  it("gets no finding from any live rule, with or without an upgrade target", async () => {
    for (const upgradeTo of [undefined, "v1.35.0+k3s1"]) {
      const result = await scan(loadSnapshot(HEALTHY, upgradeTo ? { upgradeTo } : {}), LIVE_RULES);
      expect(result.diagnostics).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.findings.map((f) => `${f.rule} ${f.object.name} ${f.messageId}`)).toEqual([]);
    }
  });
});

describe("broken-k3s without an upgrade target", () => {
  it("does not run the etcd check", async () => {
    const result = await scan(loadSnapshot(BROKEN), LIVE_RULES);
    expect(result.findings.filter((f) => f.rule === "etcd-upgrade")).toEqual([]);
  });
});
