// Issue 13, point 10: under a manifest finding, a THEN line is shown with the whole IF group it belongs to, so a
// step never reads as the opposite of its finding.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const fixtures = fileURLToPath(new URL("../fixtures/steps/", import.meta.url));

describe("steps under a manifest finding", () => {
  it("print each THEN's IF group whole, in page order", async () => {
    const r = await runCli(["lint", "refresh-too-short.yaml"], { cwd: fixtures });
    expect(r.code).toBe(1);
    const lines = r.out.split("\n").map((l) => l.trim());
    expect(lines).toContain("refresh-too-short.yaml:8:3 · ExternalSecret ge-system/ge-api-secrets");
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const lower = at("THEN: lower refreshInterval on the ExternalSecret");
    expect(lower).toBeGreaterThan(0);
    // The IF that gives "lower" its context comes right before it.
    expect(lines[lower - 1]).toBe("IF: syncs have to happen sooner");
    // The other group is whole too: its IF, its THEN and its RUN, before.
    const rotated = at("IF: a secret was rotated and pods still see the old value");
    expect(rotated).toBeGreaterThan(0);
    expect(rotated).toBeLessThan(lower);
    expect(lines[rotated + 1]).toBe("THEN: trigger a sync by hand");
    expect(lines[rotated + 2]).toMatch(/^RUN: kubectl annotate externalsecret ge-api-secrets -n ge-system/);
  });
});
