import { describe, expect, it } from "vitest";
import {
  conditionsOf,
  containerStatusesOf,
  currentTerminated,
  isTerminated,
  lastTerminated,
  podConditions,
  podPhase,
  restartCountOf,
  runLengthMs,
  waitingReason,
} from "./status.js";
import type { KubeObject } from "../model/kube.js";

const crashing = {
  name: "app",
  restartCount: 8509,
  state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s" } },
  lastState: {
    terminated: {
      reason: "OOMKilled",
      exitCode: 137,
      startedAt: "2026-03-01T10:00:00Z",
      finishedAt: "2026-03-01T10:05:00Z",
    },
  },
};

const pod: KubeObject = {
  kind: "Pod",
  spec: {
    initContainers: [{ name: "migrate" }, { name: "proxy", restartPolicy: "Always" }],
    containers: [{ name: "app" }],
  },
  status: {
    phase: "Running",
    initContainerStatuses: [
      { name: "migrate", state: { terminated: { reason: "Completed", exitCode: 0 } } },
      { name: "proxy", state: { running: {} } },
    ],
    containerStatuses: [crashing],
    ephemeralContainerStatuses: [{ name: "debug" }],
    conditions: [
      { type: "PodScheduled", status: "True" },
      {
        type: "Ready",
        status: "False",
        reason: "ContainersNotReady",
        message: "containers with unready status: [app]",
      },
    ],
  },
};

describe("containerStatusesOf", () => {
  it("lists init, sidecar, regular and ephemeral statuses with paths", () => {
    expect(containerStatusesOf(pod).map(({ name, role, path }) => ({ name, role, path }))).toEqual([
      { name: "migrate", role: "init", path: ["status", "initContainerStatuses", 0] },
      { name: "proxy", role: "sidecar", path: ["status", "initContainerStatuses", 1] },
      { name: "app", role: "regular", path: ["status", "containerStatuses", 0] },
      { name: "debug", role: "ephemeral", path: ["status", "ephemeralContainerStatuses", 0] },
    ]);
  });

  it.each([
    ["no status", { kind: "Pod" }],
    ["status is a string", { kind: "Pod", status: "Running" }],
    [
      "lists are garbage",
      { kind: "Pod", status: { containerStatuses: { name: "x" }, initContainerStatuses: [null, 1] } },
    ],
  ])("is empty for %s", (_what, p) => {
    expect(containerStatusesOf(p as KubeObject)).toEqual([]);
  });
});

describe("container state", () => {
  it("reads waiting reason, last termination and restarts", () => {
    expect(waitingReason(crashing)).toBe("CrashLoopBackOff");
    expect(lastTerminated(crashing)).toEqual({
      reason: "OOMKilled",
      exitCode: 137,
      startedAt: "2026-03-01T10:00:00Z",
      finishedAt: "2026-03-01T10:05:00Z",
    });
    expect(restartCountOf(crashing)).toBe(8509);
    expect(currentTerminated(crashing)).toBeUndefined();
  });

  it("reads the current termination of a stopped container", () => {
    const s = (pod.status as { initContainerStatuses: unknown[] }).initContainerStatuses[0];
    expect(currentTerminated(s)).toEqual({ reason: "Completed", exitCode: 0 });
  });

  it("drops fields of the wrong type and survives garbage", () => {
    const weird = {
      state: { waiting: { reason: 5 } },
      lastState: { terminated: { reason: ["OOMKilled"], exitCode: "137", signal: 9 } },
      restartCount: "3",
    };
    expect(waitingReason(weird)).toBeUndefined();
    expect(lastTerminated(weird)).toEqual({ signal: 9 });
    expect(restartCountOf(weird)).toBe(0);
    for (const g of [null, "x", 1, { state: null, lastState: "x" }]) {
      expect(waitingReason(g)).toBeUndefined();
      expect(lastTerminated(g)).toBeUndefined();
      expect(restartCountOf(g)).toBe(0);
    }
  });
});

describe("pod phase and conditions", () => {
  it.each([
    ["Succeeded", true],
    ["Failed", true],
    ["Running", false],
    ["Pending", false],
    ["Unknown", false],
    [undefined, false],
    [3, false],
  ])("phase %s finished: %s", (phase, done) => {
    expect(isTerminated({ kind: "Pod", status: { phase } })).toBe(done);
  });

  it("podPhase is undefined for garbage", () => {
    expect(podPhase({ kind: "Pod", status: [] as unknown as Record<string, unknown> })).toBeUndefined();
    expect(podPhase(pod)).toBe("Running");
  });

  it("reads conditions with reason and message", () => {
    expect(podConditions(pod)).toEqual([
      { type: "PodScheduled", status: true },
      {
        type: "Ready",
        status: false,
        reason: "ContainersNotReady",
        message: "containers with unready status: [app]",
      },
    ]);
  });

  it("skips malformed conditions", () => {
    const p = { status: { conditions: [null, { status: "True" }, { type: "Ready", status: true }] } };
    expect(conditionsOf(p)).toEqual([{ type: "Ready", status: undefined }]);
    expect(conditionsOf({ status: { conditions: "Ready" } })).toEqual([]);
  });
});

describe("runLengthMs", () => {
  it("is the time between start and finish", () => {
    expect(runLengthMs({ startedAt: "2026-03-26T11:57:00Z", finishedAt: "2026-03-26T11:57:30Z" })).toBe(
      30_000,
    );
  });

  it("is unknown for a StartError, whose startedAt is the zero time, and without both times", () => {
    expect(
      runLengthMs({ startedAt: "1970-01-01T00:00:00Z", finishedAt: "2025-01-27T06:34:02Z" }),
    ).toBeUndefined();
    expect(runLengthMs({ finishedAt: "2025-01-27T06:34:02Z" })).toBeUndefined();
    expect(
      runLengthMs({ startedAt: "2025-08-2312:13:39Z", finishedAt: "2025-08-2312:14:39Z" }),
    ).toBeUndefined();
  });
});
