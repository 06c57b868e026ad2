// Unexplained failures: failing pods that no pitfall explains are listed with their evidence (status, last events,
// last redacted log lines) and the commands that gather more; by the service, `scan` (text and JSON), the API,
// the dashboard and MCP. The fixture cluster (test/fixtures/clusters/unexplained.yaml) says which pod must be
// listed, with which reason.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import type { Unexplained } from "../../src/model/unexplained.js";
import { type PitfallServer, startServer } from "../../src/server/app.js";
import { scanFeed } from "../../src/server/feeds.js";
import { analyse } from "../../src/service/scan.js";
import { unexplainedOf } from "../../src/service/unexplained.js";
import { builtinKb, HEALTHY, loadSnapshot, NOW } from "../live-rules/support.js";
import { testMcpDeps, waitReady, withMcpClient } from "../server/support.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";

const FIXTURE = "test/fixtures/clusters/unexplained.yaml";
const EXEC_FORMAT = "fire-exec-format-6d9f7c8b5d-x2k4q";

async function unexplainedIn(file: string): Promise<Unexplained[]> {
  const snapshot = loadSnapshot(file);
  const kb = await builtinKb();
  const config = defaultConfig();
  const { result, summary } = analyse(snapshot, { kb, config, now: NOW });
  return unexplainedOf(snapshot, result, { config, now: NOW, zone: summary.zone });
}

/** `fire-` pods and the reason their `pitfall.test/unexplained` annotation expects. */
function expected(): Map<string, string> {
  const snapshot = loadSnapshot(FIXTURE);
  const out = new Map<string, string>();
  for (const o of snapshot.objects) {
    const want = o.object.metadata?.annotations?.["pitfall.test/unexplained"];
    if (typeof want === "string") out.set(String(o.object.metadata?.name), want);
  }
  return out;
}

describe("unexplained failures (service)", () => {
  it("lists every failing pod no pitfall explains, with its reason, and none of the others", async () => {
    const list = await unexplainedIn(FIXTURE);
    const want = expected();
    expect(want.size).toBe(5);
    expect(new Map(list.map((u) => [u.pod.name, u.reason]))).toEqual(want);
    expect(list.every((u) => !u.pod.name.startsWith("dont-fire-"))).toBe(true);
  });

  it("gives the exec-format crash loop its owner, restarts, last events, last log lines and commands", async () => {
    const u = (await unexplainedIn(FIXTURE)).find((x) => x.pod.name === EXEC_FORMAT)!;
    expect(u).toMatchObject({
      pod: { kind: "Pod", namespace: "shop", name: EXEC_FORMAT },
      owner: { kind: "Deployment", namespace: "shop", name: "stress" },
      reason: "CrashLoopBackOff",
      container: "stress",
      role: "regular",
      restarts: 7,
      for: "1h58m",
      source: "status.containerStatuses[0].state.waiting",
      reportedAs: ["crashloopbackoff"],
      context: "unexplained",
    });
    expect(u.status).toContain("CrashLoopBackOff");
    expect(u.events.map((e) => e.text)).toEqual([
      expect.stringMatching(/^Warning BackOff \(x31 over 1h58m, last 1m ago\): Back-off restarting/),
    ]);
    expect(u.logs?.source).toBe("previous log");
    expect(u.logs?.lines.at(-1)).toBe("exec /usr/local/bin/stress: exec format error");
    expect(u.commands).toEqual([
      `kubectl describe pod ${EXEC_FORMAT} -n shop --context unexplained`,
      `kubectl logs ${EXEC_FORMAT} -n shop --context unexplained -c stress --previous`,
    ]);
    // The documented key order (model/unexplained.ts), absent keys left out.
    expect(Object.keys(u)).toEqual([
      "pod",
      "owner",
      "reason",
      "container",
      "role",
      "restarts",
      "since",
      "for",
      "message",
      "source",
      "status",
      "reportedAs",
      "events",
      "logs",
      "commands",
      "context",
      "zone",
    ]);
  });

  it("says what holds a pod back when no container ran: events and describe, no logs", async () => {
    const list = await unexplainedIn(FIXTURE);
    const init = list.find((u) => u.pod.name === "fire-init-run-error")!;
    expect(init).toMatchObject({ container: "install", role: "init", restarts: 3 });
    expect(init.message).toContain('exec: "wge": executable file not found');
    expect(init.logs).toEqual({
      source: "termination message",
      lines: ['failed to create containerd task: exec: "wge": executable file not found in $PATH: unknown'],
    });
    const mount = list.find((u) => u.pod.name === "fire-failed-mount")!;
    expect(mount).toMatchObject({ reason: "FailedMount", source: "event FailedMount", for: "29m" });
    expect(mount.container).toBeUndefined();
    expect(mount.commands[1]).toBe(
      "kubectl get events -n shop --context unexplained --field-selector involvedObject.name=fire-failed-mount",
    );
    const pending = list.find((u) => u.pod.name === "fire-unschedulable")!;
    expect(pending.message).toBe(
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
    );
    const probe = list.find((u) => u.pod.name === "fire-readiness")!;
    expect(probe).toMatchObject({ reason: "Unhealthy", container: "api", for: "3h" });
    expect(probe.message).toBe("Readiness probe failed: HTTP probe failed with statuscode: 503");
    expect(probe.logs).toEqual({
      source: "current log",
      lines: ["GET /ready 503 upstream db-primary:5432 unreachable"],
    });
    expect(probe.commands[1]).toBe("kubectl logs fire-readiness -n shop --context unexplained -c api");
  });

  it("a Pending threshold from the config: 30m leaves the 20-minute Pending pod out", async () => {
    const snapshot = loadSnapshot(FIXTURE);
    const config = defaultConfig();
    config.expect.pendingAfter = "30m";
    const { result } = analyse(snapshot, { kb: await builtinKb(), config, now: NOW });
    const names = unexplainedOf(snapshot, result, { config, now: NOW }).map((u) => u.pod.name);
    expect(names).not.toContain("fire-unschedulable");
    expect(names).toContain("fire-failed-mount");
  });

  it("a healthy cluster has none", async () => {
    expect(await unexplainedIn(HEALTHY)).toEqual([]);
  });
});

