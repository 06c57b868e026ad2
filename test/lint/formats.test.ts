// Each output format of `pitfall lint` on a folder of manifests with findings.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { type Schema, validate } from "./json-schema.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const lint = (...args: string[]) => runCli(["lint", ...args], { cwd: fixtures });

/** 1-based line of the first line of a fixture that contains `text`. */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(`${fixtures}${file}`, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

const HOST_NETWORK = "hostnetwork-causes-port-conflicts";
const FINDING_KEYS = [
  "pitfall",
  "rule",
  "severity",
  "object",
  "container",
  "file",
  "line",
  "column",
  "message",
  "evidence",
  "runbook",
];

describe("lint -o json", () => {
  it("has the documented shape: keys in order, optional keys left out", async () => {
    const r = await lint("app", "--zone", "1", "-o", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(["findings", "errors", "suppressed"]);
    expect(report.errors).toEqual([]);
    expect(report.suppressed).toBe(0);
    for (const f of report.findings) {
      const keys = Object.keys(f);
      // Every key is a documented one, and they come in the documented order.
      expect(keys.every((k) => FINDING_KEYS.includes(k))).toBe(true);
      expect(keys).toEqual(FINDING_KEYS.filter((k) => keys.includes(k)));
      expect(Object.keys(f.object)).toEqual(["kind", "namespace", "name"].filter((k) => k in f.object));
    }
    const host = report.findings.find((f: { pitfall: string }) => f.pitfall === HOST_NETWORK);
    expect(host).toMatchObject({
      pitfall: HOST_NETWORK,
      rule: "host-network",
      severity: "HIGH",
      object: { kind: "Deployment", namespace: "shop", name: "web" },
      file: "app/web.yaml",
      line: lineOf("app/web.yaml", "hostNetwork: true"),
      column: 7,
    });
    expect(host).not.toHaveProperty("container");
    expect(host.runbook.map((s: { kind: string }) => s.kind)).toContain("FIX");
    const starved = report.findings.find((f: { pitfall: string }) => f.pitfall === "resource-starvation");
    expect(starved).toMatchObject({ container: "worker", file: "app/worker.yaml" });
  });

  it("orders findings most severe first, then by file and line", async () => {
    const r = await lint("app", "pull-always", "--zone", "1", "-o", "json");
    const severities = JSON.parse(r.out).findings.map((f: { severity: string }) => f.severity);
    expect(severities).toEqual([...severities].sort((a: string, b: string) => rank(a) - rank(b)));
    expect(severities.at(-1)).toBe("MEDIUM");
  });
});

function rank(s: string): number {
  return ["CRITICAL", "HIGH", "MEDIUM", "LOW"].indexOf(s);
}

// The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that code scanning relies on.
const message: Schema = {
  type: "object",
  required: ["text"],
  properties: { text: { type: "string", minLength: 1 } },
};
const multiformat: Schema = {
  type: "object",
  required: ["text"],
  properties: { text: { type: "string", minLength: 1 }, markdown: { type: "string" } },
};
const level: Schema = { enum: ["none", "note", "warning", "error"] };
const SARIF: Schema = {
  type: "object",
  required: ["version", "runs"],
  properties: {
    $schema: { type: "string" },
    version: { const: "2.1.0" },
    runs: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["tool"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: {
              driver: {
                type: "object",
                required: ["name"],
                properties: {
                  name: { const: "pitfall" },
                  version: { type: "string" },
                  rules: {
                    type: "array",
                    items: {
                      type: "object",
                      required: ["id"],
                      properties: {
                        id: { type: "string", minLength: 1 },
                        shortDescription: message,
                        fullDescription: message,
                        help: multiformat,
                        defaultConfiguration: { type: "object", properties: { level } },
                        properties: {
                          type: "object",
                          properties: { tags: { type: "array", items: { type: "string" } } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          invocations: {
            type: "array",
            items: {
              type: "object",
              required: ["executionSuccessful"],
              properties: { executionSuccessful: { type: "boolean" } },
            },
          },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["message"],
              properties: {
                ruleId: { type: "string" },
                ruleIndex: { type: "integer", minimum: 0 },
                level,
                message,
                locations: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      physicalLocation: {
                        type: "object",
                        properties: {
                          artifactLocation: {
                            type: "object",
                            properties: { uri: { type: "string", pattern: "^[^<>\\s]+$" } },
                          },
                          region: {
                            type: "object",
                            properties: {
                              startLine: { type: "integer", minimum: 1 },
                              startColumn: { type: "integer", minimum: 1 },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

describe("lint -o sarif", () => {
  it("is valid SARIF 2.1.0 pointing at the offending field", async () => {
    const r = await lint("app", "--zone", "1", "-o", "sarif");
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.out);
    expect(validate(SARIF, sarif)).toEqual([]);
    const run = sarif.runs[0];
    const host = run.results.find((x: { ruleId: string }) => x.ruleId.startsWith(HOST_NETWORK));
    expect(host.level).toBe("error");
    const location = host.locations[0].physicalLocation;
    expect(location.artifactLocation.uri).toBe("app/web.yaml");
    expect(location.region.startLine).toBe(lineOf("app/web.yaml", "hostNetwork: true"));
    expect(location.region.startColumn).toBe(7);
    // Every result's ruleIndex points at its rule.
    for (const x of run.results) expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
    const rule = run.tool.driver.rules[host.ruleIndex];
    expect(rule.shortDescription.text).toBe("hostNetwork Causes Port Conflicts");
    expect(rule.fullDescription.text).toMatch(/hostNetwork: true/);
    expect(rule.help.markdown).toMatch(/\*\*FIX:\*\* expose workloads through ClusterIP Services/);
    expect(rule.help.text).toMatch(/FIX: /);
    expect(rule.defaultConfiguration.level).toBe("error");
    expect(rule.properties.tags).toEqual(expect.arrayContaining(["kubernetes", "zone-all"]));
  });

  it("records malformed input as a failed execution with the file and line", async () => {
    const sarif = JSON.parse((await lint("broken", "-o", "sarif")).out);
    expect(validate(SARIF, sarif)).toEqual([]);
    const inv = sarif.runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      "broken/bad.yaml",
    );
  });
});

describe("lint -o markdown", () => {
  it("gives a summary table, then a collapsible block per finding with its steps", async () => {
    const r = await lint("app", "--zone", "1", "-o", "markdown");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^### pitfall: 2 findings \(2 HIGH\)/);
    expect(r.out).toContain("| Severity | Pitfall | Object | Where |");
    expect(r.out).toContain(
      `| HIGH | hostNetwork Causes Port Conflicts | Deployment shop/web | \`app/web.yaml:${lineOf("app/web.yaml", "hostNetwork: true")}:7\` |`,
    );
    expect(r.out.match(/<details>/g)).toHaveLength(2);
    expect(r.out).toContain(
      "- **FIX:** expose workloads through ClusterIP Services plus an Ingress for outside access",
    );
    expect(r.out).toContain("```yaml\n      hostNetwork: true\n```");
  });
});

describe("lint -o text", () => {
  it("groups by file and shows location, quoted line, steps and a summary", async () => {
    const r = await lint("app", "--zone", "1");
    const line = lineOf("app/web.yaml", "hostNetwork: true");
    expect(r.out).toContain(
      "app/web.yaml\n  HIGH     hostNetwork Causes Port Conflicts (hostnetwork-causes-port-conflicts)\n",
    );
    expect(r.out).toContain(`app/web.yaml:${line}:7 · Deployment shop/web\n`);
    expect(r.out).toContain(`    ${line} |       hostNetwork: true\n`);
    expect(r.out).toContain("    FIX: for LAN access use a NodePort (only in Zone 1)\n");
    expect(r.out).toContain("app/worker.yaml:");
    expect(r.out).toContain("container worker");
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("2 findings (2 HIGH) in 2 files");
    // NO_COLOR is set by runCli: no escape codes.
    expect(r.out).not.toContain("\u001b[");
  });

  it("colours on a terminal when asked with FORCE_COLOR", async () => {
    const r = await runCli(["lint", "app"], {
      cwd: fixtures,
      env: { FORCE_COLOR: "1", NO_COLOR: undefined },
    });
    expect(r.out).toContain("\u001b[31mHIGH");
  });
});
