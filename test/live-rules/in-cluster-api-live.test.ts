// in-cluster-api-live: the in-cluster API address refusing a pod, from its logs.
import { describe, expect, it } from "vitest";
import { apiRefusedLine, inClusterApiLiveRule } from "../../src/rules/in-cluster-api-live.js";
import { about, loadSnapshot, one, ruleFixture, scan } from "./support.js";

describe("in-cluster-api-live on its fixture", () => {
  it("quotes the refused line from the current or the previous log", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("in-cluster-api-live")), [inClusterApiLiveRule]);
    const current = one(findings, "fire-admin-ui", "api-refused");
    expect(current.evidence?.[0]).toMatchObject({ kind: "log", source: "current log" });
    expect(current.evidence?.[0]?.text).toContain("dial tcp 10.43.0.1:443: connect: connection refused");
    expect(current.severity).toBe("CRITICAL");
    const previous = one(findings, "fire-python-client", "api-refused");
    expect(previous.evidence?.[0]).toMatchObject({ kind: "log", source: "previous log" });
    expect(about(findings, "dont-fire-database-refused")).toEqual([]);
    expect(about(findings, "dont-fire-api-ok")).toEqual([]);
  });

  it("is a k3s-only rule", () => {
    expect(inClusterApiLiveRule.meta.distribution).toBe("k3s");
  });
});

describe("apiRefusedLine", () => {
  it.each([
    ['Get "https://10.43.0.1:443/api/v1/pods": dial tcp 10.43.0.1:443: connect: connection refused'],
    ["Error: connect ECONNREFUSED 10.43.0.1:443"],
    [
      "HTTPSConnectionPool(host='10.43.0.1', port=443): Max retries exceeded ([Errno 111] Connection refused)",
    ],
    ["dial tcp: lookup kubernetes.default.svc: connection refused"],
  ])("finds %s", (line) => {
    expect(apiRefusedLine(`ok\n${line}\n`, "10.43.0.1")).toBe(line);
  });

  it.each([
    ["another address", "dial tcp 10.43.0.10:443: connect: connection refused"],
    ["another port", "dial tcp 10.43.0.1:8443: connect: connection refused"],
    ["no refusal", 'Get "https://10.43.0.1:443/api": context deadline exceeded'],
  ])("ignores %s", (_what, line) => {
    expect(apiRefusedLine(line, "10.43.0.1")).toBeUndefined();
  });

  it("uses the cluster's own API address", () => {
    expect(apiRefusedLine("dial tcp 10.96.0.1:443: connect: connection refused", "10.96.0.1")).toBeDefined();
  });
});

describe("the timeout variant (k3d: the ClusterIP drops instead of refusing)", () => {
  it("names the dial that timed out, at most HIGH when only an earlier run shows it", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("in-cluster-api-live")), [inClusterApiLiveRule]);
    const f = one(findings, "fire-api-timeout", "api-timeout");
    expect(f.severity).toBe("HIGH");
    expect(f.evidence?.[0]).toMatchObject({ kind: "log", source: "previous log" });
    expect(f.evidence?.[0]?.text).toContain("dial tcp 10.43.0.1:443: i/o timeout");
    expect(f.evidence?.[1]?.text).toBe("the container is running and ready now: this was its previous run");
    expect(about(findings, "dont-fire-other-timeout")).toEqual([]);
  });
});
