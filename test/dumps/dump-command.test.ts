// `pitfall dump` against the simulator: the dump scans (`scan --from`) as the live cluster scans, ages included when
// both are measured from the same instant; no Secret is read; log and object text is redacted; what exists is kept.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { jsonFinding } from "../../src/report/json.js";
import { scan } from "../../src/service/scan.js";
import { readDump } from "../../src/sources/dump.js";
import { LIVE_RESOURCES } from "../../src/sources/kube-read.js";
import { leaked, leakyCluster } from "../secrets/leaky-cluster.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
let dir: string;
let sim: Sim;
let kubeconfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-dump-cmd-"));
  sim = await startSimulator({ cluster: BROKEN });
  kubeconfig = sim.writeKubeconfig(dir, { context: "office" });
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const dumpCli = (...argv: string[]) =>
  runCli(["dump", "--kubeconfig", kubeconfig, ...argv], { cwd: dir, env: { HOME: dir } });

/** Findings of the live cluster and of a dump, both with ages counted from the dump's takenAt. */
async function bothScans(out: string) {
  const kb = await loadKnowledgeBase({ paths: [], cwd: dir, builtin: true });
  const config = defaultConfig();
  const { takenAt } = JSON.parse(readFileSync(join(out, "pitfall-dump.json"), "utf8")) as { takenAt: string };
  const live = await scan({
    kb,
    config,
    cwd: dir,
    live: { contexts: [], kubeconfig, cwd: dir },
    now: new Date(takenAt),
  });
  const fromDump = await scan({ kb, config, cwd: dir, from: [out] });
  const shown = (r: typeof live) =>
    r.findings
      .map((f) => {
        const { file: _f, line: _l, column: _c, ...rest } = jsonFinding(f);
        return JSON.stringify({ ...rest, context: f.context, zone: f.zone });
      })
      .sort();
  return { live, fromDump, shown };
}

