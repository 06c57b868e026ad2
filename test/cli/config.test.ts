// .pitfall.yaml is checked once, against the schema: a typo is exit 2 with the file, the line, the setting and a
// did-you-mean, before anything is read or any finding is silenced by mistake.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: web:1.0.0
          resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 10m, memory: 16Mi } }
`;

/** A folder with a deployment and this `.pitfall.yaml`. */
function project(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-config-"));
  writeFileSync(join(dir, ".pitfall.yaml"), config);
  writeFileSync(join(dir, "web.yaml"), DEPLOYMENT);
  return dir;
}

describe(".pitfall.yaml typos", () => {
  it.each([
    [
      "an unknown key",
      "zones:\n  '1': { distribution: k3s }\nexpect:\n  redisPortt: 6380\n",
      ".pitfall.yaml:4: expect.redisPortt: not a setting (did you mean redisPort?)",
    ],
    [
      "an unknown pitfall id in ignore:",
      "ignore:\n  - namespace: shop\n    pitfalls:\n      - hostnetwork-causes-port-conflict\n",
      '.pitfall.yaml:4: ignore[0].pitfalls[0]: no pitfall or rule has the id "hostnetwork-causes-port-conflict" (did you mean hostnetwork-causes-port-conflicts?)',
    ],
    [
      "an ignore entry with `pitfall:` for `pitfalls:`",
      "ignore:\n  - namespace: shop\n    pitfall: [host-network]\n    reason: a node agent\n",
      ".pitfall.yaml:3: ignore[0].pitfall: not a setting (did you mean pitfalls?)",
    ],
    [
      "an ignore entry with no condition (it would silence everything)",
      "ignore:\n  - namespace: shop\n    pitfalls: [resources]\n  - reason: legacy\n",
      ".pitfall.yaml:4: ignore[1]: an ignore entry needs a condition (path, namespace or pitfalls); without one it would silence every finding",
    ],
    [
      "an ignore entry whose only condition is an empty list",
      "ignore:\n  - pitfalls: []\n    reason: later\n",
      ".pitfall.yaml:2: ignore[0]: an ignore entry needs a condition",
    ],
    [
      "a string where a list belongs",
      "zones:\n  '1':\n    distribution: k3s\n    contexts: office\n",
      '.pitfall.yaml:4: zones.1.contexts: must be a list (write [a, b], or one item per line starting with -), not the text "office"',
    ],
  ])("lint: %s is exit 2 with file:line", async (_what, config, message) => {
    const dir = project(config);
    const r = await runCli(["lint", "web.yaml"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain(`${join(dir, message)}`);
  });

  it("every problem of the file at once, each on its line", async () => {
    const dir = project(
      "zones:\n  '1': { distribution: eks }\nexpect:\n  crashLoopEscalateAfter: a day\nignor: []\n",
    );
    const r = await runCli(["scan", "--from", "web.yaml"], { cwd: dir });
    expect(r.code).toBe(2);
    const file = join(dir, ".pitfall.yaml");
    expect(r.err).toContain(
      `${file}:2: zones.1.distribution: must be one of k3s, managed, not the text "eks"`,
    );
    expect(r.err).toContain(
      `${file}:4: expect.crashLoopEscalateAfter: must be a duration such as 15m, 24h or 7d, not the text "a day"`,
    );
    expect(r.err).toContain(`${file}:5: ignor: not a setting (did you mean ignore?)`);
  });

  it('pitfalls: ["*"] alone silences everything on purpose, and says so', async () => {
    const dir = project('ignore:\n  - pitfalls: ["*"]\n    reason: vendored\n');
    const r = await runCli(["lint", "web.yaml", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toBeGreaterThan(0);
  });

  it("a correct config with a known pitfall and a rule id is taken, and the ignore applies", async () => {
    const dir = project(
      "ignore:\n  - pitfalls: [hostnetwork-causes-port-conflicts, resources]\n    reason: a node agent\n",
    );
    const r = await runCli(["lint", "web.yaml", "-o", "json"], { cwd: dir });
    expect(r.err).not.toContain(".pitfall.yaml:");
    expect(JSON.parse(r.out).suppressed).toBeGreaterThan(0);
  });
});
