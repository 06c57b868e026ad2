import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runBin, runCli } from "../support/cli.js";

const seed = fileURLToPath(new URL("../fixtures/pages/team-page.txt", import.meta.url));
const broken = fileURLToPath(new URL("../fixtures/pages/broken.md", import.meta.url));

describe("pitfall kb", () => {
  it("list -o json: id, title, severity, zones, source", async () => {
    const r = await runCli(["kb", "list", "-o", "json"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as {
      id: string;
      zones: string[];
      source: { file: string; line: number };
    }[];
    expect(list).toHaveLength(11);
    expect(list[0]).toMatchObject({
      id: "k3s-clusterip-broken-from-inside-pods",
      severity: "CRITICAL",
      zones: ["1"],
    });
    expect(list[0]!.source.file).toMatch(/kb\/kubernetes\.md$/);
    expect(list[0]!.source.line).toBeGreaterThan(1);
  });

  it("list filters by zone and severity", async () => {
    const zone2 = JSON.parse((await runCli(["kb", "list", "--zone", "2", "-o", "json"])).out) as {
      zones: string[];
    }[];
    expect(zone2.length).toBeGreaterThan(0);
    expect(zone2.every((p) => p.zones.includes("ALL") || p.zones.includes("2"))).toBe(true);
    expect(zone2.some((p) => p.zones.includes("1"))).toBe(false);
    const high = JSON.parse((await runCli(["kb", "list", "--severity", "HIGH", "-o", "json"])).out) as {
      severity: string;
    }[];
    expect(new Set(high.map((p) => p.severity))).toEqual(new Set(["CRITICAL", "HIGH"]));
    expect((await runCli(["kb", "list", "--zone", "k3s"])).code).toBe(2);
  });

  it("a team page given with --kb wins on the same id", async () => {
    const r = await runCli(["kb", "show", "crashloopbackoff", "--kb", seed, "-o", "json"]);
    const p = JSON.parse(r.out) as { source: { file: string }; steps: { kind: string; text: string }[] };
    expect(p.source.file).toContain("team-page.txt");
    expect(p.steps.map((s) => s.text)).toContain("check logs from the PREVIOUS container instance");
  });

  it("show prints the pitfall whole with steps verbatim, in text and markdown", async () => {
    const text = await runCli(["kb", "show", "oomkilled", "--kb", seed]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      'RUN: kubectl describe pod {pod-name} -n ge-{namespace} | grep -A 5 "Last State"',
    );
    expect(text.out).toContain("ADDED_FROM: executor-oom-2026-02, agent session context loaded entire wiki");
    const md = await runCli(["kb", "show", "oomkilled", "--kb", seed, "-o", "markdown"]);
    expect(md.out.startsWith("## OOMKilled\n\nSeverity: HIGH\nZone: ALL\n")).toBe(true);
    const missing = await runCli(["kb", "show", "oom"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("did you mean oomkilled");
  });

  it("search -o json: best first with id, title, score", async () => {
    const r = await runCli(["kb", "search", "pod ImagePullBackOff zone 1", "-o", "json"]);
    const hits = JSON.parse(r.out) as { id: string; title: string; score: number }[];
    expect(hits[0]!.id).toBe("image-pull-failures-zone-1");
    expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score)).toBe(true);
    const words = await runCli(["kb", "search", "exit", "code", "137", "-o", "json"]);
    expect((JSON.parse(words.out) as { id: string }[])[0]!.id).toBe("oomkilled");
  });

  it("lint exits 1 on a broken page and 0 on the team's page", async () => {
    const bad = await runCli(["kb", "lint", broken, "-o", "json"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.out) as { errors: number; diagnostics: { file: string; line: number }[] };
    expect(report.errors).toBeGreaterThan(5);
    expect(report.diagnostics.every((d) => d.file.endsWith("broken.md") && d.line > 0)).toBe(true);
    const good = await runCli(["kb", "lint", seed, "--max-age", "100000"]);
    expect(good.code).toBe(0);
    expect(good.out).toBe("");
  });

  it("fmt --check passes on a canonical page", async () => {
    expect((await runCli(["kb", "fmt", "--check", seed])).code).toBe(0);
  });

  it("usage errors exit 2 with a hint", async () => {
    const r = await runCli(["kb", "list", "--nope"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option");
    expect((await runCli(["kb", "list", "--kb", "/no/such/page.md"])).code).toBe(2);
  });

  it("the built bin runs as users run it", async () => {
    const r = await runBin(["kb", "search", "messages stuck pending", "-o", "json"]);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { id: string }[])[0]!.id).toBe("stale-consumer-groups-redis-streams");
    const help = await runBin(["--help"]);
    expect(help.out).toContain("Exit codes");
  });
});
