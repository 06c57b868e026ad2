// The JSON report written in parts is the same text, byte for byte, as the report stringified whole.
import { describe, expect, it } from "vitest";
import type { Finding } from "../model/finding.js";
import { FINDINGS_PER_PART, formatJson, jsonParts, jsonReport } from "./json.js";
import type { ReportInput } from "./types.js";

function finding(i: number): Finding {
  return {
    pitfall: `pitfall-${i % 3}`,
    rule: "host-network",
    severity: "HIGH",
    object: { kind: "Deployment", namespace: "shop", name: `web-${i}` },
    messageId: "m",
    data: {},
    message: `line one\nline "two" of ${i}`,
    runbook: [{ kind: "FIX", text: "set hostNetwork: false\n  and redeploy" }],
    evidence: [{ kind: "field", text: "hostNetwork: true", source: "spec.hostNetwork" }],
    file: `deploy/${i % 2}.yaml`,
    line: 100 - i,
    column: 7,
  };
}

function input(findings: Finding[]): ReportInput {
  return {
    findings,
    diagnostics: [
      { file: "deploy/bad.yaml", line: 3, severity: "error", code: "yaml-syntax", message: "bad" },
    ],
    suppressed: [
      {
        pitfall: "p",
        rule: "r",
        object: { kind: "Pod", name: "a" },
        file: "x.yaml",
        line: 1,
        by: "annotation",
        reason: "why",
      },
    ],
    pitfall: () => undefined,
  };
}

describe("jsonParts", () => {
  it.each([0, 1, 7, FINDINGS_PER_PART, FINDINGS_PER_PART * 2 + 3])(
    "gives JSON.stringify's text for %i findings, a few hundred findings a part",
    (count) => {
      const given = input(Array.from({ length: count }, (_, i) => finding(i)));
      for (const showSuppressed of [false, true]) {
        const whole = `${JSON.stringify(jsonReport(given, { showSuppressed }), null, 2)}\n`;
        expect(formatJson(given, { showSuppressed })).toBe(whole);
        const parts = count ? Math.ceil(count / FINDINGS_PER_PART) + 2 : 1;
        expect([...jsonParts(given, { showSuppressed })].length).toBe(parts);
      }
    },
  );
});
