// The simulator's pure parts: selectors, patches, continue tokens, time placeholders, pod status text.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/model/kube.js";
import { decodeContinue, encodeContinue } from "./list.js";
import { parseCluster } from "./load.js";
import { jsonPatch, mergePatch, PatchError } from "./patch.js";
import { fieldSelector, labelSelector, SelectorError } from "./selectors.js";
import { podStatusText, simpleJsonPath } from "./table.js";
import { humanAge, resolvePlaceholders } from "./time.js";

const pod = (labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", labels },
  ...extra,
});

describe("labelSelector", () => {
  const web = pod({ app: "web", tier: "front" });
  const db = pod({ app: "db" });
  const table: [string, boolean, boolean][] = [
    ["", true, true],
    ["app=web", true, false],
    ["app==web", true, false],
    ["app!=web", false, true],
    ["tier!=front", false, true],
    ["app in (web, api)", true, false],
    ["app notin (web,api)", false, true],
    ["tier notin (back)", true, true],
    ["tier", true, false],
    ["!tier", false, true],
    ["app=web,tier=front", true, false],
    ["app in (web,db),!tier", false, true],
  ];
  for (const [selector, matchesWeb, matchesDb] of table) {
    it(`"${selector}"`, () => {
      const m = labelSelector(selector);
      expect([m(web), m(db)]).toEqual([matchesWeb, matchesDb]);
    });
  }

  it("rejects what the API server rejects", () => {
    expect(() => labelSelector("app=")).not.toThrow();
    expect(() => labelSelector("app in web")).toThrow(SelectorError);
    expect(() => labelSelector("=web")).toThrow(SelectorError);
  });
});

describe("fieldSelector", () => {
  const running = pod({}, { spec: { nodeName: "n1" }, status: { phase: "Running" } });
  const pending = pod({}, { spec: {}, status: { phase: "Pending" } });

  it("matches =, == and != on supported fields, empty for missing ones", () => {
    expect(fieldSelector("status.phase=Running", "Pod")(running)).toBe(true);
    expect(fieldSelector("status.phase==Running", "Pod")(pending)).toBe(false);
    expect(fieldSelector("status.phase!=Running", "Pod")(pending)).toBe(true);
    expect(fieldSelector("spec.nodeName=", "Pod")(pending)).toBe(true);
    expect(fieldSelector("metadata.namespace=ns,metadata.name=p", "Pod")(running)).toBe(true);
  });

  it("knows event fields", () => {
    const ev: KubeObject = {
      kind: "Event",
      metadata: { name: "e" },
      involvedObject: { kind: "Pod", name: "p", namespace: "ns", uid: "u1" },
      reason: "BackOff",
      source: { component: "kubelet" },
      type: "Warning",
    };
    expect(
      fieldSelector("involvedObject.uid=u1,reason=BackOff,source=kubelet,type!=Normal", "Event")(ev),
    ).toBe(true);
  });

  it("rejects fields the kind does not support", () => {
    expect(() => fieldSelector("spec.nodeName=x", "Service")).toThrow(
      "field label not supported: spec.nodeName",
    );
    expect(() => fieldSelector("nonsense", "Pod")).toThrow(SelectorError);
  });
});

describe("patches", () => {
  const obj = { metadata: { name: "a", annotations: { keep: "1", drop: "2" } }, spec: { list: [1, 2] } };

  it("merge patch: merges maps, deletes on null, replaces lists", () => {
    expect(
      mergePatch(obj, { metadata: { annotations: { drop: null, added: "3" } }, spec: { list: [9] } }),
    ).toEqual({
      metadata: { name: "a", annotations: { keep: "1", added: "3" } },
      spec: { list: [9] },
    });
    expect(obj.metadata.annotations.drop).toBe("2");
  });

  it("JSON patch: add, replace, remove, move, copy, test, with ~1 escapes", () => {
    const out = jsonPatch(obj, [
      { op: "add", path: "/metadata/annotations/force-sync~1at", value: "1" },
      { op: "replace", path: "/metadata/name", value: "b" },
      { op: "remove", path: "/metadata/annotations/drop" },
      { op: "add", path: "/spec/list/-", value: 3 },
      { op: "copy", from: "/spec/list/0", path: "/spec/first" },
      { op: "move", from: "/spec/first", path: "/spec/moved" },
      { op: "test", path: "/spec/list", value: [1, 2, 3] },
    ]);
    expect(out).toEqual({
      metadata: { name: "b", annotations: { keep: "1", "force-sync/at": "1" } },
      spec: { list: [1, 2, 3], moved: 1 },
    });
  });

  it("JSON patch: failed tests and missing paths are errors", () => {
    expect(() => jsonPatch(obj, [{ op: "test", path: "/metadata/name", value: "z" }])).toThrow(PatchError);
    expect(() => jsonPatch(obj, [{ op: "add", path: "/nope/deeper", value: 1 }])).toThrow(PatchError);
    expect(() => jsonPatch(obj, { op: "add" })).toThrow(PatchError);
  });
});

