// MCP check_command as agents call it: the SDK's Client over stdio (pitfall mcp, the built bin) and over HTTP
// (pitfall serve /mcp), where without the token only the server's own cluster is consulted and no file is read.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { type PitfallServer, startServer } from "../../src/server/app.js";
import { scanFeed } from "../../src/server/feeds.js";
import { waitReady } from "../server/support.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { writeKubeconfig } from "../sim/kubeconfig.js";
import { BIN } from "../support/cli.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
const TOKEN = "guard-token-for-tests";
const RAISE = "kubectl set resources deploy/ge-executor -n ge-agents --limits=memory=2Gi";

interface Answer {
  verdict: string;
  matches: { pitfall: string; why: string[]; runbook: { kind: string; text: string }[] }[];
  unchecked: { pitfall: string; reason: string }[];
  notes: { message: string }[];
  findings: { pitfall: string }[];
}

let dir: string;
let staging: Sim;
let prod: Sim;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-guard-mcp-"));
  [staging, prod] = await Promise.all([
    startSimulator({ cluster: BROKEN }),
    startSimulator({ cluster: BROKEN }),
  ]);
  kubeconfig = writeKubeconfig(join(dir, "kubeconfig"), [
    staging.kubeconfigEntry("staging"),
    prod.kubeconfigEntry("prod"),
  ]);
  writeFileSync(
    join(dir, "hostnet.yaml"),
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: probe\nspec:\n  hostNetwork: true\n  containers:\n    - name: probe\n      image: probe:1.0\n",
  );
}, 60_000);
afterAll(async () => {
  await Promise.all([staging?.close(), prod?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function answerOf(client: Client, command: string): Promise<Answer & { text: string }> {
  const r = (await client.callTool({ name: "check_command", arguments: { command } })) as CallToolResult;
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  const text = r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
  return { ...(r.structuredContent as unknown as Answer), text };
}

describe("over stdio (pitfall mcp)", () => {
  let client: Client;
  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--kubeconfig", kubeconfig, "--context", "staging"],
      env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" },
      cwd: dir,
      stderr: "pipe",
    });
    client = new Client({ name: "guard-test", version: "1.0.0" });
    await client.connect(transport);
  });
  afterAll(async () => client?.close());

  it("is listed read-only, with the command as its one required argument", async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === "check_command")!;
    expect(tool.inputSchema.required).toEqual(["command"]);
    expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it("stops raising the memory limit of the workload the cluster shows OOMKilled, and fills its runbook", async () => {
    const a = await answerOf(client, RAISE);
    expect(a.verdict).toBe("match");
    expect(a.matches.map((m) => m.pitfall)).toEqual(["oomkilled"]);
    expect(a.matches[0]!.why.join("\n")).toMatch(
      /deployment\/ge-executor in ge-agents was OOMKilled \(ge-executor-/,
    );
    expect(a.matches[0]!.runbook).toContainEqual({
      kind: "RUN",
      text: expect.stringMatching(
        /^kubectl describe pod ge-executor-\S+ -n ge-agents \| grep -A 5 "Last State"$/,
      ),
    });
    expect(a.text).toContain("✗ OOMKilled (oomkilled, HIGH)");
  });

  it("lets read-only commands and other workloads through", async () => {
    expect((await answerOf(client, "kubectl get pods -n ge-agents | grep executor")).verdict).toBe("fine");
    expect(
      (await answerOf(client, "kubectl set resources deploy/ge-notes -n ge-agents --limits=memory=1Gi"))
        .verdict,
    ).toBe("fine");
  });

  it("reads the manifests the command applies from the server's working directory", async () => {
    const a = await answerOf(client, "kubectl apply -f hostnet.yaml");
    expect(a.findings.map((f) => f.pitfall)).toContain("hostnetwork-causes-port-conflicts");
  });
});

describe("over HTTP (pitfall serve /mcp)", () => {
  let server: PitfallServer;
  beforeAll(async () => {
    const loadKb = () => loadKnowledgeBase({ cwd: process.cwd() });
    const kb = await loadKb();
    const config = defaultConfig();
    const live = { contexts: ["staging"], kubeconfig, cwd: dir };
    server = await startServer({
      port: 0,
      kb,
      config,
      feed: scanFeed({ request: { kb, config, cwd: dir, live }, intervalMs: 0 }),
      token: TOKEN,
      version: "test",
      processMetrics: false,
      mcp: {
        cwd: dir,
        config,
        loadKb,
        target: { contexts: ["staging"], kubeconfig, timeoutMs: 10_000 },
        redis: { timeoutMs: 2000, idleMs: 300_000, maxDeliveries: 5 },
        pathRoots: [],
        version: "test",
      },
    });
    await waitReady(server.url);
  });
  afterAll(async () => server?.close());

  async function withClient<T>(headers: Record<string, string>, fn: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({ name: "guard-http-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }),
    );
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  it("consults the server's own context without the token", async () => {
    const a = await withClient({}, (c) => answerOf(c, RAISE));
    expect(a.matches.map((m) => m.pitfall)).toEqual(["oomkilled"]);
  });

  it("never reaches a context the command names that is not the server's, unless the caller has the token", async () => {
    const before = prod.requests.length;
    const a = await withClient({}, (c) =>
      answerOf(c, `kubectl --context prod ${RAISE.slice("kubectl ".length)}`),
    );
    expect(a.verdict).toBe("unchecked");
    expect(a.unchecked[0]!.reason).toMatch(
      /without the server's token, the cluster tools read only its own context \(staging\)/,
    );
    expect(prod.requests.length).toBe(before);
    const trusted = await withClient({ Authorization: `Bearer ${TOKEN}` }, (c) =>
      answerOf(c, `kubectl --context prod ${RAISE.slice("kubectl ".length)}`),
    );
    expect(trusted.matches.map((m) => m.pitfall)).toEqual(["oomkilled"]);
    expect(prod.requests.length).toBeGreaterThan(before);
  });

  it("reads no file the command names without the token", async () => {
    const a = await withClient({}, (c) => answerOf(c, "kubectl apply -f hostnet.yaml"));
    expect(a.findings).toEqual([]);
    expect(a.notes.map((n) => n.message)).toContain(
      "the files it names were not read: over HTTP this server reads files only for callers with its token",
    );
  });
});
