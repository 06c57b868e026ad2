// oom-killed: kills with their limit, the limit history across revisions, and what is history rather than now.
import { describe, expect, it } from "vitest";
import { limitRaised, memoryLimitOf, oomKilledRule, recentOomKills } from "../../src/rules/oom-killed.js";
import { about, loadSnapshot, NOW, one, ruleFixture, runbookText, scan } from "./support.js";

const MI = 1024 * 1024;

describe("oom-killed on its fixture", () => {
  it("reports the kill with the container's limit and the page's Last State command", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("oom-killed")), [oomKilledRule]);
    const f = one(findings, "fire-executor-59d7c8b6f4-m2xqp", "oom-killed");
    expect(f.message).toBe(
      "container executor of pod fire-executor-59d7c8b6f4-m2xqp was OOMKilled 2m55s ago at its memory limit of 1Gi (6 restarts)",
    );
    expect(f.evidence).toEqual([
      {
        kind: "status",
        text: "OOMKilled, exit code 137, finished 2m55s ago",
        source: "status.containerStatuses[0].lastState.terminated",
      },
      { kind: "status", text: "memory limit 1Gi", source: "spec.containers[0].resources.limits.memory" },
    ]);
    expect(runbookText(f)).toContain(
      'RUN: kubectl describe pod fire-executor-59d7c8b6f4-m2xqp -n ge-agents | grep -A 5 "Last State"',
    );
  });

  it("reports the limit raised over revisions once, on the Deployment, with each revision's limit", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("oom-killed")), [oomKilledRule]);
    const f = one(findings, "fire-executor", "limit-raised");
    expect(f.object).toMatchObject({ kind: "Deployment", namespace: "ge-agents" });
    expect(f.message).toBe(
      "the memory limit of container executor in Deployment fire-executor was raised from 256Mi to 1Gi over 3 revisions and pod fire-executor-59d7c8b6f4-m2xqp is still OOMKilled: look for the leak before raising it again",
    );
    expect(f.evidence?.filter((e) => e.kind === "history").map((e) => e.text)).toEqual([
      "revision 1 (executor-7b9c5d4f8a): memory limit 256Mi",
      "revision 2 (executor-6f8b7c9d5e): memory limit 512Mi",
      "revision 3 (executor-59d7c8b6f4): memory limit 1Gi",
    ]);
  });

  it("stays silent on an old kill with a stable limit and on exit 137 without OOMKilled", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("oom-killed")), [oomKilledRule]);
    expect(about(findings, "dont-fire-oom-long-ago")).toEqual([]);
    expect(about(findings, "dont-fire-stable")).toEqual([]);
    expect(about(findings, "dont-fire-exit-137")).toEqual([]);
  });
});

describe("recentOomKills", () => {
  const pod = (state: Record<string, unknown>, finishedAt: string) => ({
    kind: "Pod",
    status: {
      containerStatuses: [
        { name: "app", lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt } }, state },
      ],
    },
  });

  it("counts a kill while the container is not running again, however old", () => {
    expect(
      recentOomKills(pod({ waiting: { reason: "CrashLoopBackOff" } }, "2026-01-01T00:00:00Z"), NOW),
    ).toHaveLength(1);
  });

  it("counts a running container's kill of the last day only", () => {
    expect(recentOomKills(pod({ running: {} }, "2026-03-26T06:00:00Z"), NOW)).toHaveLength(1);
    expect(recentOomKills(pod({ running: {} }, "2026-03-24T06:00:00Z"), NOW)).toEqual([]);
  });

  it("reads the current state of a stopped container (a Job's pod)", () => {
    const job = {
      status: { containerStatuses: [{ name: "job", state: { terminated: { reason: "OOMKilled" } } }] },
    };
    expect(recentOomKills(job, NOW)[0]?.where).toBe("state");
  });

  it("never throws on odd shapes", () => {
    for (const odd of [
      {},
      { status: null },
      { status: { containerStatuses: "x" } },
      { status: { containerStatuses: [null, 3] } },
    ])
      expect(recentOomKills(odd as never, NOW)).toEqual([]);
  });
});

describe("limit history", () => {
  it("is raised when the pod's revision allows more than an earlier one", () => {
    const r = (revision: number, mi?: number) => ({
      replicaSet: `rs-${revision}`,
      revision,
      bytes: mi === undefined ? undefined : mi * MI,
    });
    expect(limitRaised([r(1, 256), r(2, 512), r(3, 1024)])).toEqual({ from: 256 * MI, to: 1024 * MI });
    expect(limitRaised([r(1, 512), r(2, 512)])).toBeUndefined();
    expect(limitRaised([r(1, 1024), r(2, 512)])).toBeUndefined();
    expect(limitRaised([r(1), r(2, 512)])).toBeUndefined();
    expect(limitRaised([r(1, 512)])).toBeUndefined();
  });

  it("reads a container's limit, else the pod-level one", () => {
    expect(
      memoryLimitOf({ containers: [{ name: "a", resources: { limits: { memory: "1Gi" } } }] }, "a"),
    ).toEqual({
      bytes: 1024 * MI,
      path: ["containers", 0, "resources", "limits", "memory"],
    });
    expect(
      memoryLimitOf({ resources: { limits: { memory: "2Gi" } }, containers: [{ name: "a" }] }, "a")?.bytes,
    ).toBe(2048 * MI);
    expect(
      memoryLimitOf({ containers: [{ name: "a", resources: { limits: { memory: "lots" } } }] }, "a"),
    ).toBeUndefined();
  });
});
