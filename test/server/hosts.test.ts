// The Host check against DNS rebinding: whole names only (loopback, --allowed-host, the bound address), 421 for
// the rest; /healthz and /readyz answer any Host so kubelet probes (Host = pod IP) pass. Real sockets.
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCheck, hostNameOf } from "../../src/server/hosts.js";
import { startTestServer, type TestServer, waitReady } from "./support.js";

/** GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("hostCheck", () => {
  const loopback = hostCheck("127.0.0.1", ["pitfall.ns.svc"]);

  it.each([
    "localhost",
    "localhost:8080",
    "LOCALHOST:8080",
    "localhost.",
    "127.0.0.1",
    "127.0.0.1:65535",
    "[::1]",
    "[::1]:8080",
    "[0:0:0:0:0:0:0:1]:8080",
    "pitfall.ns.svc",
    "Pitfall.NS.svc:8080",
  ])("accepts %s", (host) => {
    expect(loopback.allowed(host)).toBe(true);
  });

  it.each([
    "127.evil.com",
    "127.0.0.1.nip.io",
    "127.0.0.1.nip.io:8080",
    "localhost.evil.com",
    "evil-localhost",
    "pitfall.ns.svc.evil.com",
    "ns.svc",
    "127.0.0.2",
    "::1",
    "localhost:99999",
    "localhost:http",
    "user@localhost",
    "",
    undefined,
  ])("refuses %s", (host) => {
    expect(loopback.allowed(host)).toBe(false);
  });

  it("accepts the bound address; bound to every interface, the machine's own addresses but no other", () => {
    expect(hostCheck("192.0.2.10").allowed("192.0.2.10:8080")).toBe(true);
    expect(hostCheck("192.0.2.10").allowed("192.0.2.11:8080")).toBe(false);
    expect(hostCheck("fd00::10").allowed("[fd00::10]:8080")).toBe(true);
    const own = Object.values(networkInterfaces())
      .flat()
      .map((a) => a!.address)
      .filter((a) => !a.includes("%"));
    const wildcard = hostCheck("0.0.0.0");
    for (const a of own) expect(wildcard.allowed(a.includes(":") ? `[${a}]:80` : `${a}:80`), a).toBe(true);
    expect(wildcard.allowed("203.0.113.77:8080")).toBe(false);
    expect(wildcard.allowed("127.evil.com")).toBe(false);
  });

  it("refuses an --allowed-host that is not a host name", () => {
    expect(() => hostCheck("127.0.0.1", ["pitfall svc"])).toThrow(
      /--allowed-host pitfall svc: not a host name/,
    );
    expect(hostNameOf("Pitfall.Example.COM:443")).toBe("pitfall.example.com");
  });
});

describe("serve: the Host check on real sockets", () => {
  let plain: TestServer;
  let named: TestServer;
  beforeAll(async () => {
    [plain, named] = await Promise.all([
      startTestServer(),
      startTestServer({ server: { allowedHosts: ["pitfall.ns.svc"] } }),
    ]);
    await Promise.all([waitReady(plain.url), waitReady(named.url)]);
  });
  afterAll(async () => {
    await Promise.all([plain?.close(), named?.close()]);
  });

  it("Host: 127.evil.com and 127.0.0.1.nip.io get 421; localhost:PORT gets 200", async () => {
    const port = plain.server.address().port;
    for (const host of [
      "127.evil.com",
      `127.evil.com:${port}`,
      "127.0.0.1.nip.io",
      `127.0.0.1.nip.io:${port}`,
    ]) {
      const r = await getWithHost(`${plain.url}/api/findings`, host);
      expect(r.status, host).toBe(421);
      expect(JSON.parse(r.body).error).toContain("--allowed-host");
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, "localhost"])
      expect((await getWithHost(`${plain.url}/api/findings`, host)).status, host).toBe(200);
    // The same check guards MCP.
    expect((await getWithHost(`${plain.url}/mcp`, "127.evil.com")).status).toBe(421);
  });

  it("--allowed-host pitfall.ns.svc: that name gets 200, with or without the port; look-alikes get 421", async () => {
    const port = named.server.address().port;
    for (const host of ["pitfall.ns.svc", `pitfall.ns.svc:${port}`, `localhost:${port}`])
      expect((await getWithHost(`${named.url}/api/findings`, host)).status, host).toBe(200);
    for (const host of ["pitfall.ns.svc.evil.com", "evil.pitfall.ns.svc", "127.evil.com"])
      expect((await getWithHost(`${named.url}/api/findings`, host)).status, host).toBe(421);
    expect((await getWithHost(`${plain.url}/api/findings`, "pitfall.ns.svc")).status).toBe(421);
  });

  it("/healthz and /readyz answer a probe's Host (the pod IP); the rest stays closed to it", async () => {
    const probe = "10.42.0.17:8080";
    expect(await getWithHost(`${plain.url}/healthz`, probe)).toEqual({ status: 200, body: "ok\n" });
    expect(await getWithHost(`${plain.url}/readyz`, probe)).toEqual({ status: 200, body: "ready\n" });
    expect((await getWithHost(`${plain.url}/api/findings`, probe)).status).toBe(421);
    expect((await getWithHost(`${plain.url}/metrics`, probe)).status).toBe(421);
  });
});
