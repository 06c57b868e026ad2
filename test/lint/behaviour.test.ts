// `pitfall lint`: exit codes, stdin, bad files among good ones, suppressions, zones, --nodes, a team's DETECT line.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../../src/report/json.js";
import { runCli } from "../support/cli.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const lint = (args: string[], stdin?: string) =>
  runCli(["lint", ...args], { cwd: fixtures, ...(stdin === undefined ? {} : { stdin }) });
const json = (out: string) => JSON.parse(out) as JsonReport;

describe("exit codes", () => {
  it("0 when clean", async () => {
    const r = await lint(["clean", "--zone", "1"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("no findings");
  });

  it("1 when there are findings", async () => {
    const r = await lint(["app", "-o", "json"]);
    expect(r.code).toBe(1);
    const report = json(r.out);
    // The 1 comes from the findings: there are some, and no input error that would give 1 too.
    expect(report.findings.map((f) => f.pitfall).sort()).toEqual([
      "hostnetwork-causes-port-conflicts",
      "resource-starvation",
    ]);
    expect(report.errors).toEqual([]);
    const text = await lint(["app"]);
    expect(text.code).toBe(1);
    expect(text.out).toContain("app/web.yaml:16:7 · Deployment shop/web");
  });

  it("--fail-on HIGH with only MEDIUM findings: 0, and the finding is still shown", async () => {
    const r = await lint(["pull-always", "--zone", "1", "--fail-on", "HIGH", "-o", "json"]);
    expect(json(r.out).findings.map((f) => f.severity)).toEqual(["MEDIUM"]);
    expect(r.code).toBe(0);
    expect((await lint(["pull-always", "--zone", "1", "--fail-on", "medium"])).code).toBe(1);
  });

  it.each([
    ["an unknown zone", ["clean", "--zone", "9"], /unknown zone '9'/],
    ["an unknown severity", ["clean", "--fail-on", "SEVERE"], /CRITICAL, HIGH, MEDIUM, LOW/],
    ["an unknown format", ["clean", "-o", "xml"], /xml/],
    ["an unknown distribution", ["clean", "--distribution", "eks"], /eks/],
    ["nothing that could be read", ["no-such-folder"], /no-such-folder: no such file or folder/],
  ])("2 for %s", async (_what, args, message) => {
    const r = await lint(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });

  it("2 for a folder with no manifests in it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "pitfall-lint-empty-"));
    const r = await runCli(["lint", empty], { cwd: fixtures });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no Kubernetes manifests found/);
  });

  it("1, not 2, when one given file is missing and the others are read: an error entry, the rest still checked", async () => {
    const r = await lint(["no-such.yaml", "app", "-o", "json"]);
    expect(r.code).toBe(1);
    const report = json(r.out);
    expect(report.errors).toEqual([
      { file: "no-such.yaml", line: 1, message: expect.stringMatching(/no such file/) },
    ]);
    expect(report.findings.length).toBeGreaterThan(0);
  });
});

describe("input", () => {
  it("reads - from stdin, points into it and quotes its lines", async () => {
    const text = readFileSync(join(fixtures, "app/web.yaml"), "utf8");
    const line = text.split("\n").indexOf("      hostNetwork: true") + 1;
    const r = await lint(["-", "-o", "json"], text);
    expect(r.code).toBe(1);
    expect(json(r.out).findings[0]).toMatchObject({ file: "<stdin>", line, column: 7 });
    const t = await lint(["-"], text);
    expect(t.out).toContain(`<stdin>:${line}:7`);
    expect(t.out).toContain(`${line} |       hostNetwork: true`);
  });

  it("stdin, copied to a file and read document by document, gives what the old path gives", async () => {
    const text = ["app/web.yaml", "app/worker.yaml", "suppressed/agent.yaml", "broken/bad.yaml"]
      .map((f) => readFileSync(join(fixtures, f), "utf8"))
      .join("\n---\n");
    const args = ["lint", "-", "--zone", "1", "-o", "json", "--show-suppressed"];
    const streamed = await runCli(args, {
      cwd: fixtures,
      stdin: text,
      env: { PITFALL_LINT_PATH: "streamed" },
    });
    const old = await runCli(args, { cwd: fixtures, stdin: text, env: { PITFALL_LINT_PATH: "old" } });
    // Unset, a small input is linted in one run.
    const oneRun = await runCli(args, { cwd: fixtures, stdin: text });
    expect(oneRun.out).toBe(old.out);
    const report = json(streamed.out);
    expect(report.findings.map((f) => [f.file, f.pitfall])).toEqual([
      ["<stdin>", "hostnetwork-causes-port-conflicts"],
      ["<stdin>", "resource-starvation"],
    ]);
    expect(report.suppressions?.map((s) => s.object.name)).toEqual(["node-agent"]);
    expect(report.errors.map((e) => [e.file, e.message])).toEqual([
      ["<stdin>", expect.stringContaining("invalid YAML in document")],
    ]);
    expect(streamed.out).toBe(old.out);
    expect(streamed.code).toBe(old.code);
  });

  it("PITFALL_LINT_PATH other than old, one-run or streamed is a usage error", async () => {
    const r = await runCli(["lint", "app"], { cwd: fixtures, env: { PITFALL_LINT_PATH: "fast" } });
    expect(r.code).toBe(2);
    expect(r.err).toContain("PITFALL_LINT_PATH is 'fast': set it to old, one-run or streamed");
  });

  it("a malformed file among good ones: an error with file and line, the good file's findings still come", async () => {
    const r = await lint(["broken", "-o", "json"]);
    expect(r.code).toBe(1);
    const report = json(r.out);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({
      file: "broken/bad.yaml",
      message: expect.stringMatching(/invalid YAML/),
    });
    expect(report.errors[0]!.line).toBeGreaterThanOrEqual(6);
    expect(report.findings.map((f) => `${f.file} ${f.pitfall}`)).toContain(
      "broken/good.yaml hostnetwork-causes-port-conflicts",
    );
    const text = await lint(["broken"]);
    expect(text.out).toMatch(/broken\/bad\.yaml\n {2}error {4}broken\/bad\.yaml:\d+:\d+ {2}invalid YAML/);
    expect(text.out).toMatch(/1 input error$/m);
  });
});

describe("suppressions", () => {
  it("counts them; --show-suppressed lists each with its reason", async () => {
    const plain = await lint(["suppressed"]);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^no findings, 1 suppressed$/m);
    expect(plain.out).not.toContain("one pod per node");

    const shown = await lint(["suppressed", "--show-suppressed"]);
    expect(shown.out).toContain("hostnetwork-causes-port-conflicts  suppressed/agent.yaml:");
    expect(shown.out).toContain(
      "by annotation: the agent reads node network stats; one pod per node, no surge",
    );

    const report = JSON.parse((await lint(["suppressed", "--show-suppressed", "-o", "json"])).out);
    expect(report.suppressed).toBe(1);
    expect(report.suppressions[0]).toMatchObject({
      pitfall: "hostnetwork-causes-port-conflicts",
      object: { kind: "DaemonSet", namespace: "monitoring", name: "node-agent" },
      file: "suppressed/agent.yaml",
      by: "annotation",
      reason: "the agent reads node network stats; one pod per node, no surge",
    });
    expect(Object.keys(report)).toEqual(["findings", "errors", "suppressed", "suppressions"]);
  });
});

