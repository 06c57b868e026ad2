// host-port-conflict: Pending hostNetwork pods, with the scheduler's words and the owner's rollout.
import { describe, expect, it } from "vitest";
import { hostPortConflictRule, rolloutStateOf } from "../../src/rules/host-port-conflict.js";
import { about, loadSnapshot, one, ruleFixture, scan } from "./support.js";

describe("host-port-conflict on its fixture", () => {
  it("shows the FailedScheduling event and the two ReplicaSets of the rollout", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("host-port-conflict")), [hostPortConflictRule]);
    const f = one(findings, "fire-rollout-surge", "rollout-port-conflict");
    expect(f.message).toBe(
      "pod fire-rollout-surge of Deployment relay is Pending mid-rollout: it uses hostNetwork and no node has 8080/TCP free while the old pods hold them",
    );
    expect(f.evidence?.map((e) => e.kind)).toEqual(["event", "status"]);
    expect(f.evidence?.[0]?.text).toBe(
      "Warning FailedScheduling (x5 over 4m, last 30s ago): 0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    expect(f.evidence?.[1]?.text).toBe(
      "Deployment relay: 1/2 updated; ReplicaSets with pods: relay-6c9f7d8b54 (revision 1): 2, relay-7f8d9c6b45 (revision 2): 1",
    );
  });

  it("reports a bare pod from its PodScheduled condition", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("host-port-conflict")), [hostPortConflictRule]);
    const f = one(findings, "fire-bare-pod", "port-conflict");
    expect(f.data).toEqual({ pod: "fire-bare-pod", owner: "no controller", ports: "9100/TCP" });
    expect(f.evidence?.[0]?.kind).toBe("condition");
  });

  it("stays silent on other Pending reasons, hostPort without hostNetwork, running pods", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("host-port-conflict")), [hostPortConflictRule]);
    for (const name of ["dont-fire-insufficient-memory", "dont-fire-host-port-only", "dont-fire-running"])
      expect(about(findings, name)).toEqual([]);
  });
});

describe("rolloutStateOf", () => {
  const deployment = (status: Record<string, unknown>) => ({
    kind: "Deployment",
    metadata: { name: "d", namespace: "n", uid: "u" },
    spec: { replicas: 2 },
    status,
  });
  const rs = (name: string, revision: string, replicas: number) => ({
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "n",
      annotations: { "deployment.kubernetes.io/revision": revision },
      ownerReferences: [{ kind: "Deployment", name: "d", uid: "u", controller: true }],
    },
    status: { replicas },
  });

  it("is mid-rollout with two ReplicaSets holding pods, or fewer updated pods than desired", () => {
    expect(
      rolloutStateOf(deployment({ updatedReplicas: 2 }), [rs("a", "1", 1), rs("b", "2", 2)]).midRollout,
    ).toBe(true);
    expect(rolloutStateOf(deployment({ updatedReplicas: 1 }), [rs("b", "2", 2)]).midRollout).toBe(true);
    const done = rolloutStateOf(deployment({ updatedReplicas: 2 }), [rs("a", "1", 0), rs("b", "2", 2)]);
    expect(done).toEqual({
      desired: 2,
      updated: 2,
      active: [{ name: "b", revision: 2, replicas: 2 }],
      midRollout: false,
    });
  });
});
