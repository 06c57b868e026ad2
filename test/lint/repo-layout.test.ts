// Issue 13, points 4 and 5: `pitfall lint .` at a repository root with a Helm chart and a kustomize folder reads
// neither the chart's templates nor the overlay's patches as objects: one note each, the exit code comes from the
// findings alone; the rendered output (`kubectl kustomize … | pitfall lint -`) is what gets linted.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../../src/report/json.js";
import { runCli } from "../support/cli.js";

const repo = fileURLToPath(new URL("../fixtures/repo/", import.meta.url));
const layout = fileURLToPath(new URL("../fixtures/layout/", import.meta.url));
const json = (out: string) => JSON.parse(out) as JsonReport;

describe("a repository root with a Helm chart and a kustomize overlay", () => {
  it("exits by its findings only, with one note for the chart and one for the overlay's patches", async () => {
    const r = await runCli(["lint", "."], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "charts/web/Chart.yaml:1  charts/web is a Helm chart (Chart.yaml beside templates/): its templates are not YAML until Helm renders them, so it was skipped; lint what it renders: helm template charts/web | pitfall lint -",
    );
    expect(r.out).toContain(
      "deploy/overlays/prod/kustomization.yaml:1  2 patches of deploy/overlays/prod/kustomization.yaml skipped (deploy/overlays/prod/orders-env.yaml, deploy/overlays/prod/orders-replicas.yaml): a patch is not a whole object until kustomize merges it; lint what kustomize renders: kubectl kustomize deploy/overlays/prod | pitfall lint -",
    );
    expect(r.out).toMatch(/1 finding \(1 HIGH\) in 1 file, 2 warnings\n$/);

    const report = json((await runCli(["lint", ".", "-o", "json"], { cwd: repo })).out);
    // No input error: neither the templates nor the kustomization files nor the patches were read as objects.
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => [f.file, f.line, f.rule])).toEqual([
      ["deploy/base/deployment.yaml", 16, "resources"],
    ]);
    // Below the findings' severity, nothing else makes it fail.
    expect((await runCli(["lint", ".", "--fail-on", "CRITICAL"], { cwd: repo })).code).toBe(0);
  });

  it("kubectl kustomize … | pitfall lint - lints the rendered objects", async () => {
    const rendered = spawnSync("kubectl", ["kustomize", "deploy/overlays/prod"], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(rendered.status, rendered.stderr).toBe(0);
    const r = await runCli(["lint", "-", "-o", "json"], { cwd: repo, stdin: rendered.stdout });
    expect(r.code).toBe(1);
    const report = json(r.out);
    expect(report.errors).toEqual([]);
    // The merged object: the overlay's name prefix, the base's container with the patch's env var.
    expect(report.findings.map((f) => [f.file, f.object.name, f.container, f.rule])).toEqual([
      ["<stdin>", "prod-orders", "orders", "resources"],
    ]);
    expect(rendered.stdout).toContain("ORDERS_MODE");
  });

  it("a chart template named on its own is read as asked (and is not YAML)", async () => {
    const r = await runCli(["lint", "charts/web/templates/deployment.yaml", "-o", "json"], { cwd: repo });
    expect(r.code).toBe(1);
    expect(json(r.out).errors[0]?.file).toBe("charts/web/templates/deployment.yaml");
  });
});

describe("patches listed nowhere", () => {
  it("are left out with one note per file, instead of findings about what the patch never sets", async () => {
    const r = await runCli(["lint", "fragments", "-o", "json"], { cwd: layout });
    const report = json(r.out);
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "fragments/add-sidecar.yaml:2: Deployment api reads as a patch, not a whole object (container api has no image, which the API server requires) (and 1 more object of the file); skipped: lint what kustomize renders: kubectl kustomize fragments | pitfall lint -",
    );
  });
});

describe("ignore: path globs", () => {
  it("cover input errors too, each suppression with its reason", async () => {
    const bare = await runCli(["lint", "snippets", "-o", "json", "--config", "/dev/null"], { cwd: layout });
    expect(json(bare.out).errors.map((e) => e.file)).toEqual(["snippets/broken.yaml"]);
    expect(bare.code).toBe(1);

    const r = await runCli(["lint", "snippets", "--show-suppressed"], { cwd: layout });
    expect(r.code).toBe(0);
    expect(r.out).toContain("input-error  snippets/broken.yaml:8  File snippets/broken.yaml");
    expect(r.out).toContain("by config: documentation snippets, not deployed");
    expect(r.out).toMatch(/no findings, 1 suppressed\n$/);
  });
});
