// Every field of a live object is `unknown`: the live rules never throw on shapes the API would not send.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookupOf } from "../../src/engine/lookup.js";
import type { SourcedObject } from "../../src/model/snapshot.js";
import type { KubeObject } from "../../src/model/kube.js";
import type { Report, RuleContext } from "../../src/rules/types.js";
import { defaultConfig } from "../../src/config/model.js";
import { LIVE_RULES, NOW } from "./support.js";

const KINDS = [
  "Pod",
  "Node",
  "Event",
  "Deployment",
  "ReplicaSet",
  "Service",
  "Endpoints",
  "EndpointSlice",
  "Ingress",
  "ExternalSecret",
];

/** Objects of the kinds the rules read, with anything in their fields, now and then a plausible piece. */
const field = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    {
      containerStatuses: [
        { name: "a", state: { waiting: { reason: "CrashLoopBackOff" } }, restartCount: "7" },
      ],
    },
    { containerStatuses: [{ name: "a", lastState: { terminated: { reason: "OOMKilled", finishedAt: 5 } } }] },
    { containers: [{ name: "a", resources: { limits: { memory: {} } } }], nodeName: 3, hostNetwork: true },
    {
      conditions: [
        { type: "Ready", status: "False" },
        { type: "MemoryPressure", status: "True" },
      ],
      phase: "Pending",
    },
    { rules: [{ http: { paths: [{ backend: { service: { name: 1, port: { number: "80" } } } }] } }] },
    { refreshTime: "yesterday", refreshInterval: 60 },
  ),
);
const object = fc.record({
  kind: fc.constantFrom(...KINDS),
  apiVersion: fc.constantFrom("v1", "apps/v1", "networking.k8s.io/v1", "external-secrets.io/v1beta1"),
  metadata: fc.oneof(
    fc.anything(),
    fc.record({
      name: fc.oneof(fc.string(), fc.integer()),
      namespace: fc.anything(),
      ownerReferences: fc.anything(),
      annotations: fc.anything(),
    }),
  ),
  spec: field,
  status: field,
  involvedObject: fc.anything(),
});

describe.each(LIVE_RULES.map((r) => [r.meta.id, r] as const))("%s on malformed objects", (_id, rule) => {
  it("reports without throwing", () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 8 }), fc.string(), (objects, log) => {
        const sourced: SourcedObject[] = objects.map((o) => ({ object: o as KubeObject, origin: {} }));
        const logs = new Map(
          sourced.map((o) => [`${o.object.metadata?.namespace}/${o.object.metadata?.name}/a`, log]),
        );
        const ctx: RuleContext = {
          target: { kind: "dump", name: "fuzz", distribution: "k3s", upgradeTo: "v1.34.1+k3s1" },
          config: defaultConfig(),
          lookup: lookupOf({
            target: { kind: "dump", name: "fuzz" },
            objects: sourced,
            diagnostics: [],
            incomplete: [],
            previousLogs: logs,
            currentLogs: logs,
          }),
          now: NOW,
          mode: "live",
          options: rule.options?.(defaultConfig()),
        };
        const reports: Report[] = [];
        for (const o of sourced)
          if (!rule.meta.kinds || rule.meta.kinds.includes(String(o.object.kind)))
            reports.push(...(rule.check?.(ctx, o) ?? []));
        reports.push(...(rule.checkAll?.(ctx) ?? []));
        for (const r of reports) expect(rule.meta.messages[r.messageId]).toBeTypeOf("string");
      }),
      { seed: 20260326, numRuns: 300 },
    );
  });
});
