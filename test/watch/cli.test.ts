// `pitfall watch` through the CLI: findings printed as they appear and resolve, as text or JSON lines; Ctrl-C stops it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFixtureDump } from "../mcp/fixture-dump.js";
import { runCli } from "../support/cli.js";
import { type Sim, startSimulator } from "../sim/index.js";
import { startCli } from "./cli-run.js";
import { crashLoopingPod, runningPod } from "./pods.js";
import { waitFor } from "./support.js";

let sim: Sim;
let dir: string;
let kubeconfig: string;

beforeEach(async () => {
  sim = await startSimulator({ cluster: "test/fixtures/clusters/broken-k3s.yaml" });
  dir = mkdtempSync(join(tmpdir(), "pitfall-watch-cli-"));
  kubeconfig = sim.writeKubeconfig(dir, { context: "office" });
});

afterEach(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("pitfall watch", () => {
  it("prints JSON lines: the findings already there, then appeared and resolved; stops on SIGINT", async () => {
    const cli = await startCli(["watch", "--kubeconfig", kubeconfig, "-o", "json"], {
      cwd: dir,
      ready: /watching/,
    });
    const lines = () =>
      cli
        .out()
        .split("\n")
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              event: string;
              finding: { pitfall: string; object: { name: string }; context: string; zone: string };
            },
        );
    // The same findings a scan prints, first.
    const scan = await runCli(["scan", "--kubeconfig", kubeconfig, "-o", "json"], { cwd: dir });
    const scanned = (JSON.parse(scan.out).findings as { pitfall: string; object: { name: string } }[])
      .map((f) => `${f.pitfall} ${f.object.name}`)
      .sort();
    await waitFor("the initial findings", () => lines().length >= scanned.length);
    expect(lines().every((l) => l.event === "appeared")).toBe(true);
    expect(
      lines()
        .map((l) => `${l.finding.pitfall} ${l.finding.object.name}`)
        .sort(),
    ).toEqual(scanned);
    expect(lines()[0]!.finding).toMatchObject({ context: "office", zone: "1" });

    sim.apply(crashLoopingPod("ge-agents", "billing-7c9d"));
    const appeared = await waitFor("an appeared line", () =>
      lines().find((l) => l.finding.object.name === "billing-7c9d"),
    );
    expect(appeared).toMatchObject({
      event: "appeared",
      finding: { pitfall: "crashloopbackoff", severity: "MEDIUM" },
    });
    sim.apply(runningPod("ge-agents", "billing-7c9d"));
    await waitFor("a resolved line", () =>
      lines().find((l) => l.finding.object.name === "billing-7c9d" && l.event === "resolved"),
    );

    expect(await cli.stop()).toBe(0);
  });

  it("prints + FINDING and - RESOLVED text lines", async () => {
    const cli = await startCli(["watch", "--kubeconfig", kubeconfig, "-n", "ge-agents"], {
      cwd: dir,
      ready: /watching/,
    });
    sim.apply(crashLoopingPod("ge-agents", "search-5f6g"));
    await waitFor("an appeared line", () => cli.out().includes("search-5f6g"));
    sim.remove("Pod", "ge-agents", "search-5f6g");
    await waitFor("a resolved line", () => /^- RESOLVED .*search-5f6g/m.test(cli.out()));
    expect(await cli.stop()).toBe(0);
    const text = cli.out();
    expect(text).toMatch(
      /^\+ FINDING MEDIUM crashloopbackoff Pod ge-agents\/search-5f6g \(app\): container app of pod search-5f6g is in CrashLoopBackOff/m,
    );
    expect(text).toMatch(/^- RESOLVED MEDIUM crashloopbackoff Pod ge-agents\/search-5f6g \(app\)/m);
    // -n: only that namespace's objects (and the nodes).
    expect(text).not.toMatch(/ge-system\//);
  });

  it("says what is wrong with a context that is not there", async () => {
    const r = await runCli(["watch", "--kubeconfig", kubeconfig, "--context", "nowhere"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('context "nowhere"');
  });
});

describe("pitfall watch --include-system", () => {
  it("on a dump: system namespaces' latent risks counted on stderr, listed with the flag as scan lists them", async () => {
    const dump = writeFixtureDump("test/fixtures/clusters/latent-k3s.yaml", join(dir, "dump"), new Date());
    const inSystem = (out: string) =>
      out
        .split("\n")
        .filter(Boolean)
        .map(
          (l) =>
            (JSON.parse(l) as { finding: { pitfall: string; kind?: string; object: { namespace?: string } } })
              .finding,
        )
        .filter((f) => f.object.namespace === "kube-system" && f.kind === "latent")
        .map((f) => f.pitfall)
        .sort();
    const counted = await runCli(["watch", "--from", dump, "-o", "json"], { cwd: dir });
    expect(counted.code, counted.err).toBe(0);
    expect(inSystem(counted.out)).toEqual([]);
    const scan = await runCli(["scan", "--from", dump, "--include-system", "-o", "json"], { cwd: dir });
    // Latent risks only: a real failure there (a crash-looping svclb pod) is reported either way.
    const listed = (
      JSON.parse(scan.out).findings as { pitfall: string; kind?: string; object: { namespace?: string } }[]
    )
      .filter((f) => f.object.namespace === "kube-system" && f.kind === "latent")
      .map((f) => f.pitfall)
      .sort();
    expect(listed.length).toBeGreaterThan(0);
    expect(counted.err).toContain(
      `kube-system: ${listed.length} latent risk(s) of a system namespace, counted`,
    );
    const all = await runCli(["watch", "--from", dump, "--include-system", "-o", "json"], { cwd: dir });
    expect(inSystem(all.out)).toEqual(listed);
    expect(all.err).not.toContain("counted");
  });
});
