// ingress-backend: a young Ingress, and backends that cannot answer, across the default backend and every path.
import { describe, expect, it } from "vitest";
import { lookupOf } from "../../src/engine/lookup.js";
import { endpointsOf, ingressBackendRule, ingressBackends } from "../../src/rules/ingress-backend.js";
import { about, loadSnapshot, one, ruleFixture, runbookText, scan } from "./support.js";

describe("ingress-backend on its fixture", () => {
  it("says a 10-second-old Ingress is normal, and shows the Traefik log command", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("ingress-backend")), [ingressBackendRule]);
    const f = one(findings, "fire-young", "ingress-young");
    expect(f.evidence?.map((e) => e.text)).toEqual([
      "created 10s ago (2026-03-26T11:59:50Z)",
      "no load balancer address yet",
    ]);
    expect(runbookText(f)).toContain(
      "RUN: kubectl logs -n kube-system -l app.kubernetes.io/name=traefik --tail=50",
    );
    expect(f.severity).toBe("LOW");
  });

  it("reports a missing Service once for all the paths that use it", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("ingress-backend")), [ingressBackendRule]);
    const f = one(findings, "fire-backend-missing", "backend-missing");
    expect(f.data).toEqual({
      name: "fire-backend-missing",
      route: "status.ge.local/",
      service: "ge-status-page",
    });
    expect(f.evidence?.[1]?.text).toBe("routes: status.ge.local/, status.ge.local/api");
    expect(one(findings, "fire-default-backend-missing", "backend-missing").data.route).toBe(
      "default backend",
    );
  });

  it("reports a port the Service does not have, with the ports it has", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("ingress-backend")), [ingressBackendRule]);
    expect(one(findings, "fire-port-missing", "backend-port-missing").data).toMatchObject({
      port: 8080,
      ports: "80/http",
    });
  });

  it("reports a Service without ready endpoints, from its EndpointSlices", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("ingress-backend")), [ingressBackendRule]);
    const f = one(findings, "fire-no-endpoints", "backend-no-endpoints");
    expect(f.data).toMatchObject({ service: "admin", notReady: 1 });
    expect(f.evidence?.[0]?.text).toBe("EndpointSlice of admin: 0 ready addresses, 1 not ready");
  });

  it("accepts named ports, Endpoints without slices, ExternalName Services", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("ingress-backend")), [ingressBackendRule]);
    expect(about(findings, "dont-fire-ready")).toEqual([]);
    expect(about(findings, "dont-fire-external-name")).toEqual([]);
  });
});

describe("ingress readers", () => {
  it("lists the default backend, every path, and the v1beta1 shape", () => {
    const backends = ingressBackends({
      spec: {
        backend: { serviceName: "old", servicePort: "http" },
        rules: [
          {
            http: {
              paths: [
                { backend: { service: { name: "a", port: { number: 80 } } } },
                { backend: { resource: { kind: "Bucket" } } },
              ],
            },
          },
        ],
      },
    });
    expect(backends.map((b) => [b.route, b.service, b.port])).toEqual([
      ["default backend", "old", "http"],
      ["*/", "a", 80],
    ]);
    expect(ingressBackends({ spec: { rules: "nonsense" } })).toEqual([]);
  });

  it("counts endpoints unknown when the snapshot has neither Endpoints nor EndpointSlices", () => {
    const lookup = lookupOf({
      target: { kind: "dump", name: "x" },
      objects: [],
      diagnostics: [],
      incomplete: [],
    });
    expect(endpointsOf(lookup, "ns", "svc")).toBeUndefined();
  });

  it("treats an EndpointSlice endpoint without a ready condition as ready, as the API says", () => {
    const slice = {
      kind: "EndpointSlice",
      metadata: { name: "s", namespace: "ns", labels: { "kubernetes.io/service-name": "svc" } },
      endpoints: [
        { addresses: ["10.0.0.1"] },
        { addresses: [] },
        { addresses: ["10.0.0.2"], conditions: { ready: false } },
      ],
    };
    const lookup = lookupOf({
      target: { kind: "dump", name: "x" },
      objects: [{ object: slice, origin: {} }],
      diagnostics: [],
      incomplete: [],
    });
    expect(endpointsOf(lookup, "ns", "svc")).toEqual({ ready: 1, notReady: 1, from: "EndpointSlice" });
  });
});
