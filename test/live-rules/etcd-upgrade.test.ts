// etcd-upgrade: the planner's table (which k3s bundles which etcd) and the rule that needs an upgrade target.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { formatMessage } from "../../src/model/finding.js";
import {
  ETCD_STEP_MESSAGES,
  type EtcdRelease,
  etcdOfK3s,
  etcdUpgradeRule,
  planEtcdUpgrade,
} from "../../src/rules/etcd-upgrade.js";
import { about, loadSnapshot, one, ruleFixture, scan } from "./support.js";

function node(name: string, kubeletVersion: string, etcd = true): KubeObject {
  return {
    kind: "Node",
    metadata: { name, labels: etcd ? { "node-role.kubernetes.io/etcd": "true" } : {} },
    status: { nodeInfo: { kubeletVersion } },
  };
}

describe("etcdOfK3s", () => {
  it.each([
    ["v1.31.9+k3s1", "3.5"],
    ["v1.33.4+k3s1", "3.5"],
    ["v1.33.7+k3s1", "3.5"],
    ["v1.33.7+k3s3", "3.5.26"],
    ["v1.33.9+k3s1", "3.5.26"],
    ["v1.34.0+k3s1", "3.6"],
    ["v1.34.1", "3.6"],
    ["v1.35.2+k3s1", "3.6"],
    ["1.34", "3.6"],
  ])("%s bundles etcd %s", (version, etcd) => {
    expect(etcdOfK3s(version)).toBe(etcd);
  });

  it("gives nothing for what is not a version", () => {
    expect(etcdOfK3s("latest")).toBeUndefined();
  });
});