describe("continue tokens", () => {
  it("round-trip and reject garbage", () => {
    const token = encodeContinue({ rv: 42, start: "ge-agents/redis-0" });
    expect(decodeContinue(token)).toEqual({ rv: 42, start: "ge-agents/redis-0" });
    expect(decodeContinue("bm9wZQ==")).toBeUndefined();
    expect(decodeContinue("%%%")).toBeUndefined();
  });
});

describe("time", () => {
  const now = Date.parse("2026-03-26T10:00:00Z");

  it("resolves {{now...}} placeholders", () => {
    expect(resolvePlaceholders("a {{now}} b {{now-30d}} c {{now-5m12s}} d {{now+1h}}", now)).toBe(
      "a 2026-03-26T10:00:00Z b 2026-02-24T10:00:00Z c 2026-03-26T09:54:48Z d 2026-03-26T11:00:00Z",
    );
  });

  it("prints ages as kubectl does", () => {
    expect(
      [10, 119, 312, 600, 3 * 3600, 5 * 3600 + 60 * 7, 30 * 86400, 3 * 365 * 86400].map(humanAge),
    ).toEqual(["10s", "119s", "5m12s", "10m", "3h", "5h7m", "30d", "3y"]);
  });
});

describe("parseCluster", () => {
  it("reads objects, logs and meta, resolving placeholders at the given now", () => {
    const cluster = parseCluster(
      [
        "kind: SimCluster",
        "name: tiny",
        "version: v1.34.1+k3s1",
        "---",
        "apiVersion: v1",
        "kind: Namespace",
        "metadata: {name: ge-agents, creationTimestamp: '{{now-10s}}'}",
        "---",
        "kind: SimLog",
        "namespace: ge-agents",
        "pod: p",
        "container: c",
        "previous: true",
        "text: |",
        "  {{now}} boom",
      ].join("\n"),
      { now: new Date("2026-03-26T10:00:00Z") },
    );
    expect(cluster.name).toBe("tiny");
    expect(cluster.version).toBe("v1.34.1+k3s1");
    expect(cluster.objects[0]?.metadata?.creationTimestamp).toBe("2026-03-26T09:59:50Z");
    expect(cluster.logs).toEqual([
      {
        namespace: "ge-agents",
        pod: "p",
        container: "c",
        previous: true,
        text: "2026-03-26T10:00:00Z boom\n",
      },
    ]);
  });

  it("refuses custom resources without their CRD", () => {
    const text =
      "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: x, namespace: y}\n";
    expect(() => parseCluster(text, { name: "no-crd" })).toThrow(
      /no CustomResourceDefinition in the fixture declares it/,
    );
  });
});

describe("podStatusText", () => {
  it("prefers waiting and terminated reasons over the phase, as kubectl does", () => {
    const crashing = pod(
      {},
      {
        spec: { containers: [{ name: "a" }, { name: "b" }] },
        status: {
          phase: "Running",
          containerStatuses: [
            { name: "a", ready: true, restartCount: 0, state: { running: {} } },
            {
              name: "b",
              ready: false,
              restartCount: 7,
              state: { waiting: { reason: "CrashLoopBackOff" } },
              lastState: {
                terminated: { exitCode: 137, reason: "OOMKilled", finishedAt: "2026-03-26T09:58:00Z" },
              },
            },
          ],
        },
      },
    );
    expect(podStatusText(crashing)).toEqual({
      status: "CrashLoopBackOff",
      ready: 1,
      restarts: 7,
      lastRestart: "2026-03-26T09:58:00Z",
    });
    expect(podStatusText(pod({}, { status: { phase: "Failed", reason: "Evicted" } })).status).toBe("Evicted");
  });

  it("evaluates CRD printer column paths", () => {
    const es = {
      status: {
        conditions: [{ type: "Synced" }, { type: "Ready", status: "False", reason: "SecretSyncedError" }],
      },
    };
    expect(simpleJsonPath(es, '.status.conditions[?(@.type=="Ready")].reason')).toBe("SecretSyncedError");
    expect(simpleJsonPath(es, ".status.conditions[0].type")).toBe("Synced");
    expect(simpleJsonPath(es, ".spec.missing")).toBeUndefined();
  });
});
