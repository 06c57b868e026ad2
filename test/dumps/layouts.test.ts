// The bundled example dump written again in every layout people send (a cluster-info dump folder and file, a
// support bundle folder and .tar.gz, pitfall's own as .tar.gz): each reads the same objects and logs, and scan,
// serve and watch find the same things with the same ages in each, measured from the dump's own clock.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import { readDump } from "../../src/sources/dump.js";
import { runCli } from "../support/cli.js";
import { startCli } from "../watch/cli-run.js";
import {
  CLUSTER_INFO_FILES,
  packTarGz,
  writeBundleDir,
  writeClusterInfoDir,
  writeClusterInfoFile,
} from "./convert.js";
import { counts, type Finding, placeless, scanFrom } from "./support.js";

const EXAMPLE = resolve("examples/dump");
const TAKEN_AT = "2026-11-25T08:09:22.000Z";

let dir: string;
let base: Snapshot;
const layouts: Record<string, string> = {};

const scanJson = (path: string) => scanFrom(dir, path);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-layouts-"));
  return (async () => {
    base = await readDump([EXAMPLE], { cwd: dir });
    cpSync(EXAMPLE, join(dir, "pitfall-dump-k3s-office"), { recursive: true });
    layouts["pitfall .tar.gz"] = packTarGz(join(dir, "pitfall-dump-k3s-office"), join(dir, "pitfall.tar.gz"));
    layouts["cluster-info folder"] = writeClusterInfoDir(base, join(dir, "cluster-info"), { extra: true });
    layouts["cluster-info file"] = writeClusterInfoFile(base, join(dir, "cluster-info.dump"), {
      extra: true,
    });
    const bundle = writeBundleDir(base, join(dir, "bundle"), TAKEN_AT);
    layouts["support bundle folder"] = bundle;
    layouts["support bundle .tar.gz"] = packTarGz(bundle, join(dir, "support-bundle.tar.gz"));
  })();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the example dump in every layout", () => {
  it("reads the example with its own clock and every kind it holds", () => {
    expect(base.takenAt).toBe(TAKEN_AT);
    expect(base.incomplete).toEqual([]);
    expect(counts(base)).toMatchObject({ Node: 2, Namespace: 4, Pod: 22, Event: 21, ExternalSecret: 2 });
  });

  it.each([
    "pitfall .tar.gz",
    "cluster-info folder",
    "cluster-info file",
    "support bundle folder",
    "support bundle .tar.gz",
  ])("%s: the same objects per kind, the same clock, logs on the same containers", async (name) => {
    const s = await readDump([layouts[name]!], { cwd: dir });
    expect(s.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(counts(s)).toEqual(counts(base));
    expect(s.takenAt).toBe(TAKEN_AT);
    expect(s.incomplete).toEqual([]);
    expect(s.target.distribution).toBe("k3s");
    if (name.startsWith("cluster-info")) {
      // kubectl saves `kubectl logs` only: a running container's own log, a crash-looping one's last run (read
      // as its previous log); a running container's earlier run is not in such a dump.
      for (const [key, text] of s.currentLogs ?? [])
        expect(text, key).toBe(base.currentLogs?.get(key) ?? base.previousLogs?.get(key));
      for (const [key, text] of s.previousLogs ?? []) expect(text, key).toBe(base.previousLogs?.get(key));
      expect(s.previousLogs?.size).toBeGreaterThan(2);
    } else {
      expect(s.previousLogs).toEqual(base.previousLogs);
      expect(s.currentLogs).toEqual(base.currentLogs);
    }
  });

  it.each([
    "pitfall .tar.gz",
    "cluster-info folder",
    "cluster-info file",
    "support bundle folder",
    "support bundle .tar.gz",
  ])("%s: scan --from finds the same as from the folder, with the same ages", async (name) => {
    const want = await scanJson(EXAMPLE);
    const got = await scanJson(layouts[name]!);
    expect(want.json.findings.length).toBeGreaterThan(10);
    expect(placeless(got.json.findings)).toEqual(placeless(want.json.findings));
    expect(got.json.incomplete ?? []).toEqual([]);
    expect(got.code).toBe(want.code);
  });

  it("a plain cluster-info dump (only what kubectl saves) finds a subset and lists the rest as not checked", async () => {
    const plain = writeClusterInfoDir(base, join(dir, "cluster-info-plain"));
    const want = placeless((await scanJson(EXAMPLE)).json.findings);
    const got = await scanJson(plain);
    expect(got.code).toBe(3);
    const missing = (got.json.incomplete ?? []).map((i) => i.resource).sort();
    expect(missing).toEqual(
      [
        "namespaces",
        "endpoints",
        "endpointslices",
        "statefulsets",
        "jobs",
        "cronjobs",
        "ingresses",
        "serviceaccounts",
        "rolebindings",
        "clusterrolebindings",
        "externalsecrets",
      ].sort(),
    );
    const text = await runCli(["scan", "--from", plain], { cwd: dir, env: { HOME: dir } });
    expect(text.err).toContain(
      "not checked: ingresses: not in the dump: kubectl cluster-info dump does not save ingresses",
    );
    const findings = placeless(got.json.findings);
    expect(findings.length).toBeGreaterThan(5);
    expect(findings.filter((f) => !want.includes(f))).toEqual([]);
    // What it cannot see: the Ingress and ExternalSecret pitfalls.
    expect(
      got.json.findings.some((f) => f.object.kind === "Ingress" || f.object.kind === "ExternalSecret"),
    ).toBe(false);
    expect(CLUSTER_INFO_FILES.length).toBe(7);
  });
});