describe("planEtcdUpgrade", () => {
  it("1.32 → 1.33.x stays on etcd 3.5: nothing crosses", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.32.5+k3s1")], "v1.33.4+k3s1");
    expect(plan).toEqual({
      crosses: false,
      from: ["v1.32.5+k3s1"],
      to: "v1.33.4+k3s1",
      route: [{ version: "v1.33.4+k3s1", etcd: "3.5" }],
      steps: [
        { messageId: "no-etcd-change", data: { from: "v1.32.5+k3s1", to: "v1.33.4+k3s1", etcd: "3.5" } },
      ],
    });
  });

  it("1.33 → 1.34 crosses: etcd v3.5.26 first, a backup, then the upgrade", () => {
    const plan = planEtcdUpgrade(
      [node("s1", "v1.33.4+k3s1"), node("s2", "v1.33.4+k3s1"), node("a1", "v1.33.4+k3s1", false)],
      "v1.34.1+k3s1",
    );
    expect(plan.crosses).toBe(true);
    expect(plan.from).toEqual(["v1.33.4+k3s1"]);
    expect(plan.steps.map((s) => s.messageId)).toEqual(["upgrade-etcd-first", "backup-etcd", "upgrade-k3s"]);
    expect(plan.steps[0]!.data).toEqual({
      nodes: "s1, s2",
      from: "v1.33.4+k3s1",
      safe: "3.5.26",
      release: "v1.33.7+k3s3",
    });
    expect(plan.steps.map((s) => formatMessage(ETCD_STEP_MESSAGES[s.messageId]!, s.data))).toEqual([
      "first move s1, s2 (k3s v1.33.4+k3s1) to a k3s release with etcd v3.5.26 (v1.33.7+k3s3 or a later patch of that line) and wait until every etcd member is healthy",
      "back up etcd before the upgrade: k3s etcd-snapshot save on a server, then copy the snapshot off the node",
      "then upgrade k3s to v1.34.1+k3s1 (etcd 3.6), one server at a time",
    ]);
  });

  it("from a 1.33 release that already bundles v3.5.26, asks to confirm health instead", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.33.8+k3s1")], "v1.34.1+k3s1");
    expect(plan.steps.map((s) => s.messageId)).toEqual(["etcd-ready", "backup-etcd", "upgrade-k3s"]);
  });

  it("1.34 → 1.35 does not cross", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.34.1+k3s1")], "v1.35.0+k3s1");
    expect(plan.crosses).toBe(false);
    expect(plan.steps.map((s) => s.messageId)).toEqual(["no-etcd-change"]);
  });

  it("a patch release that changes etcd's minor crosses too (a table with such a boundary)", () => {
    const table: EtcdRelease[] = [{ since: "v1.33.9+k3s1", etcd: "3.6", source: "test" }];
    expect(planEtcdUpgrade([node("s1", "v1.33.8+k3s1")], "v1.33.9+k3s1", table).crosses).toBe(true);
    expect(planEtcdUpgrade([node("s1", "v1.33.8+k3s1")], "v1.33.8+k3s2", table).crosses).toBe(false);
    // Without `laterLines`, the boundary belongs to the 1.33 line only.
    expect(etcdOfK3s("v1.34.0+k3s1", table)).toBe("3.5");
  });

  it("counts every k3s node when none carries the etcd role, and says to check the datastore", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.33.4+k3s1", false)], "v1.34.1+k3s1");
    expect(plan.crosses).toBe(true);
    expect(plan.steps[0]!.messageId).toBe("datastore-check");
  });

  it("says so for a target that is not a version, or nodes that are not k3s", () => {
    expect(planEtcdUpgrade([node("s1", "v1.33.4+k3s1")], "soon").steps).toEqual([
      { messageId: "invalid-target", data: { to: "soon" } },
    ]);
    const managed = planEtcdUpgrade(
      [{ kind: "Node", status: { nodeInfo: { kubeletVersion: "v1.33.4" } } }],
      "v1.34.1",
    );
    expect(managed).toMatchObject({ crosses: false, from: [], steps: [{ messageId: "no-k3s-nodes" }] });
    expect(planEtcdUpgrade([null, 7, "x"] as unknown as KubeObject[], "v1.34.1").from).toEqual([]);
  });

  it("a jump of several minors goes one minor at a time, each with its etcd, the etcd steps before 3.6", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.31.9+k3s1"), node("s2", "v1.31.9+k3s1")], "v1.35.1+k3s1");
    expect(plan.crosses).toBe(true);
    expect(plan.route).toEqual([
      { version: "v1.32", etcd: "3.5" },
      { version: "v1.33", etcd: "3.5.26", atLeast: "v1.33.7+k3s3" },
      { version: "v1.34", etcd: "3.6" },
      { version: "v1.35.1+k3s1", etcd: "3.6" },
    ]);
    expect(plan.steps.map((s) => formatMessage(ETCD_STEP_MESSAGES[s.messageId]!, s.data))).toEqual([
      "k3s v1.31.9+k3s1 → v1.35.1+k3s1 skips 3 minor version(s) (v1.32, v1.33, v1.34): Kubernetes' version skew policy allows one minor version at a time, so apply each in turn",
      "upgrade k3s to v1.32 (its latest patch; etcd 3.5), one server at a time, and wait until every node is Ready",
      "upgrade k3s to v1.33 (its latest patch, v1.33.7+k3s3 or later; etcd 3.5.26), one server at a time, and wait until every node is Ready",
      "s1, s2 already run etcd v3.5.26 or later; confirm every etcd member is healthy",
      "back up etcd before the upgrade: k3s etcd-snapshot save on a server, then copy the snapshot off the node",
      "upgrade k3s to v1.34 (its latest patch; etcd 3.6), one server at a time, and wait until every node is Ready",
      "then upgrade k3s to v1.35.1+k3s1 (etcd 3.6), one server at a time",
    ]);
  });

  it("a jump past 1.34 from a 1.33 before v3.5.26: etcd v3.5.26 first, at the hop to 3.6", () => {
    const plan = planEtcdUpgrade([node("s1", "v1.33.4+k3s1")], "1.35");
    expect(plan.route.map((r) => `${r.version} ${r.etcd}`)).toEqual(["v1.34 3.6", "1.35 3.6"]);
    expect(plan.steps.map((s) => s.messageId)).toEqual([
      "skew-policy",
      "upgrade-etcd-first",
      "backup-etcd",
      "upgrade-minor",
      "upgrade-k3s",
    ]);
  });

  it("a downgrade is said, and planned no further", () => {
    for (const to of ["v1.33.9+k3s1", "v1.34.0+k3s1", "1.33"]) {
      const plan = planEtcdUpgrade([node("s1", "v1.34.1+k3s1"), node("s2", "v1.33.4+k3s1")], to);
      expect(plan.downgrade, to).toEqual({ node: "s1", version: "v1.34.1+k3s1" });
      expect(plan.steps.map((s) => s.messageId)).toEqual(["downgrade"]);
    }
    // The same line without a patch is staying, not going back.
    expect(planEtcdUpgrade([node("s1", "v1.34.1+k3s1")], "1.34").downgrade).toBeUndefined();
  });

  it("has a template for every step it can produce", () => {
    for (const id of [
      "invalid-target",
      "no-k3s-nodes",
      "no-etcd-change",
      "datastore-check",
      "upgrade-etcd-first",
      "etcd-ready",
      "backup-etcd",
      "upgrade-k3s",
      "downgrade",
      "skew-policy",
      "upgrade-minor",
    ])
      expect(ETCD_STEP_MESSAGES[id], id).toBeTruthy();
  });
});

describe("etcd-upgrade rule", () => {
  it("reports the etcd members at risk when the target has an upgrade version", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("etcd-upgrade")), [etcdUpgradeRule]);
    const f = one(findings, "fire-server-1", "upgrade-risk");
    expect(f.message).toBe(
      "node fire-server-1 runs k3s v1.33.4+k3s1 with etcd 3.5; upgrading to v1.34.1+k3s1 moves it to etcd 3.6, which is safe only from etcd v3.5.26 and after a backup",
    );
    expect(f.severity).toBe("HIGH");
    expect(about(findings, "dont-fire-agent-1")).toEqual([]);
    expect(about(findings, "dont-fire-server-2")).toEqual([]);
  });

  it("does nothing without an upgrade target", async () => {
    const snapshot = loadSnapshot(ruleFixture("etcd-upgrade"));
    delete snapshot.target.upgradeTo;
    expect((await scan(snapshot, [etcdUpgradeRule])).findings).toEqual([]);
  });
});