describe("pitfall dump", () => {
  it("writes a folder that scan --from reads as the live scan reads the cluster, ages included", async () => {
    const out = join(dir, "office-dump");
    sim.requests.length = 0;
    const r = await dumpCli("-o", "office-dump");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/pitfall dump: pods: \d+ in 1 page/);
    expect(r.err).toMatch(
      /pitfall dump: wrote office-dump: \d+ objects of 18 resources, \d+ previous and \d+ current logs, from office at /,
    );
    // Secrets are never asked for.
    expect(
      sim.requests.filter((q) => /secrets(\/|$|\?)/.test(q.path) && !q.path.includes("externalsecrets")),
    ).toEqual([]);
    const meta = JSON.parse(readFileSync(join(out, "pitfall-dump.json"), "utf8"));
    expect(meta).toMatchObject({ context: "office", distribution: "k3s", writtenBy: "pitfall 0.1.0" });
    expect(meta.resources).toEqual([...LIVE_RESOURCES.map((x) => x.plural), "externalsecrets"]);
    expect(readdirSync(join(out, "objects")).sort()).toEqual(
      meta.resources.map((p: string) => `${p}.json`).sort(),
    );

    const { live, fromDump, shown } = await bothScans(out);
    expect(live.findings.length).toBeGreaterThan(10);
    expect(shown(fromDump)).toEqual(shown(live));
    expect(fromDump.incomplete).toEqual(live.incomplete);
    expect(fromDump.targets[0]).toMatchObject({ context: "office", zone: "1", distribution: "k3s" });

    // The logs a scan reads are in it: previous logs of restarted containers, current ones of running containers.
    const dump = await readDump([out], { cwd: dir });
    expect(dump.previousLogs?.size).toBeGreaterThan(0);
    for (const [key, text] of live.snapshots[0]!.previousLogs ?? [])
      expect(dump.previousLogs?.get(key), key).toBe(text);
    for (const [key, text] of live.snapshots[0]!.currentLogs ?? [])
      expect(dump.currentLogs?.get(key), key).toBe(text);
  });

  it("writes a .tar.gz that scans the same as the folder", async () => {
    const r = await dumpCli("-o", "office.tar.gz");
    expect(r.code, r.err).toBe(0);
    const tar = await runCli(["scan", "--from", "office.tar.gz", "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    const folder = await runCli(["scan", "--from", "office-dump", "-o", "json"], {
      cwd: dir,
      env: { HOME: dir },
    });
    const strip = (out: string) =>
      (JSON.parse(out).findings as Record<string, unknown>[])
        .map(({ file: _f, line: _l, column: _c, message: _m, evidence: _e, ...rest }) => JSON.stringify(rest))
        .sort();
    expect(tar.code).toBe(folder.code);
    expect(strip(tar.out)).toEqual(strip(folder.out));
    expect(strip(tar.out).length).toBeGreaterThan(10);
  });

  it("keeps what is there: a folder that is not empty, or an archive, is replaced only with --force", async () => {
    const used = join(dir, "used");
    mkdirSync(used);
    writeFileSync(join(used, "notes.txt"), "mine\n");
    const refused = await dumpCli("-o", "used");
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("is not empty: give a new folder, or --force");
    expect(readdirSync(used)).toEqual(["notes.txt"]);
    const again = await dumpCli("-o", "office.tar.gz");
    expect(again.code).toBe(2);
    expect(again.err).toContain("office.tar.gz exists: give another -o, or --force");
    const forced = await dumpCli("-o", "used", "--force");
    expect(forced.code, forced.err).toBe(0);
    expect(existsSync(join(used, "notes.txt"))).toBe(false);
    expect(existsSync(join(used, "pitfall-dump.json"))).toBe(true);
    // Nothing left behind beside it: the work folder is renamed into place or removed.
    expect(readdirSync(dir).filter((f) => f.includes(".pitfall-"))).toEqual([]);
    expect((await dumpCli()).err).toContain("say where to write: -o <folder> or -o <file.tar.gz>");
    expect((await dumpCli("-o", "no/such/parent/x")).err).toContain("is not a folder (create it first)");
  });

  it("redacts what it writes: the leaky cluster's secrets are in no file of the dump", async () => {
    const leaky = await startSimulator({ cluster: leakyCluster(new Date()) });
    try {
      const config = leaky.writeKubeconfig(join(dir, "leaky"), { context: "leaky" });
      const r = await runCli(["dump", "--kubeconfig", config, "-o", "leaky-dump"], {
        cwd: dir,
        env: { HOME: dir },
      });
      expect(r.code, r.err).toBe(0);
      const files: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true }))
          e.isDirectory() ? walk(join(d, e.name)) : files.push(readFileSync(join(d, e.name), "utf8"));
      };
      walk(join(dir, "leaky-dump"));
      expect(files.length).toBeGreaterThan(10);
      expect(leaked(files.join("\n"))).toEqual([]);
      // Still diagnosed: the crash loop's cause is in the redacted previous log.
      const scanned = await runCli(["scan", "--from", "leaky-dump", "-o", "json"], {
        cwd: dir,
        env: { HOME: dir },
      });
      expect(
        JSON.parse(scanned.out).findings.some((f: { pitfall: string }) => f.pitfall === "crashloopbackoff"),
      ).toBe(true);
    } finally {
      await leaky.close();
    }
  });

  it("lists what it could not read (RBAC) in the dump, and scan --from says so too (exit 3)", async () => {
    sim.setFaults([{ kind: "forbidden", resource: "cronjobs" }]);
    try {
      const r = await dumpCli("-o", "forbidden");
      expect(r.code, r.err).toBe(3);
      expect(r.err).toContain("not read: cronjobs: 403");
      const meta = JSON.parse(readFileSync(join(dir, "forbidden", "pitfall-dump.json"), "utf8"));
      expect(meta.resources).not.toContain("cronjobs");
      const scanned = await runCli(["scan", "--from", "forbidden"], { cwd: dir, env: { HOME: dir } });
      expect(scanned.code).toBe(3);
      expect(scanned.err).toMatch(/not checked: cronjobs: 403/);
    } finally {
      sim.setFaults([]);
    }
  });
});
