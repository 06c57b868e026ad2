// The README's quick start and its dump example keep working as the project changes.
import { describe, expect, it } from "vitest";
import { runBin } from "../support/cli.js";

describe("bundled examples", () => {
  it("lint examples/manifests --zone 1 finds the executor's pitfalls and leaves the admin UI alone", async () => {
    const r = await runBin(["lint", "examples/manifests", "--zone", "1", "-o", "json"]);
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as {
      findings: { pitfall: string; file: string; object: { name: string } }[];
    };
    const pitfalls = new Set(report.findings.map((f) => f.pitfall));
    for (const id of [
      "hostnetwork-causes-port-conflicts",
      "image-pull-failures-zone-1",
      "resource-starvation",
      "secret-sync-delays",
      "crashloopbackoff",
    ])
      expect(pitfalls).toContain(id);
    expect(report.findings.some((f) => f.object.name === "ge-admin-ui")).toBe(false);
  });

  it("scan --from examples/dump diagnoses the broken cluster with filled runbooks", async () => {
    const r = await runBin(["scan", "--from", "examples/dump", "-o", "json"]);
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as {
      targets: { zone?: string }[];
      findings: {
        pitfall: string;
        object: { name: string; namespace?: string };
        runbook?: { kind: string; text: string }[];
      }[];
    };
    expect(report.targets[0]!.zone).toBe("1");
    const dolly = report.findings.find((f) => f.object.name.startsWith("dolly-orchestrator"));
    expect(dolly?.pitfall).toBe("crashloopbackoff");
    expect(dolly?.runbook?.find((s) => s.kind === "RUN")?.text).toBe(
      `kubectl logs ${dolly!.object.name} -n ${dolly!.object.namespace} --previous`,
    );
    expect(new Set(report.findings.map((f) => f.pitfall)).size).toBeGreaterThanOrEqual(7);
  });
});
