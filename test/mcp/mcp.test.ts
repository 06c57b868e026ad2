// `pitfall mcp` as an agent meets it: the SDK's Client over stdio, spawning the built bin (npm run build first),
// reading a dump written from the broken-k3s fixture, adding to a temp copy of the team's page.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../sim/index.js";
import { seedStreams } from "../streams/fixture.js";
import { BIN, runCli } from "../support/cli.js";
import {
  client as redisClient,
  freePort,
  type RedisServer,
  redisAvailable,
  startRedis,
} from "../support/redis.js";
import { BROKEN, writeFixtureDump } from "./fixture-dump.js";

const CRASHING = "dolly-orchestrator-5d8c7b9f6d-q7xkz";

interface Connected {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

async function connect(args: string[], env: Record<string, string> = {}): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp", ...args],
    env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const client = new Client({ name: "pitfall-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

async function call(
  c: Connected,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult & { text: string }> {
  const r = (await c.client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
  return { ...r, text };
}

let dir: string;
let dump: string;
let page: string;
let mcp: Connected;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-mcp-"));
  dump = writeFixtureDump(BROKEN, join(dir, "dump"), new Date());
  page = join(dir, "kubernetes-pitfalls.md");
  copyFileSync("test/fixtures/pages/team-page.md", page);
  mcp = await connect(["--from", dump, "--page", page]);
});
afterAll(async () => {
  await mcp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("tools/list", () => {
  let tools: Map<string, Tool>;
  beforeAll(async () => {
    tools = new Map((await mcp.client.listTools()).tools.map((t) => [t.name, t]));
  });

  it("lists the eleven tools, each with a description written for an agent and an object schema", () => {
    expect([...tools.keys()].sort()).toEqual([
      "add_pitfall",
      "check_command",
      "check_streams",
      "draft_pitfall",
      "explain",
      "lint_manifests",
      "list_pitfalls",
      "scan",
      "search_pitfalls",
      "show_pitfall",
      "upgrade_check",
    ]);
    for (const t of tools.values()) {
      expect(t.inputSchema.type).toBe("object");
      expect(t.description!.length).toBeGreaterThan(80);
      expect(t.annotations?.title).toBeTruthy();
    }
  });

  it("schemas name what is required and describe each argument", () => {
    const schema = (name: string) =>
      tools.get(name)!.inputSchema as {
        required?: string[];
        properties: Record<string, Record<string, unknown>>;
      };
    expect(schema("search_pitfalls").required).toEqual(["query"]);
    expect(Object.keys(schema("search_pitfalls").properties)).toEqual(["query", "zone", "limit"]);
    expect(schema("search_pitfalls").properties.limit).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 50,
    });
    expect(schema("show_pitfall").required).toEqual(["id"]);
    expect(schema("list_pitfalls").properties.severity!.enum).toEqual(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);
    expect(schema("scan").required ?? []).toEqual([]);
    expect(Object.keys(schema("scan").properties)).toEqual(["namespace", "context", "from", "max_findings"]);
    expect(schema("explain").required).toEqual(["kind", "name"]);
    expect(schema("lint_manifests").required).toEqual(["yaml"]);
    expect(schema("upgrade_check").required).toEqual(["to"]);
    expect(schema("check_streams").required ?? []).toEqual([]);
    expect(Object.keys(schema("check_streams").properties)).not.toContain("password");
    const steps = schema("add_pitfall").properties.steps as {
      items: { properties: { kind: { enum: string[] } } };
    };
    expect(steps.items.properties.kind.enum).toEqual([
      "IF",
      "THEN",
      "RUN",
      "CHECK",
      "FIX",
      "ANTI_PATTERN",
      "READ_ALSO",
    ]);
    for (const [name, s] of ["search_pitfalls", "scan", "explain", "add_pitfall"].map(
      (n) => [n, schema(n)] as const,
    ))
      for (const [arg, p] of Object.entries(s.properties))
        expect(p.description, `${name}.${arg}`).toBeTruthy();
  });

  it("hints: everything reads only, except add_pitfall, which adds and destroys nothing; the cluster tools reach out", () => {
    const hints = (name: string) => tools.get(name)!.annotations!;
    for (const name of [
      "search_pitfalls",
      "show_pitfall",
      "list_pitfalls",
      "scan",
      "explain",
      "lint_manifests",
      "check_streams",
      "upgrade_check",
      "draft_pitfall",
      "check_command",
    ]) {
      expect(hints(name), name).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    }
    expect(hints("add_pitfall")).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    for (const name of [
      "scan",
      "explain",
      "check_streams",
      "upgrade_check",
      "check_command",
      "draft_pitfall",
    ])
      expect(hints(name).openWorldHint, name).toBe(true);
    for (const name of ["search_pitfalls", "show_pitfall", "list_pitfalls", "lint_manifests"])
      expect(hints(name).openWorldHint, name).toBe(false);
  });
});

describe("knowledge-base tools", () => {
  it("search_pitfalls: 'exit code 137' finds oomkilled first", async () => {
    const r = await call(mcp, "search_pitfalls", { query: "exit code 137" });
    expect(r.isError).toBeFalsy();
    expect(r.text.split("\n")[0]).toMatch(/^1\. oomkilled — OOMKilled \(HIGH, zone ALL\)/);
    const hits = (r.structuredContent as { hits: { id: string }[] }).hits;
    expect(hits[0]).toMatchObject({ id: "oomkilled", severity: "HIGH", zones: ["ALL"] });
    expect(hits.length).toBeLessThanOrEqual(5);
  });

  it("search_pitfalls: a zone keeps only that zone's pitfalls; nothing found says what to try", async () => {
    const r = await call(mcp, "search_pitfalls", { query: "ImagePullBackOff", zone: "1", limit: 1 });
    expect((r.structuredContent as { hits: { id: string }[] }).hits.map((h) => h.id)).toEqual([
      "image-pull-failures-zone-1",
    ]);
    const none = await call(mcp, "search_pitfalls", { query: "qwertyuiop zxcvbnm" });
    expect(none.text).toContain("no pitfall matches");
  });

  it("show_pitfall: the steps verbatim; an unknown id is a tool error that says where to look", async () => {
    const r = await call(mcp, "show_pitfall", { id: "crashloopbackoff" });
    expect(r.text).toContain("RUN: kubectl logs {pod-name} -n ge-{namespace} --previous");
    expect((r.structuredContent as { steps: { kind: string }[] }).steps[0]).toEqual({
      kind: "IF",
      text: "pod is in CrashLoopBackOff",
    });
    const bad = await call(mcp, "show_pitfall", { id: "crashloop" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toBe(
      "no pitfall with id 'crashloop'; did you mean crashloopbackoff? Use search_pitfalls or list_pitfalls to find ids.",
    );
  });

  it("list_pitfalls: zone 1 and HIGH or worse", async () => {
    const r = await call(mcp, "list_pitfalls", { zone: "1", severity: "HIGH" });
    const ids = (r.structuredContent as { pitfalls: { id: string }[] }).pitfalls.map((p) => p.id);
    expect(ids).toEqual([
      "k3s-clusterip-broken-from-inside-pods",
      "hostnetwork-causes-port-conflicts",
      "resource-starvation",
      "oomkilled",
      "python-module-caching",
      "etcd-upgrade-path",
    ]);
  });
});

describe("cluster tools on the dump", () => {
  it("scan: the crash-looping pod, with its evidence and its filled kubectl logs --previous command", async () => {
    const r = await call(mcp, "scan", { namespace: "ge-agents" });
    expect(r.isError).toBeFalsy();
    expect(r.text.split("\n")[0]).toMatch(/^dump .*: \d+ objects; zone 1 \(k3s\)/);
    const block = r.text
      .split("\n\n")
      .find((b) => b.includes(`Pod ge-agents/${CRASHING}`) && b.includes("crashloopbackoff"))!;
    expect(block).toMatch(/^CRITICAL CrashLoopBackOff \(crashloopbackoff\)/);
    expect(block).toContain("Redis refused the connection at redis:6379, but Redis listens on 6381");
    expect(block).toContain(
      "log (previous log): redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    );
    expect(block).toContain(`RUN: kubectl logs ${CRASHING} -n ge-agents --previous`);
    const s = r.structuredContent as {
      findings: {
        pitfall: string;
        object: { name: string; namespace?: string };
        runbook: { kind: string; text: string }[];
      }[];
      total: number;
    };
    expect(s.findings.every((f) => f.object.namespace === "ge-agents")).toBe(true);
    const crash = s.findings.find((f) => f.pitfall === "crashloopbackoff" && f.object.name === CRASHING)!;
    expect(crash.runbook).toContainEqual({
      kind: "RUN",
      text: `kubectl logs ${CRASHING} -n ge-agents --previous`,
    });
  });

  it("scan: max_findings cuts the list and says how to see the rest", async () => {
    const r = await call(mcp, "scan", { max_findings: 2 });
    const s = r.structuredContent as { findings: unknown[]; total: number };
    expect(s.findings).toHaveLength(2);
    expect(r.text).toContain(
      `… ${s.total - 2} more findings not shown: give a namespace, or raise max_findings`,
    );
  });

  it("scan: `from` names a dump on the server's machine (allowed over stdio); with `context` too it is refused", async () => {
    const r = await call(mcp, "scan", { from: dump, namespace: "ge-system" });
    expect((r.structuredContent as { total: number }).total).toBeGreaterThan(0);
    const both = await call(mcp, "scan", { from: dump, context: "prod" });
    expect(both.isError).toBe(true);
    expect(both.text).toContain("not both");
    const ctx = await call(mcp, "scan", { context: "prod" });
    expect(ctx.isError).toBe(true);
    expect(ctx.text).toContain("leave out `context`");
  });

  it("explain: a crash-looping pod's events, previous log excerpt, owners and finding", async () => {
    const r = await call(mcp, "explain", { kind: "pod", namespace: "ge-agents", name: CRASHING });
    expect(r.isError).toBeFalsy();
    expect(r.text).toContain(
      `Pod ge-agents/${CRASHING} → ReplicaSet ge-agents/dolly-orchestrator-5d8c7b9f6d → Deployment ge-agents/dolly-orchestrator`,
    );
    expect(r.text).toMatch(/Events \(newest last\)\n(.*\n)*.*Warning BackOff x8421/);
    expect(r.text).toContain(`Previous log of ${CRASHING}/orchestrator`);
    expect(r.text).toContain(
      "| redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    );
    expect(r.text).toContain(`RUN: kubectl logs ${CRASHING} -n ge-agents --previous`);
    const s = r.structuredContent as {
      owners: { kind: string }[];
      events: { reason: string }[];
      logs: { previous: boolean }[];
    };
    expect(s.owners.map((o) => o.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(s.events.at(-1)!.reason).toBe("BackOff");
    expect(s.logs[0]!.previous).toBe(true);
  });

  it("explain: a deployment by short kind; a missing object is a tool error with close names", async () => {
    const r = await call(mcp, "explain", { kind: "deploy", namespace: "ge-agents", name: "ge-executor" });
    expect((r.structuredContent as { pods: { name: string }[] }).pods.map((p) => p.name)).toEqual([
      "ge-executor-59d7c8b6f4-m2xqp",
    ]);
    const missing = await call(mcp, "explain", {
      kind: "pod",
      namespace: "ge-agents",
      name: "dolly-orchestrator",
    });
    expect(missing.isError).toBe(true);
    expect(missing.text).toBe(
      `no Pod dolly-orchestrator in namespace ge-agents; close: ${CRASHING}. Call scan (or explain with a listed name) to see what exists.`,
    );
    const kind = await call(mcp, "explain", { kind: "widget", name: "x" });
    expect(kind.isError).toBe(true);
    expect(kind.text).toMatch(/^unknown kind 'widget': give one of pod \(po\)/);
  });

  it("upgrade_check: 1.33.4 → 1.34 needs steps first; → 1.33.9 is safe; a non-version is refused", async () => {
    const r = await call(mcp, "upgrade_check", { to: "v1.34.1+k3s1" });
    expect(r.structuredContent).toMatchObject({
      verdict: "needs-steps",
      from: ["v1.33.4+k3s1"],
      pitfall: { id: "etcd-upgrade-path" },
    });
    expect(r.text).toContain("first move k3s-server-1 (k3s v1.33.4+k3s1) to a k3s release with etcd v3.5.26");
    expect(r.text).toContain("THEN: back up etcd data before the upgrade");
    expect(r.text).toContain("Do not upgrade yet");
    const safe = await call(mcp, "upgrade_check", { to: "v1.33.9+k3s1" });
    expect(safe.structuredContent).toMatchObject({ verdict: "safe" });
    const bad = await call(mcp, "upgrade_check", { to: "latest" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toBe("'latest' is not a k3s version: write one like v1.34.1+k3s1 (or 1.34)");
  });
});

describe("cluster tools on a live cluster (the simulator)", () => {
  it("scan and explain read the namespace through the API; a cluster that is gone is a tool error, not a clean scan", async () => {
    const sim = await startSimulator({ cluster: BROKEN });
    const kubeconfig = sim.writeKubeconfig(dir, { context: "k3s-office" });
    const live = await connect(["--kubeconfig", kubeconfig, "--timeout", "10s"]);
    try {
      const scan = await call(live, "scan", { namespace: "ge-agents" });
      expect(scan.text.split("\n")[0]).toMatch(
        /^cluster k3s-office namespace ge-agents: \d+ objects; zone 1 \(k3s\)/,
      );
      expect(scan.text).toContain(`RUN: kubectl logs ${CRASHING} -n ge-agents --previous`);
      const paths = sim.requests.map((r) => r.path);
      expect(paths).toContain("/api/v1/namespaces/ge-agents/pods");
      expect(paths).not.toContain("/api/v1/pods");
      const explain = await call(live, "explain", { kind: "po", namespace: "ge-agents", name: CRASHING });
      expect(explain.text).toContain(`Previous log of ${CRASHING}/orchestrator`);
      const noNamespace = await call(live, "explain", { kind: "pod", name: CRASHING });
      expect(noNamespace.isError).toBe(true);
      expect(noNamespace.text).toBe(
        "give the Pod's namespace: explain reads one namespace of a live cluster",
      );
      const upgrade = await call(live, "upgrade_check", { to: "1.34" });
      expect(upgrade.structuredContent).toMatchObject({ verdict: "needs-steps", context: "k3s-office" });
      await sim.close();
      const gone = await call(live, "scan", { namespace: "ge-agents" });
      expect(gone.isError).toBe(true);
      expect(gone.text).toMatch(
        /^nothing could be read from cluster k3s-office: cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
      );
      expect(gone.text).toContain("Check that the cluster is reachable");
      const goneNodes = await call(live, "upgrade_check", { to: "1.34" });
      expect(goneNodes.isError).toBe(true);
      expect(goneNodes.text).toMatch(/^cannot reach the Kubernetes API: cannot connect to/);
    } finally {
      await live.close();
      await sim.close().catch(() => {});
    }
  });
});

describe("lint_manifests", () => {
  const yaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: webhook-relay
  namespace: ge-system
spec:
  replicas: 2
  selector:
    matchLabels: { app: webhook-relay }
  template:
    metadata:
      labels: { app: webhook-relay }
    spec:
      hostNetwork: true
      containers:
        - name: relay
          image: ge/webhook-relay:1.2.0
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 200m, memory: 128Mi }
`;

  it("hostNetwork: a finding at its line, with the page's FIX lines", async () => {
    const r = await call(mcp, "lint_manifests", { yaml, filename: "relay.yaml" });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      findings: { pitfall: string; file: string; line: number; column: number }[];
    };
    expect(s.findings.map((f) => [f.pitfall, f.file, f.line, f.column])).toEqual([
      ["hostnetwork-causes-port-conflicts", "relay.yaml", 14, 7],
    ]);
    expect(r.text).toContain("relay.yaml:14:7 · Deployment ge-system/webhook-relay");
    expect(r.text).toContain("FIX: use ClusterIP Services + Ingress for external access");
  });

  it("a zone the config and pages do not know is refused as the CLI refuses it", async () => {
    const r = await call(mcp, "lint_manifests", { yaml, zone: "9" });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("unknown zone '9': the config and pages know zone 1, 2, 3");
    const cli = await runCli(["lint", "-", "--zone", "9"], { stdin: yaml });
    expect(cli.code).toBe(2);
    expect(cli.err).toContain("unknown zone '9': the config and pages know zone 1, 2, 3");
  });

  it("text without Kubernetes objects is a tool error that says what a document needs", async () => {
    const r = await call(mcp, "lint_manifests", { yaml: "just: text\n" });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("no Kubernetes objects in the text (each document needs apiVersion and kind)");
  });
});

describe("add_pitfall", () => {
  const entry = {
    title: "PVC Stuck Terminating",
    severity: "MEDIUM",
    zone: "ALL",
    steps: [
      { kind: "IF", text: "a PVC is stuck in Terminating" },
      { kind: "THEN", text: "find the pods still using it" },
      { kind: "RUN", text: "kubectl get pods -n ge-{namespace} -o wide | grep {pvc-name}" },
    ],
    added_from: "storage-2026-04, PVC blocked a redeploy",
  };

  it("writes a valid entry: the page lints clean and has the new id, which search then finds", async () => {
    const r = await call(mcp, "add_pitfall", entry);
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      action: "added",
      id: "pvc-stuck-terminating",
      page,
      lint: { errors: [] },
    });
    expect(r.text).toMatch(
      /^added pvc-stuck-terminating \("PVC Stuck Terminating"\) at .*kubernetes-pitfalls\.md:\d+\nthe page lints clean$/,
    );
    const lint = await runCli(["kb", "lint", page]);
    expect(lint.code).toBe(0);
    const list = await runCli(["kb", "list", "--no-builtin", "--kb", page, "-o", "json"]);
    expect(JSON.parse(list.out).map((p: { id: string }) => p.id)).toContain("pvc-stuck-terminating");
    expect(readFileSync(page, "utf8")).toContain("ADDED_FROM: storage-2026-04, PVC blocked a redeploy");
    const found = await call(mcp, "search_pitfalls", { query: "PVC stuck in Terminating" });
    expect((found.structuredContent as { hits: { id: string }[] }).hits[0]!.id).toBe("pvc-stuck-terminating");
  });

  it("the same entry again changes nothing", async () => {
    const before = readFileSync(page, "utf8");
    const r = await call(mcp, "add_pitfall", entry);
    expect(r.structuredContent).toMatchObject({ action: "unchanged", id: "pvc-stuck-terminating" });
    expect(readFileSync(page, "utf8")).toBe(before);
  });

  it("an invalid entry is a tool error with the page's rule, and nothing is written", async () => {
    const before = readFileSync(page, "utf8");
    const bad = await call(mcp, "add_pitfall", {
      entry: "Disk Full\n\nSeverity: HUGE\nZone: ALL\n\nTHEN: clean up\n",
    });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(
      /the entry is not valid:\n(line \d+: .*\n)*line 3: Severity "HUGE" is not one of CRITICAL, HIGH, MEDIUM, LOW/,
    );
    expect(bad.text).toContain("nothing was written");
    const half = await call(mcp, "add_pitfall", { title: "Disk Full", severity: "LOW" });
    expect(half.isError).toBe(true);
    expect(half.text).toBe(
      "missing zone, added_from, steps: give title, severity, zone, steps and added_from (or the whole entry as `entry`)",
    );
    expect(readFileSync(page, "utf8")).toBe(before);
  });

  it("without a configured page it refuses", async () => {
    const other = await connect(["--from", dump]);
    try {
      const r = await call(other, "add_pitfall", entry);
      expect(r.isError).toBe(true);
      expect(r.text).toContain(
        "no page is configured to add to: the server must be started with --page <file>",
      );
    } finally {
      await other.close();
    }
  });
});

describe.runIf(redisAvailable())("check_streams against a real redis-server", () => {
  const PASSWORD = "mcp-s3cret-pw";
  let redis: RedisServer;
  let withRedis: Connected;

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    const r = redisClient(redis);
    await seedStreams(r);
    r.disconnect();
    withRedis = await connect(["--from", dump, "--redis", redis.url], { REDIS_PASSWORD: PASSWORD });
  });
  afterAll(async () => {
    await withRedis?.close();
    await redis?.stop();
  });

  it("finds the dead consumers with the XPENDING/XCLAIM runbook; the password is never shown", async () => {
    const r = await call(withRedis, "check_streams", { streams: "triggers.*" });
    expect(r.isError).toBeFalsy();
    expect(r.text.split("\n")[0]).toMatch(
      new RegExp(`^redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port} · Redis \\d`),
    );
    expect(r.text).toMatch(/triggers\.alpha \/ ge-executor-group: \d+ pending/);
    expect(r.text).toContain("executor-old-1");
    expect(r.text).toContain(
      `RUN: redis-cli -h 127.0.0.1 -p ${redis.port} -a $REDIS_PASSWORD XPENDING triggers.alpha ge-executor-group`,
    );
    const s = r.structuredContent as { findings: { rule: string; object: { name: string } }[] };
    expect(s.findings.some((f) => f.rule === "stale-consumer" && f.object.name === "executor-old-1")).toBe(
      true,
    );
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
    expect(withRedis.stderr()).not.toContain(PASSWORD);
  });

  it("a password in `url` is refused without being echoed", async () => {
    const r = await call(withRedis, "check_streams", { url: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("do not put a password in `url`");
    expect(r.text).not.toContain(PASSWORD);
  });

  it("nothing listening: a tool error that says what to check", async () => {
    const port = await freePort();
    const r = await call(withRedis, "check_streams", { url: `redis://127.0.0.1:${port}` });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`127.0.0.1:${port}`);
    expect(r.text).toContain("Check the Redis URL");
    expect(r.text).not.toContain(PASSWORD);
  });
});
