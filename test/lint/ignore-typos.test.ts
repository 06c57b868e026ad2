// Issue 13, point 9: a misspelt ignore annotation is an input error at its line, with a did-you-mean, and
// silences nothing (the config's typos are in test/cli/config.test.ts).
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { JsonReport } from "../../src/report/json.js";
import { runCli } from "../support/cli.js";

const fixtures = fileURLToPath(new URL("../fixtures/ignore/", import.meta.url));

describe("pitfall.io/ignore with an unknown id", () => {
  it("is an input error at the annotation's line with a did-you-mean, and the finding stays", async () => {
    const r = await runCli(["lint", "annotations.yaml", "-o", "json"], { cwd: fixtures });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.errors.map((e) => [e.file, e.line])).toEqual([
      ["annotations.yaml", 9],
      ["annotations.yaml", 16],
    ]);
    expect(report.errors[0]!.message).toContain(
      'pitfall.io/ignore on the object names "hostnetwork-causes-port-conflict", which is no pitfall or rule id (did you mean hostnetwork-causes-port-conflicts?), so it silences nothing',
    );
    expect(report.errors[1]!.message).toContain('on the pod template names "resource"');
    expect(report.errors[1]!.message).toContain("(did you mean resources?)");
    // image-pull-policy is a rule id: known, so not an error.
    expect(report.errors.some((e) => e.message.includes('"image-pull-policy"'))).toBe(false);
    const agent = report.findings.filter((f) => f.object.name === "node-agent").map((f) => f.rule);
    expect(agent).toContain("host-network");
    // The one spelled right silences its findings and is no error.
    expect(report.findings.filter((f) => f.object.name === "log-agent")).toEqual([]);
    expect(report.suppressed).toBeGreaterThan(0);
  });

  it("text output shows the error with file:line", async () => {
    const r = await runCli(["lint", "annotations.yaml"], { cwd: fixtures });
    expect(r.out).toMatch(
      /error\s+annotations\.yaml:9:\d+\s+DaemonSet\/ops\/node-agent: pitfall\.io\/ignore/,
    );
  });
});
