// Resource starvation as the scheduler and the kubelet report it: Insufficient cpu, memory or an extended
// resource in FailedScheduling (or the PodScheduled condition), and pods a node turned away as OutOf….
import { describe, expect, it } from "vitest";
import { insufficientResources, schedulingStarvationRule } from "../../src/rules/scheduling-starvation.js";
import { loadSnapshot, one, ruleFixture, runbookText, scan } from "./support.js";

describe("scheduling-starvation", () => {
  it("reads every short resource from the scheduler's message, once each", () => {
    expect(
      insufficientResources("0/3 nodes are available: 2 Insufficient memory, 3 Insufficient cpu."),
    ).toEqual(["memory", "cpu"]);
    expect(insufficientResources("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.")).toEqual([
      "nvidia.com/gpu",
    ]);
    expect(
      insufficientResources("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity"),
    ).toEqual([]);
  });

  it("names the extended resource no node has, with the scheduler's event, and the page's steps", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("scheduling-starvation")), [
      schedulingStarvationRule,
    ]);
    const gpu = one(findings, "fire-insufficient-gpu", "insufficient");
    expect(gpu.pitfall).toBe("resource-starvation");
    expect(gpu.data.resources).toBe("nvidia.com/gpu");
    expect(gpu.evidence?.[0]?.text).toMatch(
      /^Warning FailedScheduling \(x3 over 1h20m, last 10m ago\): 0\/1 nodes/,
    );
    expect(runbookText(gpu)).toContain("RUN: kubectl top nodes");
    expect(one(findings, "fire-insufficient-memory", "insufficient").data.resources).toBe("memory, cpu");
    expect(one(findings, "fire-out-of-memory", "out-of-resource").message).toBe(
      "pod fire-out-of-memory was turned away by node k3s-agent-1: OutOfmemory (Pod Node didn't have enough resource: memory, requested: 4294967296, used: 7516192768, capacity: 8232370176)",
    );
  });
});