describe("unexplained failures in scan, the API, the dashboard and MCP", () => {
  let sim: Sim;
  let dir: string;
  let kubeconfig: string;
  let server: PitfallServer;

  beforeAll(async () => {
    sim = await startSimulator({ cluster: FIXTURE });
    dir = mkdtempSync(join(tmpdir(), "pitfall-unexplained-"));
    kubeconfig = sim.writeKubeconfig(dir, { context: "shop" });
    const kb = await loadKnowledgeBase({ cwd: process.cwd() });
    const config = defaultConfig();
    const live = { contexts: [], kubeconfig, cwd: dir };
    server = await startServer({
      port: 0,
      kb,
      loadKb: () => loadKnowledgeBase({ cwd: process.cwd() }),
      config,
      feed: scanFeed({ request: { kb, config, cwd: dir, live }, intervalMs: 0 }),
      version: "test",
      mcp: { ...testMcpDeps(), target: { kubeconfig, cwd: dir } },
    });
    await waitReady(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scan -o json lists them under `unexplained`, log lines redacted", async () => {
    const r = await runCli(["scan", "--kubeconfig", kubeconfig, "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    // Failing pods, explained or not, fail the scan.
    expect(r.code, r.err).toBe(1);
    const json = JSON.parse(r.out) as { unexplained: Unexplained[] };
    expect(new Map(json.unexplained.map((u) => [u.pod.name, u.reason]))).toEqual(expected());
    const u = json.unexplained.find((x) => x.pod.name === EXEC_FORMAT)!;
    expect(u.logs?.lines).toEqual([
      "starting stress with STRESS_TOKEN=***",
      "exec /usr/local/bin/stress: exec format error",
    ]);
    expect(r.out).not.toContain("ghp_abcdefghij");
  });

  it("unexplained failures alone fail the scan as a MEDIUM finding would; a pod whose crash loop is silenced is not listed", async () => {
    const quiet = join(dir, "quiet");
    mkdirSync(quiet, { recursive: true });
    writeFileSync(
      join(quiet, ".pitfall.yaml"),
      "ignore:\n  - pitfalls: [crashloopbackoff]\n    reason: the shop's crash loops are known\n",
    );
    const run = (...flags: string[]) =>
      runCli(["scan", "--kubeconfig", kubeconfig, "-o", "json", ...flags], {
        cwd: quiet,
        env: { HOME: dir },
      });
    const r = await run();
    const json = JSON.parse(r.out) as { findings: unknown[]; unexplained: Unexplained[] };
    expect(json.findings).toEqual([]);
    expect(json.unexplained.map((u) => u.reason).sort()).toEqual([
      "FailedMount",
      "Unhealthy",
      "Unschedulable",
    ]);
    expect(r.code).toBe(1);
    expect((await run("--fail-on", "HIGH")).code).toBe(0);
  });

  it("scan's text has a section of them with the last log lines and the commands", async () => {
    const r = await runCli(["scan", "--kubeconfig", kubeconfig], { cwd: dir, env: { HOME: dir } });
    const section = r.out.slice(r.out.indexOf("unexplained failures"));
    expect(section).toContain(
      `FAILING  shop: Pod shop/${EXEC_FORMAT} · container stress · owner Deployment shop/stress`,
    );
    expect(section).toContain("previous log, last 2 lines:\n    | starting stress with STRESS_TOKEN=***\n");
    expect(section).toContain("| exec /usr/local/bin/stress: exec format error");
    expect(section).toContain(`RUN: kubectl logs ${EXEC_FORMAT} -n shop --context shop -c stress --previous`);
    expect(r.out.trimEnd().split("\n").at(-1)).toMatch(/, 5 unexplained failures$/);
  });

  it("GET /api/findings has them, filtered by namespace like the findings", async () => {
    const all = (await (await fetch(`${server.url}/api/findings`)).json()) as { unexplained: Unexplained[] };
    expect(all.unexplained.map((u) => u.pod.name).sort()).toEqual([...expected().keys()].sort());
    const none = (await (await fetch(`${server.url}/api/findings?namespace=kube-system`)).json()) as {
      unexplained: Unexplained[];
    };
    expect(none.unexplained).toEqual([]);
  });

  it("the dashboard shows them in their own section", async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    expect(page).toContain("Unexplained failures");
    expect(page).toContain("exec /usr/local/bin/stress: exec format error");
    expect(page).not.toContain("ghp_abcdefghij");
  });

  it("MCP scan returns them in its text and structured content", async () => {
    const r = (await withMcpClient(server.url, {}, (c) =>
      c.callTool({ name: "scan", arguments: {} }),
    )) as CallToolResult;
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { unexplained: Unexplained[] };
    expect(s.unexplained.map((u) => u.pod.name).sort()).toEqual([...expected().keys()].sort());
    const text = r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
    expect(text).toContain("unexplained failures");
    expect(text).toContain("| exec /usr/local/bin/stress: exec format error");
  });
});
