// node-pressure: requests summed as kubectl describe node does, pressure conditions, evictions.
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { nodePressureRule } from "../../src/rules/node-pressure.js";
import { about, loadSnapshot, one, ruleFixture, scan } from "./support.js";

describe("node-pressure on its fixture", () => {
  it("reports requests over 80% with the sum and the largest requesters", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("node-pressure")), [nodePressureRule]);
    const f = one(findings, "fire-node-requests", "requests-over");
    expect(f.message).toBe(
      "pods on node fire-node-requests request 87% of its allocatable memory (7Gi of 8Gi), over the 80% limit",
    );
    expect(f.evidence?.map((e) => e.text)).toEqual([
      "2 non-terminated pods request 7Gi memory of 8Gi allocatable (87%)",
      "largest requests: ge-agents/indexer-1 3.5Gi (43%), ge-agents/indexer-2 3.5Gi (43%)",
    ]);
    // CPU: 1000m of 4000m is 25%.
    expect(about(findings, "fire-node-requests", "requests-over")).toHaveLength(1);
  });

  it("reports each pressure condition that is True, with its message, and not Unknown ones", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("node-pressure")), [nodePressureRule]);
    const f = one(findings, "fire-node-pressure", "pressure");
    expect(f.data).toEqual({
      node: "fire-node-pressure",
      condition: "DiskPressure",
      reason: "KubeletHasDiskPressure",
    });
    expect(f.evidence).toEqual([
      {
        kind: "condition",
        text: "DiskPressure True for 30m: kubelet has disk pressure",
        source: "status.conditions[DiskPressure]",
      },
    ]);
  });

  it("reports evicted pods per node, with each pod's message", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("node-pressure")), [nodePressureRule]);
    const f = one(findings, "fire-node-evicted", "evicted");
    expect(f.object.kind).toBe("Node");
    expect(f.data).toEqual({ count: 1, node: "fire-node-evicted", pod: "indexer-zr4tw" });
    expect(f.evidence?.[0]?.text).toMatch(
      /^ge-agents\/indexer-zr4tw: The node was low on resource: memory\./,
    );
  });

  it("does not count finished pods, as kubectl describe node does not", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("node-pressure")), [nodePressureRule]);
    expect(about(findings, "dont-fire-node")).toEqual([]);
  });

  it("follows the configured threshold", async () => {
    const config = defaultConfig();
    config.expect.requestsThreshold = 0.2;
    const { findings } = await scan(loadSnapshot(ruleFixture("node-pressure")), [nodePressureRule], config);
    expect(
      about(findings, "dont-fire-node", "requests-over")
        .map((f) => f.data.resource)
        .sort(),
    ).toEqual(["cpu", "memory"]);
  });
});