describe("serve --from and watch --from say what scan --from says", () => {
  const all = () => ({ "pitfall folder": EXAMPLE, ...layouts });

  it("watch --from prints the scan's findings once, ages included, and ends", async () => {
    for (const [name, path] of Object.entries(all())) {
      const scanned = (await scanJson(path)).json.findings;
      const r = await runCli(["watch", "--from", path, "-o", "json"], { cwd: dir, env: { HOME: dir } });
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const lines = r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; finding: Finding });
      expect(
        lines.every((l) => l.event === "appeared"),
        name,
      ).toBe(true);
      const watched = lines.map((l) => {
        const { context: _c, zone: _z, ...f } = l.finding;
        return f as Finding;
      });
      expect(JSON.stringify(watched), name).toBe(
        JSON.stringify(scanned.map(({ context: _c, zone: _z, ...f }) => f)),
      );
      expect(r.err, name).toContain("a dump does not change: printed once");
    }
  });

  it("serve --from shows the scan's findings, ages included, on the API and the dashboard", async () => {
    for (const [name, path] of Object.entries(all())) {
      const scanned = (await scanJson(path)).json.findings;
      const cli = await startCli(["serve", "--from", path, "--port", "0", "--no-mcp", "--interval", "0"], {
        cwd: dir,
        ready: /listening on (http:\/\/\S+)/,
        env: { HOME: dir },
      });
      try {
        const url = cli.announced;
        let served: Finding[] = [];
        for (let i = 0; i < 400; i++) {
          if ((await fetch(`${url}/readyz`)).status === 200) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        served = ((await (await fetch(`${url}/api/findings`)).json()) as { findings: Finding[] }).findings;
        const strip = (f: Finding) => {
          const { context: _c, zone: _z, ...rest } = f;
          return JSON.stringify(rest);
        };
        expect(served.map(strip).sort(), name).toEqual(scanned.map(strip).sort());
        // The dashboard shows the same ages: a crash loop's age in its message, as scan prints it.
        const page = await (await fetch(`${url}/`)).text();
        const looping = scanned
          .map((f) => /crash-loops \(\d+ restarts, \w+\)/.exec(f.message)?.[0])
          .filter(Boolean);
        expect(looping.length, name).toBeGreaterThan(0);
        for (const age of looping) expect(page, name).toContain(age);
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    }
  });
});
