// The reporters on hand-made findings: live ones (no file), suppressions, limits and escaping.
import { describe, expect, it } from "vitest";
import type { Pitfall } from "../kb/model.js";
import type { Finding } from "../model/finding.js";
import { formatJson, jsonReport } from "./json.js";
import { formatMarkdown } from "./markdown.js";
import { fileUri, sarifReport } from "./sarif.js";
import { formatText } from "./text.js";
import type { ReportInput } from "./types.js";

const pitfall: Pitfall = {
  id: "crashloopbackoff",
  title: "CrashLoopBackOff",
  severity: "MEDIUM",
  zones: { all: true, zones: [], text: "ALL" },
  blocks: [{ type: "prose", text: "The container starts, crashes,\nrestarts, crashes again.", line: 3 }],
  steps: [
    { kind: "IF", text: "pod is in CrashLoopBackOff", line: 5, group: 0 },
    { kind: "RUN", text: "kubectl logs {pod-name} -n ge-{namespace} --previous", line: 6, group: 0 },
  ],
  addedFrom: [],
  detect: [],
  guard: [],
  meta: [],
  source: { file: "kb/kubernetes.md", line: 1 },
};

const live: Finding = {
  pitfall: "crashloopbackoff",
  rule: "crash-loop",
  severity: "HIGH",
  object: { kind: "Pod", namespace: "ge-agents", name: "executor-7d9f" },
  container: "executor",
  messageId: "looping",
  data: {},
  message: "container executor restarted 8509 times",
  evidence: [{ kind: "status", text: "restartCount: 8509", source: "status.containerStatuses[0]" }],
  runbook: [
    { kind: "IF", text: "pod is in CrashLoopBackOff" },
    {
      kind: "RUN",
      text: "kubectl logs executor-7d9f -n ge-agents --previous -c {container-name}",
      unfilled: ["container-name"],
    },
  ],
  context: "prod",
};

function input(findings: Finding[], extra: Partial<ReportInput> = {}): ReportInput {
  return {
    findings,
    diagnostics: [],
    suppressed: [],
    pitfall: (id) => (id === pitfall.id ? pitfall : undefined),
    ...extra,
  };
}

describe("json", () => {
  it("leaves out file, line and column of live findings, and lists what was not checked", () => {
    const report = jsonReport(
      input([live], { incomplete: [{ resource: "externalsecrets", reason: "404: CRD not installed" }] }),
    );
    expect(Object.keys(report)).toEqual(["findings", "errors", "suppressed", "incomplete"]);
    expect(Object.keys(report.findings[0]!)).toEqual([
      "pitfall",
      "rule",
      "severity",
      "object",
      "container",
      "message",
      "evidence",
      "runbook",
      "context",
    ]);
    expect(report.findings[0]!.runbook![1]).toEqual({
      kind: "RUN",
      text: "kubectl logs executor-7d9f -n ge-agents --previous -c {container-name}",
      unfilled: ["container-name"],
    });
  });

  it("is the same text for the same findings in any order", () => {
    const other: Finding = { ...live, severity: "LOW", object: { ...live.object, name: "a" } };
    expect(formatJson(input([live, other]))).toBe(formatJson(input([other, live])));
  });
});

describe("text", () => {
  it("groups live findings by object and shows the whole filled runbook", () => {
    const out = formatText(input([live]));
    expect(out).toContain(
      "prod: Pod ge-agents/executor-7d9f\n  HIGH     CrashLoopBackOff (crashloopbackoff)\n",
    );
    expect(out).toContain("    status (status.containerStatuses[0]): restartCount: 8509\n");
    expect(out).toContain("    IF: pod is in CrashLoopBackOff\n");
    expect(out).toContain("(fill in: container-name)");
    expect(out).toMatch(/1 finding \(1 HIGH\)$/m);
  });

  it("shows a pitfall it does not know by id", () => {
    const out = formatText(input([{ ...live, pitfall: "team-only" }]));
    expect(out).toContain("HIGH     team-only (team-only)");
  });
});

describe("sarif", () => {
  it("places live findings by logical location and keeps suppressed results marked", () => {
    const sarif = sarifReport(
      input([live], {
        suppressed: [
          {
            pitfall: "crashloopbackoff",
            rule: "crash-loop",
            object: { kind: "Pod", namespace: "ge-agents", name: "old" },
            by: "config",
            reason: "being decommissioned",
          },
        ],
      }),
      { version: "9.9.9", showSuppressed: true },
    );
    const run = sarif.runs[0]!;
    expect(run.tool.driver).toMatchObject({ name: "pitfall", version: "9.9.9" });
    expect(run.tool.driver.rules).toHaveLength(1);
    expect(run.tool.driver.rules[0]!.fullDescription.text).toBe(
      "The container starts, crashes, restarts, crashes again.",
    );
    expect(run.results[0]!.locations[0]).toEqual({
      logicalLocations: [{ fullyQualifiedName: "Pod/ge-agents/executor-7d9f/executor", kind: "resource" }],
    });
    expect(run.results[1]!.suppressions).toEqual([
      { kind: "external", justification: "being decommissioned" },
    ]);
    expect(run.results[1]!.level).toBe("warning");
  });

  it("leaves suppressed results out unless asked", () => {
    const sarif = sarifReport(
      input([], {
        suppressed: [{ pitfall: "x", rule: "y", object: { kind: "Pod", name: "p" }, reason: "r" }],
      }),
      { version: "1" },
    );
    expect(sarif.runs[0]!.results).toEqual([]);
  });

  it("keeps relative paths relative and encodes what a URI cannot hold", () => {
    expect(fileUri("deploy/web app.yaml")).toBe("deploy/web%20app.yaml");
    expect(fileUri("<stdin>")).toBe("%3Cstdin%3E");
    expect(fileUri("/abs/x.yaml")).toBe("file:///abs/x.yaml");
  });
});

describe("markdown", () => {
  it("says which placeholders of a step are left to fill", () => {
    expect(formatMarkdown(input([live]))).toContain(
      "- **RUN:** `kubectl logs executor-7d9f -n ge-agents --previous -c {container-name}` _(fill in: container-name)_",
    );
  });

  it("escapes table cells and stays under the size limit", () => {
    const many = Array.from(
      { length: 200 },
      (_, i): Finding => ({
        ...live,
        object: { ...live.object, name: `pod|${i}` },
        file: `deploy/${i}.yaml`,
        line: 3,
      }),
    );
    const out = formatMarkdown(input(many), { maxLength: 8000 });
    expect(out.length).toBeLessThan(8000 + 500);
    expect(out).toContain("Pod ge-agents/pod\\|0");
    expect(out).toMatch(/more findings? not detailed here/);
    expect(out).toMatch(/\| \| _\d+ more findings?_ \| \| \|/);
  });

  it("says so when there is nothing to report", () => {
    expect(formatMarkdown(input([]))).toBe("### pitfall: no findings\n");
  });
});