describe("zones", () => {
  it("imagePullPolicy: Always fires in zone 1 (k3s) only", async () => {
    const z1 = await lint(["pull-always", "--zone", "1", "-o", "json"]);
    expect(json(z1.out).findings).toEqual([
      expect.objectContaining({
        pitfall: "image-pull-failures-zone-1",
        container: "cache",
        severity: "MEDIUM",
      }),
    ]);
    expect(z1.err).toMatch(/zone 1 \(k3s\): --zone 1; k3s per the page header/);

    const z2 = await lint(["pull-always", "--zone", "2", "-o", "json"]);
    expect(z2.code).toBe(0);
    expect(json(z2.out).findings).toEqual([]);
    expect(z2.err).toMatch(/zone 2 \(managed\)/);
    expect(z2.err).toMatch(
      /skipped [^\n]*image-pull-failures-zone-1[^\n]*: zone-specific \(zone 1, k3s\); the target is zone 2/,
    );
  });

  it("--distribution k3s picks the k3s zone", async () => {
    const r = await lint(["pull-always", "--distribution", "k3s", "-o", "json"]);
    expect(json(r.out).findings.map((f) => f.pitfall)).toEqual(["image-pull-failures-zone-1"]);
    expect(r.err).toMatch(/zone 1 \(k3s\): --distribution k3s/);
  });

  it("without a zone says so and skips the zone-specific pitfalls", async () => {
    const r = await lint(["pull-always"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/no zone/);
    expect(r.err).toMatch(/skipped [^\n]*image-pull-failures-zone-1/);
  });
});

describe("--nodes", () => {
  it("checks total requests against the nodes' allocatable; the nodes themselves are not linted", async () => {
    const without = await lint(["capacity", "-o", "json"]);
    expect(json(without.out).findings).toEqual([]);
    const r = await lint(["capacity", "--nodes", "nodes.yaml", "-o", "json"]);
    expect(r.code).toBe(1);
    const findings = json(r.out).findings;
    expect(findings.map((f) => f.rule)).toEqual(["node-capacity"]);
    expect(findings[0]).toMatchObject({
      object: { kind: "Deployment", name: "batch" },
      file: "capacity/app.yaml",
    });
    expect(findings.some((f) => f.object.kind === "Node")).toBe(false);
  });

  it("a --nodes file that is missing or holds no Nodes is a usage error", async () => {
    expect((await lint(["capacity", "--nodes", "missing.yaml"])).code).toBe(2);
    const r = await lint(["capacity", "--nodes", "clean/ok.yaml"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds no Node objects/);
  });
});

describe("a team's page", () => {
  it("a pitfall added with `kb add` and a DETECT line is reported by lint --kb, no code change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pitfall-lint-kb-"));
    const page = join(dir, "team.md");
    writeFileSync(page, "# Team Pitfalls\n\nOWNER: shop-team\n");
    const added = await runCli(
      [
        "kb",
        "add",
        "--page",
        page,
        "--title",
        "Single Replica Deployments",
        "--severity",
        "LOW",
        "--zone",
        "ALL",
        "--fix",
        "set spec.replicas to 2 or more",
        "--added-from",
        "shop-outage-2026-04, the api was down during a node drain",
        "--detect",
        "object.kind == 'Deployment' && (!has(object.spec.replicas) || object.spec.replicas < 2)",
      ],
      { cwd: dir },
    );
    expect(added.code).toBe(0);

    const before = await lint(["clean", "-o", "json"]);
    expect(json(before.out).findings).toEqual([]);
    const r = await lint(["clean", "--kb", page, "-o", "json"]);
    expect(r.code).toBe(1);
    expect(json(r.out).findings).toEqual([
      expect.objectContaining({
        pitfall: "single-replica-deployments",
        severity: "LOW",
        object: { kind: "Deployment", namespace: "shop", name: "api" },
        file: "clean/ok.yaml",
      }),
    ]);
    const text = await lint(["clean", "--kb", page]);
    expect(text.out).toContain("LOW      Single Replica Deployments");
    expect(text.out).toContain("FIX: set spec.replicas to 2 or more");
  });
});

describe("--help", () => {
  it("shows examples and exit codes", async () => {
    const r = await runCli(["lint", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("helm template chart/ | pitfall lint - --zone 2");
    expect(r.out).toContain("Exit codes:");
  });
});
