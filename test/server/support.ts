// A server on a free port, its findings from a simulator cluster (scanned or watched), and the team's page in a
// temporary folder for POST /api/pitfalls.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import type { McpDeps } from "../../src/mcp/deps.js";
import { type PitfallServer, type ServerOptions, startServer } from "../../src/server/app.js";
import { type Feed, scanFeed, watchFeed } from "../../src/server/feeds.js";
import { type Fault, type Sim, startSimulator } from "../sim/index.js";
import { waitFor } from "../watch/support.js";

export const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
export const TEAM_PAGE = "test/fixtures/pages/team-page.txt";

export interface TestServer {
  url: string;
  server: PitfallServer;
  sim: Sim;
  dir: string;
  kubeconfig: string;
  page: string;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: { watch?: boolean; server?: Partial<ServerOptions>; feed?: Feed; faults?: Fault[] } = {},
): Promise<TestServer> {
  const sim = await startSimulator({ cluster: BROKEN, ...(opts.faults ? { faults: opts.faults } : {}) });
  const dir = mkdtempSync(join(tmpdir(), "pitfall-serve-"));
  const kubeconfig = sim.writeKubeconfig(dir, { context: "office" });
  const page = join(dir, "team-page.txt");
  copyFileSync(TEAM_PAGE, page);
  const loadKb = () => loadKnowledgeBase({ cwd: process.cwd(), paths: [page] });
  const kb = await loadKb();
  const config = defaultConfig();
  const live = { contexts: [], kubeconfig, cwd: dir };
  const feed =
    opts.feed ??
    (opts.watch
      ? watchFeed({ kb, config, cwd: dir, live })
      : scanFeed({ request: { kb, config, cwd: dir, live }, intervalMs: 0 }));
  const server = await startServer({
    port: 0,
    kb,
    loadKb,
    config,
    feed,
    page,
    version: "test",
    processMetrics: true,
    ...opts.server,
  });
  return {
    url: server.url,
    server,
    sim,
    dir,
    kubeconfig,
    page,
    async close() {
      await server.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitReady(url: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const r = await fetch(`${url}/readyz`);
    if (r.status === 200) return;
    if (Date.now() > until) throw new Error(`not ready: ${await r.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export { waitFor };

export interface ServeProcess {
  url: string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** The built `pitfall serve` as its own process (its memory is its own), once it says where it listens. */
export async function startServeProcess(args: string[], cwd: string): Promise<ServeProcess> {
  const { spawn } = await import("node:child_process");
  const { BIN } = await import("../support/cli.js");
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`pitfall serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** MCP for a test server: the built-in pages, no cluster of its own, no paths. */
export function testMcpDeps(): McpDeps {
  return {
    cwd: process.cwd(),
    config: defaultConfig(),
    loadKb: () => loadKnowledgeBase({ cwd: process.cwd() }),
    target: {},
    redis: { timeoutMs: 2000, idleMs: 300_000, maxDeliveries: 5 },
    pathRoots: [],
    version: "test",
  };
}

/** An MCP client on `<url>/mcp` with these headers, closed after `fn`. */
export async function withMcpClient<T>(
  url: string,
  headers: Record<string, string>,
  fn: (c: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ name: "pitfall-serve-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
  );
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
