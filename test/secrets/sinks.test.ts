// Each sink on its own, with real sockets where there are any: the HTTP send functions, the event stream, MCP
// tool results, metrics labels, the CLI's writer; and the readers, which keep a Secret's keys but not its values.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redactingIo } from "../../src/cli/io.js";
import { toolError, toolResult } from "../../src/mcp/result.js";
import { EventHub } from "../../src/server/events.js";
import { send, sendJson } from "../../src/server/http.js";
import { createMetrics } from "../../src/server/metrics.js";
import { readDump } from "../../src/sources/dump.js";
import { readManifests } from "../../src/sources/manifests.js";
import { captureIo } from "../support/cli.js";

const SECRET = "Hx7-leaky-9Qp";
/** A value as findings carry them, with the secret in every shape and JSON-hostile characters around it. */
const VALUE = {
  message: `connect redis://default:${SECRET}@redis:6381 failed "quoted" \\ back\nslash`,
  evidence: [
    { kind: "log", text: `password=${SECRET}` },
    { kind: "log", text: `{"token": "${SECRET}"}` },
  ],
  header: `Authorization: Bearer ${SECRET}1`,
  password: SECRET,
  count: 3,
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("HTTP send functions", () => {
  it("sendJson: redacted, still valid JSON, the shape kept", async () => {
    const url = await serve((_req, res) => sendJson(res, 200, VALUE));
    const text = await (await fetch(url)).text();
    expect(text).not.toContain(SECRET);
    const parsed = JSON.parse(text) as typeof VALUE;
    expect(parsed.count).toBe(3);
    expect(parsed.message).toBe('connect redis://default:***@redis:6381 failed "quoted" \\ back\nslash');
    expect(parsed.evidence.map((e) => e.text)).toEqual(["password=***", '{"token": "***"}']);
    expect(parsed.password).toBe("***");
  });

  it("send: text and HTML redacted; our own script is not data and is sent as it is", async () => {
    const script = `const token = localStorage.getItem("t"); fetch(u, { headers: { Authorization: "Bearer " + token } });`;
    const url = await serve((req, res) => {
      if (req.url === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", script);
      if (req.url === "/page")
        return send(res, 200, "text/html; charset=utf-8", `<pre>password=${SECRET}</pre>`);
      return send(res, 200, "text/plain; charset=utf-8", `REDIS_PASSWORD=${SECRET}\n`);
    });
    expect(await (await fetch(`${url}/text`)).text()).toBe("REDIS_PASSWORD=***\n");
    expect(await (await fetch(`${url}/page`)).text()).toBe("<pre>password=***</pre>");
    expect(await (await fetch(`${url}/app.js`)).text()).toBe(script);
  });

  it("the event stream: each event's data is redacted and stays one line of JSON", async () => {
    const hub = new EventHub();
    const url = await serve((_req, res) => {
      hub.add(res, "127.0.0.1");
    });
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const next = async () => {
      const chunk = await reader.read();
      text += decoder.decode(chunk.value);
    };
    await next(); // retry: the stream is open
    hub.send("appeared", { finding: VALUE });
    while (!/^data: .*\n\n/m.test(text)) await next();
    await reader.cancel();
    hub.close();
    expect(text).not.toContain(SECRET);
    const data = /^data: (.*)$/m.exec(text)![1]!;
    expect((JSON.parse(data) as { finding: typeof VALUE }).finding.evidence[0]!.text).toBe("password=***");
  });
});

describe("MCP tool results", () => {
  it("redact the text and the structured content, keeping its shape", () => {
    const r = toolResult(`found password=${SECRET}`, { finding: VALUE });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(r.content[0]).toEqual({ type: "text", text: "found password=***" });
    expect((r.structuredContent as { finding: typeof VALUE }).finding.count).toBe(3);
    expect(JSON.stringify(toolError(`cannot use redis://:${SECRET}@h:1`))).not.toContain(SECRET);
  });
});

describe("metrics", () => {
  it("labels are redacted", async () => {
    const metrics = await createMetrics({ processMetrics: false });
    metrics.apiError(`pods/log?token=${SECRET}`, "403");
    metrics.setIncomplete([{ resource: `secrets password=${SECRET}`, reason: "x" }]);
    const { body } = await metrics.render();
    metrics.close();
    expect(body).toContain("pitfall_kubernetes_api_errors_total");
    expect(body).not.toContain(SECRET);
  });
});

describe("the CLI writer", () => {
  it("redacts every write, out and err, whatever Io it wraps", () => {
    const { io, seen } = captureIo(process.cwd(), {});
    const safe = redactingIo(io);
    safe.out(`{"password": "${SECRET}"}\n`);
    safe.err(`pitfall: cannot reach redis://:${SECRET}@h:1\n`);
    expect(seen.out).toBe('{"password": "***"}\n');
    expect(seen.err).toBe("pitfall: cannot reach redis://:***@h:1\n");
  });
});

describe("readers keep a Secret's keys, never its values", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-secret-values-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "redis",
      namespace: "ge-agents",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": `{"stringData":{"REDIS_PASSWORD":"${SECRET}"}}`,
        team: "ge",
      },
    },
    data: { REDIS_PASSWORD: Buffer.from(SECRET).toString("base64") },
    stringData: { REDIS_URL: `redis://:${SECRET}@redis:6381` },
  };

  it("a dump (kubectl get -o json)", async () => {
    writeFileSync(
      join(dir, "secrets.json"),
      JSON.stringify({ apiVersion: "v1", kind: "List", items: [secret] }),
    );
    const snapshot = await readDump([dir], { cwd: dir });
    const read = snapshot.objects.find((o) => o.object.kind === "Secret")!.object;
    expect(read.data).toEqual({ REDIS_PASSWORD: "***" });
    expect(read.stringData).toEqual({ REDIS_URL: "***" });
    expect(read.metadata?.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": "***",
      team: "ge",
    });
    expect(JSON.stringify(snapshot.objects)).not.toContain(Buffer.from(SECRET).toString("base64"));
  });

  it("manifests, keeping positions for the rest of the file", async () => {
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: redis\nstringData:\n  REDIS_PASSWORD: ${SECRET}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  MODE: fast\n`;
    writeFileSync(join(dir, "secret.yaml"), yaml);
    const snapshot = await readManifests([join(dir, "secret.yaml")], { cwd: dir, readStdin: async () => "" });
    const [read, configMap] = snapshot.objects;
    expect(read!.object.stringData).toEqual({ REDIS_PASSWORD: "***" });
    expect(configMap!.object.data).toEqual({ MODE: "fast" });
    expect(configMap!.origin.line).toBe(8);
  });
});
