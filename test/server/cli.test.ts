// `pitfall serve` through the CLI: a dump served without --watch, the token from a file or PITFALL_TOKEN, and the
// flag mistakes it refuses before binding anything.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { loadCluster } from "../sim/index.js";
import { startCli } from "../watch/cli-run.js";
import { BROKEN, TEAM_PAGE } from "./support.js";

let dir: string;
const ENTRY =
  "Sidecar Eats Memory\n\nSeverity: LOW\nZone: ALL\n\nFIX: give the sidecar its own limits\n\nADDED_FROM: mesh-2026-04, the proxy grew to 2Gi\n";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-serve-cli-"));
  // A dump as `kubectl get -o json` writes it: one List.
  mkdirSync(join(dir, "dump"));
  writeFileSync(
    join(dir, "dump", "all.json"),
    JSON.stringify({ apiVersion: "v1", kind: "List", items: loadCluster(BROKEN).objects }),
  );
  copyFileSync(TEAM_PAGE, join(dir, "page.txt"));
  writeFileSync(join(dir, "token"), "from-a-file\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serving = /listening on (http:\/\/\S+)/;

describe("pitfall serve (CLI)", () => {
  it("serves a dump, scanned once at start, and takes the token from --token-file", async () => {
    const cli = await startCli(
      [
        "serve",
        "--from",
        "dump",
        "--port",
        "0",
        "--zone",
        "1",
        "--page",
        "page.txt",
        "--token-file",
        "token",
        "--no-mcp",
      ],
      { cwd: dir, ready: serving },
    );
    try {
      const url = cli.announced;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(cli.err()).toContain("writes need the bearer token");
      let ready = false;
      for (let i = 0; i < 300 && !ready; i++) {
        ready = (await fetch(`${url}/readyz`)).status === 200;
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      const findings = (await (await fetch(`${url}/api/findings`)).json()) as {
        findings: { pitfall: string; zone: string }[];
      };
      expect(findings.findings.some((f) => f.pitfall === "oomkilled" && f.zone === "1")).toBe(true);
      const add = (token: string) =>
        fetch(`${url}/api/pitfalls`, {
          method: "POST",
          body: ENTRY,
          headers: { Authorization: `Bearer ${token}` },
        });
      expect((await add("from-the-env")).status).toBe(403);
      expect((await add("from-a-file")).status).toBe(201);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it("takes the token from PITFALL_TOKEN", async () => {
    const cli = await startCli(["serve", "--from", "dump", "--port", "0", "--page", "page.txt", "--no-mcp"], {
      cwd: dir,
      ready: serving,
      env: { PITFALL_TOKEN: "from-the-env" },
    });
    try {
      const r = await fetch(`${cli.announced}/api/scan`, {
        method: "POST",
        headers: { Authorization: "Bearer from-the-env" },
      });
      expect(r.status).toBe(202);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it.each([
    [["--from", "dump", "--watch"], "--watch needs a live cluster"],
    [["--from", "dump", "--context", "x"], "does not go with --context"],
    [["--from", "dump", "--port", "http"], "--port takes a port number"],
    [["--from", "dump", "--interval", "often"], "--interval takes a duration"],
    [["--from", "dump", "--token-file", "missing-token"], "cannot read --token-file"],
    [["--from", "dump", "--page", "missing.md"], "no such page"],
    [["--from", "dump", "--allowed-host", "pitfall svc"], "--allowed-host pitfall svc: not a host name"],
    [["--kubeconfig", "nowhere.yaml", "--watch"], "kubeconfig"],
  ])("refuses %j", async (args, message) => {
    const r = await runCli(["serve", "--port", "0", ...args], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
