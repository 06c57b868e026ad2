// Secrets a cluster says (termination messages, logs, events, ExternalSecret conditions, a Secret's data) reach
// no output: scan, explain, serve's API and dashboard, MCP, watch. The findings are those of the same cluster
// without secrets. Escape sequences and newlines from the cluster come out visible and on their line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeClusterDump } from "../mcp/fixture-dump.js";
import { waitReady } from "../server/support.js";
import { startSimulator } from "../sim/index.js";
import { BIN, runBin, runCli } from "../support/cli.js";
import { startCli } from "../watch/cli-run.js";
import { waitFor } from "../watch/support.js";
import { CRASHING_POD, FAILING_ES, leaked, leakyCluster } from "./leaky-cluster.js";

interface JsonFinding {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  container?: string;
}

/** What a finding is about, without what is said about it. */
function identities(findings: JsonFinding[]): string[] {
  return findings
    .map(
      (f) =>
        `${f.pitfall} ${f.rule} ${f.severity} ${f.object.kind} ${f.object.namespace ?? ""}/${f.object.name} ${f.container ?? ""}`,
    )
    .sort();
}

const ESC = "\u001b";
let dir: string;
let leaky: string;
let clean: string;
let cleanFindings: string[];

beforeAll(async () => {
  const now = new Date();
  dir = mkdtempSync(join(tmpdir(), "pitfall-secrets-"));
  leaky = writeClusterDump(leakyCluster(now), join(dir, "leaky"), now);
  clean = writeClusterDump(leakyCluster(now, false), join(dir, "clean"), now);
  const scan = await runCli(["scan", "--from", clean, "-o", "json"]);
  cleanFindings = identities(JSON.parse(scan.out).findings);
  expect(cleanFindings.some((f) => f.includes(CRASHING_POD))).toBe(true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the leaky dump", () => {
  it("holds every secret, so the tests below can fail", async () => {
    const { readFileSync } = await import("node:fs");
    const all = [
      readFileSync(join(leaky, "cluster.json"), "utf8"),
      readFileSync(join(leaky, "logs", "ge-agents", CRASHING_POD, "orchestrator.previous.log"), "utf8"),
    ].join("\n");
    expect(leaked(all).sort()).toEqual(
      [
        "awsKeyId",
        "awsSecret",
        "bearer",
        "hunter",
        "jwtPayload",
        "jwtSignature",
        "password",
        "pemBody",
        "secretData",
        "token",
        "vault",
      ].sort(),
    );
  });
});

describe("scan and explain", () => {
  it.each(["text", "json", "markdown"])("scan -o %s: no secret, the same findings", async (format) => {
    const r = await runCli(["scan", "--from", leaky, "-o", format]);
    expect(r.code).toBe(1);
    expect(leaked(r.out + r.err)).toEqual([]);
    expect(r.out).not.toContain(ESC);
    // The redaction keeps enough to act on.
    if (format !== "json") expect(r.out).toContain("redis://default:***@redis:6379");
    if (format === "json") expect(identities(JSON.parse(r.out).findings)).toEqual(cleanFindings);
  });

  it("scan text through the built bin, as users run it", async () => {
    const r = await runBin(["scan", "--from", leaky]);
    expect(r.code).toBe(1);
    expect(leaked(r.out + r.err)).toEqual([]);
    expect(r.out).toContain("Authorization: Bearer ***");
  });

  it("a termination message's newline and screen-clearing escape come out visible, on the message's line", async () => {
    const r = await runCli(["scan", "--from", leaky]);
    const line = r.out.split("\n").find((l) => l.includes("fatal: cannot connect to"));
    expect(line).toContain(
      "redis://default:***@redis:6379\\nAuthorization: Bearer ***\\x1b[2JFAKE: everything is fine",
    );
    expect(r.out.split("\n").some((l) => l.startsWith("FAKE"))).toBe(false);
  });

  it.each([
    ["pod", CRASHING_POD, "ge-agents"],
    ["externalsecret", FAILING_ES, "ge-system"],
  ])("explain %s: text and JSON hold no secret", async (kind, name, namespace) => {
    const text = await runCli(["explain", `${kind}/${name}`, "-n", namespace, "--from", leaky]);
    expect(text.code).toBe(1);
    expect(leaked(text.out + text.err)).toEqual([]);
    expect(text.out).not.toContain(ESC);
    const json = await runCli(["explain", `${kind}/${name}`, "-n", namespace, "--from", leaky, "-o", "json"]);
    expect(leaked(json.out + json.err)).toEqual([]);
    const parsed = JSON.parse(json.out) as { findings: JsonFinding[] };
    expect(parsed.findings.length).toBeGreaterThan(0);
  });

  it("explain shows the log's escapes as text, each log line on its own", async () => {
    const r = await runCli(["explain", `pod/${CRASHING_POD}`, "-n", "ge-agents", "--from", leaky]);
    expect(r.out).toContain("WARN \\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 done");
    expect(r.out).toContain("-----BEGIN RSA PRIVATE KEY-----***");
  });
});

describe("pitfall serve --from the dump", () => {
  let cli: Awaited<ReturnType<typeof startCli>>;
  let url: string;
  beforeAll(async () => {
    cli = await startCli(["serve", "--from", leaky, "--port", "0"], {
      cwd: dir,
      ready: /listening on (http:\/\/\S+)/,
    });
    url = cli.announced;
    await waitReady(url);
  });
  afterAll(async () => {
    await cli?.stop();
  });

  it("/api/findings: no secret, valid JSON, the same findings", async () => {
    const text = await (await fetch(`${url}/api/findings`)).text();
    expect(leaked(text)).toEqual([]);
    expect(identities((JSON.parse(text) as { findings: JsonFinding[] }).findings)).toEqual(cleanFindings);
  });

  it.each([
    ["pod", "ge-agents", CRASHING_POD],
    ["externalsecret", "ge-system", FAILING_ES],
  ])("/api/explain/%s: no secret, valid JSON", async (kind, namespace, name) => {
    const res = await fetch(`${url}/api/explain/${kind}/${namespace}/${name}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(leaked(text)).toEqual([]);
    expect(JSON.parse(text)).toHaveProperty("logs");
  });

  it("the dashboard, its findings fragment and /metrics: no secret", async () => {
    for (const path of ["/", "/partials/findings", "/metrics"]) {
      const text = await (await fetch(`${url}${path}`)).text();
      expect(leaked(text), path).toEqual([]);
    }
    expect(await (await fetch(`${url}/partials/findings`)).text()).toContain("***");
    expect(leaked(cli.out() + cli.err())).toEqual([]);
  });
});

describe("MCP over stdio", () => {
  let client: Client;
  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--from", leaky],
      env: { PATH: process.env.PATH ?? "", HOME: dir, NO_COLOR: "1" },
      stderr: "pipe",
    });
    client = new Client({ name: "pitfall-secrets-test", version: "1.0.0" });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    return `${r.content.map((p) => (p.type === "text" ? p.text : "")).join("\n")}\n${JSON.stringify(r.structuredContent ?? {})}`;
  };

  it("scan: neither the text nor the structured content holds a secret", async () => {
    const out = await call("scan", {});
    expect(out).toContain(CRASHING_POD);
    expect(leaked(out)).toEqual([]);
  });

  it.each([
    ["pod", "ge-agents", CRASHING_POD],
    ["externalsecret", "ge-system", FAILING_ES],
  ])("explain %s: no secret", async (kind, namespace, name) => {
    const out = await call("explain", { kind, namespace, name });
    expect(out).toContain(name);
    expect(leaked(out)).toEqual([]);
  });
});

describe("pitfall watch, on a live cluster that says the same secrets", () => {
  it.each([["text"], ["json"]])("-o %s", async (format) => {
    const sim = await startSimulator({ cluster: leakyCluster(new Date()) });
    const kubeconfig = sim.writeKubeconfig(dir, { context: `leaky-${format}` });
    const cli = await startCli(["watch", "--kubeconfig", kubeconfig, "-o", format], {
      cwd: dir,
      ready: /watching/,
    });
    try {
      await waitFor("the crash loop's finding", () => cli.out().includes(CRASHING_POD) || undefined);
      await waitFor("the ExternalSecret's finding", () => cli.out().includes(FAILING_ES) || undefined);
      expect(leaked(cli.out() + cli.err())).toEqual([]);
      expect(cli.out()).not.toContain(ESC);
    } finally {
      await cli.stop();
      await sim.close();
    }
  });
});
