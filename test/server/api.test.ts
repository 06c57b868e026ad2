// The JSON API against a real server whose findings come from a scan of the simulator.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePage } from "../../src/kb/parse.js";
import { lintPage } from "../../src/kb/lint.js";
import type { Feed } from "../../src/server/feeds.js";
import { runCli } from "../support/cli.js";
import { startTestServer, type TestServer, waitReady } from "./support.js";

const TOKEN = "correct-horse-battery-staple";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ server: { token: TOKEN } });
  await waitReady(t.url);
});
afterAll(async () => {
  await t.close();
});

async function get(path: string, init: RequestInit = {}) {
  const r = await fetch(`${t.url}${path}`, init);
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the tests read many JSON shapes; each assertion says what it expects.
  return { status: r.status, headers: r.headers, text, json: json as any };
}

const key = (f: {
  pitfall: string;
  rule: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  container?: string;
}) =>
  `${f.severity} ${f.pitfall} ${f.rule} ${f.object.kind} ${f.object.namespace ?? ""}/${f.object.name} ${f.container ?? ""}`;

describe("serve: the basics", () => {
  it("binds 127.0.0.1 by default", () => {
    expect(t.server.address().address).toBe("127.0.0.1");
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("sends the security headers with pages, JSON and errors", async () => {
    for (const path of ["/", "/api/findings", "/api/nothing-here", "/app.js"]) {
      const r = await get(path);
      expect(r.headers.get("content-security-policy")).toContain(
        "default-src 'self'; script-src 'self'; style-src 'self'",
      );
      expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'; base-uri 'none'");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect((await get("/api/nothing-here")).status).toBe(404);
  });

  it("answers health and readiness", async () => {
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).text).toBe("ready\n");
  });

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/findings`, { headers: { Host: "attacker.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it("answers a wrong method with 405 and the allowed ones", async () => {
    const r = await get("/api/findings", { method: "DELETE" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET");
  });
});

describe("serve: pitfalls and search", () => {
  it("lists the pitfalls as kb list -o json does, and filters them", async () => {
    const r = await get("/api/pitfalls");
    const cli = await runCli(["kb", "list", "--kb", t.page, "-o", "json"]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(JSON.parse(cli.out));
    const high = (await get("/api/pitfalls?severity=HIGH")).json as { severity: string }[];
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((p) => p.severity === "HIGH" || p.severity === "CRITICAL")).toBe(true);
    expect((await get("/api/pitfalls?severity=SEVERE")).status).toBe(400);
  });

  it("shows one pitfall whole, as kb show -o json does", async () => {
    const r = await get("/api/pitfalls/oomkilled");
    const cli = await runCli(["kb", "show", "oomkilled", "--kb", t.page, "-o", "json"]);
    expect(r.json).toEqual(JSON.parse(cli.out));
    expect(r.json.steps.some((s: { kind: string }) => s.kind === "RUN")).toBe(true);
    const missing = await get("/api/pitfalls/oomkiled");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toContain("oomkiled");
  });

  it("searches with the same ranking and shape as kb search -o json", async () => {
    const r = await get(`/api/search?q=${encodeURIComponent("exit code 137")}`);
    const cli = await runCli(["kb", "search", "exit", "code", "137", "--kb", t.page, "-o", "json"]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(JSON.parse(cli.out));
    expect(r.json[0].id).toBe("oomkilled");
    expect((await get("/api/search")).status).toBe(400);
    expect((await get("/api/search?q=x&limit=0")).status).toBe(400);
  });
});

describe("serve: findings", () => {
  it("serves the findings of the scan in the shape of scan -o json, with context and zone", async () => {
    const r = await get("/api/findings");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ mode: "scan", ready: true });
    expect(r.json.targets[0]).toMatchObject({ kind: "cluster", context: "office", zone: "1" });
    const cli = await runCli(["scan", "--kubeconfig", t.kubeconfig, "--kb", t.page, "-o", "json"]);
    const scanned = JSON.parse(cli.out).findings as Parameters<typeof key>[0][];
    expect(r.json.findings.map(key).sort()).toEqual(scanned.map(key).sort());
    for (const f of r.json.findings) {
      expect(Object.keys(f).slice(0, 4)).toEqual(["pitfall", "rule", "severity", "object"]);
      expect(f).toMatchObject({ context: "office", zone: "1" });
      expect(typeof f.message).toBe("string");
    }
    expect(r.json.findings.some((f: { runbook?: unknown[] }) => f.runbook?.length)).toBe(true);
  });

  it("filters by severity (at or above), namespace, zone and context", async () => {
    const all = (await get("/api/findings")).json.findings as {
      severity: string;
      object: { namespace?: string };
    }[];
    const high = (await get("/api/findings?severity=high")).json.findings as typeof all;
    expect(high.length).toBeGreaterThan(0);
    expect(high.length).toBeLessThan(all.length);
    expect(high.every((f) => f.severity === "HIGH" || f.severity === "CRITICAL")).toBe(true);
    const system = (await get("/api/findings?namespace=ge-system")).json.findings as typeof all;
    expect(system.length).toBeGreaterThan(0);
    expect(system.every((f) => f.object.namespace === "ge-system")).toBe(true);
    expect((await get("/api/findings?zone=1")).json.findings).toHaveLength(all.length);
    expect((await get("/api/findings?zone=2")).json.findings).toHaveLength(0);
    expect((await get("/api/findings?context=office")).json.findings).toHaveLength(all.length);
    expect((await get("/api/findings?context=elsewhere")).json.findings).toHaveLength(0);
    expect((await get("/api/findings?severity=bad")).status).toBe(400);
  });

  it("explains one object: its story and its findings", async () => {
    const r = await get("/api/explain/pod/ge-agents/ge-ingest-6f7d8b9c5d-nf4kc");
    expect(r.status).toBe(200);
    expect(r.json.object).toMatchObject({
      kind: "Pod",
      namespace: "ge-agents",
      name: "ge-ingest-6f7d8b9c5d-nf4kc",
    });
    expect(r.json.owners.map((o: { kind: string }) => o.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(r.json.findings.some((f: { pitfall: string }) => f.pitfall === "crashloopbackoff")).toBe(true);
    expect(r.json.logs.length).toBeGreaterThan(0);
    // Cluster-scoped kinds take `-` for the namespace.
    expect((await get("/api/explain/node/-/k3s-agent-1")).json.object.name).toBe("k3s-agent-1");
    const missing = await get("/api/explain/pod/ge-agents/ge-ingest-6f7d8b9c5d-nf4kd");
    expect(missing.status).toBe(404);
    expect(missing.json.candidates).toContain("ge-ingest-6f7d8b9c5d-nf4kc");
    expect((await get("/api/explain/widget/ge-agents/x")).status).toBe(400);
  });
});

const HOST_NETWORK = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: relay
  namespace: ge-system
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: relay
          image: relay:1.0.0
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 200m, memory: 128Mi }
`;

describe("serve: lint", () => {
  it("lints manifests in the body as lint -o json does", async () => {
    const r = await get("/api/lint?zone=1", {
      method: "POST",
      body: HOST_NETWORK,
      headers: { "Content-Type": "application/yaml" },
    });
    expect(r.status).toBe(200);
    const cli = await runCli(["lint", "-", "--zone", "1", "--kb", t.page, "-o", "json"], {
      stdin: HOST_NETWORK,
    });
    const expected = JSON.parse(cli.out);
    const norm = (report: { findings: { file?: string }[] }) =>
      report.findings.map((f) => ({ ...f, file: "x" }));
    expect(norm(r.json)).toEqual(norm(expected));
    expect(
      r.json.findings.some(
        (f: { pitfall: string; line: number }) =>
          f.pitfall === "hostnetwork-causes-port-conflicts" && f.line === 9,
      ),
    ).toBe(true);
    expect(Object.keys(r.json)).toEqual(Object.keys(expected));
  });

  it("reports broken YAML as errors, refuses an empty body and an unknown zone", async () => {
    const broken = await get("/api/lint", { method: "POST", body: "kind: [unclosed\n" });
    expect(broken.status).toBe(200);
    expect(broken.json.errors.length).toBeGreaterThan(0);
    expect((await get("/api/lint", { method: "POST", body: "  " })).status).toBe(400);
    expect((await get("/api/lint?zone=moon", { method: "POST", body: HOST_NETWORK })).status).toBe(400);
    // A zone number neither the config nor the pages know: refused as `pitfall lint --zone 9` refuses it.
    const nine = await get("/api/lint?zone=9", { method: "POST", body: HOST_NETWORK });
    expect(nine.status).toBe(400);
    expect(nine.json.error).toMatch(/^unknown zone '9': the config and pages know zone 1, 2, 3/);
  });

  it("refuses a body over the limit with 413", async () => {
    const big = `# ${"x".repeat(1024 * 1024 + 10)}\n${HOST_NETWORK}`;
    const r = await get("/api/lint", { method: "POST", body: big });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/larger than/);
  });
});

const ENTRY = `PVC Stuck Terminating

Severity: MEDIUM
Zone: ALL

A PersistentVolumeClaim stays in Terminating while a pod still mounts it.

IF: a PVC is stuck in Terminating
THEN: find the pods that still use it
RUN: kubectl get pods -A -o wide | grep {pvc-name}

ADDED_FROM: storage-2026-04, a PVC blocked a redeploy
`;

describe("serve: adding a pitfall", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    get("/api/pitfalls", { method: "POST", body, headers: { "Content-Type": "text/plain", ...headers } });

  it("needs the bearer token: 401 without, 403 with a wrong one", async () => {
    const none = await post(ENTRY);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await post(ENTRY, { Authorization: "Bearer wrong" })).status).toBe(403);
    expect((await post(ENTRY, { Authorization: `Bearer ${TOKEN}x` })).status).toBe(403);
    expect(readFileSync(t.page, "utf8")).not.toContain("PVC Stuck Terminating");
  });

  it("adds the entry with the token (201); the page still lints clean and the pitfall is served", async () => {
    const r = await post(ENTRY, { Authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      action: "added",
      id: "pvc-stuck-terminating",
      title: "PVC Stuck Terminating",
    });
    const text = readFileSync(t.page, "utf8");
    expect(text).toContain("PVC Stuck Terminating");
    expect(lintPage(parsePage(text, "team-page.txt")).filter((d) => d.severity === "error")).toEqual([]);
    expect((await runCli(["kb", "lint", t.page])).code).toBe(0);
    expect((await get("/api/pitfalls/pvc-stuck-terminating")).json.title).toBe("PVC Stuck Terminating");
    // The same incident again changes nothing.
    const again = await post(ENTRY, { Authorization: `Bearer ${TOKEN}` });
    expect(again.status).toBe(200);
    expect(again.json.action).toBe("unchanged");
  });

  it("takes JSON fields too, and refuses an invalid entry with its problems", async () => {
    const fields = {
      title: "Webhook Timeouts Block Deploys",
      severity: "HIGH",
      zone: "ALL",
      text: "An admission webhook that does not answer makes every apply wait and fail.",
      steps: [
        { kind: "IF", text: "kubectl apply hangs and fails with context deadline exceeded" },
        { kind: "RUN", text: "kubectl get validatingwebhookconfigurations" },
      ],
      addedFrom: "deploy-2026-04, applies failed for 20 minutes",
    };
    const r = await get("/api/pitfalls", {
      method: "POST",
      body: JSON.stringify(fields),
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(201);
    expect(r.json.id).toBe("webhook-timeouts-block-deploys");
    expect((await runCli(["kb", "lint", t.page])).code).toBe(0);

    const bad = await post("Just a Title\n\nSeverity: EXTREME\nZone: ALL\n", {
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(bad.status).toBe(422);
    expect(bad.json.diagnostics.length).toBeGreaterThan(0);
  });

  it("checks a JSON body against its schema: an unknown field or a wrong type is a 400 that names it", async () => {
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` };
    const typo = await get("/api/pitfalls", {
      method: "POST",
      body: JSON.stringify({ title: "X Y", severity: "LOW", zone: "ALL", addedFrom: "i-1, x", setps: [] }),
      headers,
    });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatch(/^setps: not a field \(did you mean steps\?\)/);
    const wrong = await get("/api/pitfalls", {
      method: "POST",
      body: JSON.stringify({
        title: "X Y",
        severity: "LOW",
        zone: "ALL",
        addedFrom: "i-1, x",
        steps: "IF: x",
      }),
      headers,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toMatch(/^steps: must be a list/);
    expect(readFileSync(t.page, "utf8")).not.toContain("X Y");
  });

  it("refuses every write when no token is configured", async () => {
    const open = await startTestServer();
    try {
      const r = await fetch(`${open.url}/api/pitfalls`, {
        method: "POST",
        body: ENTRY,
        headers: { Authorization: "Bearer anything" },
      });
      expect(r.status).toBe(401);
      expect((await fetch(`${open.url}/api/scan`, { method: "POST" })).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe("serve: scans and events", () => {
  it("scans on POST /api/scan (with the token) and says so on /api/events", async () => {
    const controller = new AbortController();
    const events = await fetch(`${t.url}/api/events`, { signal: controller.signal });
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = events.body!.getReader();
    const started = await get("/api/scan", { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(started.status).toBe(202);
    let received = "";
    while (!received.includes("event: scan")) {
      const { value, done } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    controller.abort();
    const data = /event: scan\ndata: (.*)\n/.exec(received)![1]!;
    expect(JSON.parse(data)).toMatchObject({ findings: expect.any(Number), incomplete: 0 });
  });
});

describe("serve: failures", () => {
  it("answers an internal error with 500 and no stack trace", async () => {
    const broken: Feed = {
      mode: "scan",
      start() {},
      state() {
        throw new Error("kaboom at /work/main/src/secret/path.ts:12:3");
      },
      snapshots: () => [],
      refresh: async () => {},
      stop: async () => {},
    };
    const logged: string[] = [];
    const s = await startTestServer({ feed: broken, server: { log: (l) => logged.push(l) } });
    try {
      const r = await fetch(`${s.url}/api/findings`);
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ error: "internal error; the server log has the details" });
      expect(text).not.toMatch(/kaboom|\.ts:|at /);
      expect(r.headers.get("content-security-policy")).toContain("default-src 'self'");
      // The stack goes to the server's log instead.
      expect(logged.join("\n")).toContain("kaboom");
    } finally {
      await s.close();
    }
  });

  it("is not ready before the first scan is done", async () => {
    const never: Feed = {
      mode: "scan",
      start() {},
      state: () => ({
        mode: "scan",
        ready: false,
        findings: [],
        unexplained: [],
        targets: [],
        incomplete: [],
        errors: [],
      }),
      snapshots: () => [],
      refresh: async () => {},
      stop: async () => {},
    };
    const s = await startTestServer({ feed: never });
    try {
      expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${s.url}/api/explain/pod/a/b`)).status).toBe(503);
    } finally {
      await s.close();
    }
  });
});
