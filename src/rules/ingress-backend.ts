// Traefik ingress "not updating": a young Ingress is normal (wait); a backend that is missing or not ready is not.
import { asInteger, asList, asRecord, asString, metaMap, metaString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import { type Lookup, defineRule, type ReportOf } from "./types.js";
import type { Evidence } from "../model/finding.js";
import { ageMs, ageText } from "../k8s/duration.js";

export const INGRESS_PITFALL = "traefik-ingress-not-updating";

// The page: Traefik in k3s takes 30-60 seconds to pick up a new Ingress.
const INGRESS_PICKUP_MS = 60_000;

export interface IngressBackend {
  service: string;
  /** A port number or name; undefined when the backend names none. */
  port: number | string | undefined;
  /** `docs.ge.local/api`; a rule without host reads `*` then the path; or `default backend`. */
  route: string;
  path: (string | number)[];
}

function backendOf(backend: unknown): { service: string; port: number | string | undefined } | undefined {
  const b = asRecord(backend);
  const svc = asRecord(b?.service);
  if (svc) {
    const name = asString(svc.name);
    const port = asRecord(svc.port);
    return name ? { service: name, port: asInteger(port?.number) ?? asString(port?.name) } : undefined;
  }
  // extensions/v1beta1 and networking.k8s.io/v1beta1 shapes.
  const name = asString(b?.serviceName);
  const port = b?.servicePort;
  return name ? { service: name, port: asInteger(port) ?? asString(port) } : undefined;
}

/** The default backend and every rule path's backend that is a Service (resource backends are left out). */
export function ingressBackends(ingress: KubeObject): IngressBackend[] {
  const spec = asRecord(ingress.spec);
  const out: IngressBackend[] = [];
  for (const key of ["defaultBackend", "backend"]) {
    const b = backendOf(spec?.[key]);
    if (b) out.push({ ...b, route: "default backend", path: ["spec", key] });
  }
  asList(spec?.rules).forEach((rule, i) => {
    const r = asRecord(rule);
    const host = asString(r?.host) || "*";
    asList(asRecord(r?.http)?.paths).forEach((p, j) => {
      const b = backendOf(asRecord(p)?.backend);
      const path = asString(asRecord(p)?.path) || "/";
      if (b)
        out.push({
          ...b,
          route: `${host}${path}`,
          path: ["spec", "rules", i, "http", "paths", j, "backend"],
        });
    });
  });
  return out;
}

/** A Service port that an Ingress backend's port (number or name) refers to. */
function servicePortMatches(service: KubeObject, port: number | string): boolean {
  return asList(asRecord(service.spec)?.ports).some((p) => {
    const sp = asRecord(p);
    return typeof port === "number" ? asInteger(sp?.port) === port : asString(sp?.name) === port;
  });
}

function portsText(service: KubeObject): string {
  const ports = asList(asRecord(service.spec)?.ports).map((p) => {
    const sp = asRecord(p);
    const name = asString(sp?.name);
    return `${asInteger(sp?.port) ?? "?"}${name ? `/${name}` : ""}`;
  });
  return ports.join(", ") || "no ports";
}

export interface EndpointCount {
  ready: number;
  notReady: number;
  /** `EndpointSlice` or `Endpoints`: what was read. */
  from: string;
}

/**
 * Ready addresses behind a Service: from its EndpointSlices when there are any (ready unless `conditions.ready` is
 * false, as the API defines), else from its Endpoints object; undefined when the snapshot holds neither kind.
 */
export function endpointsOf(
  lookup: Lookup,
  namespace: string | undefined,
  service: string,
): EndpointCount | undefined {
  const slices = lookup
    .byKind("EndpointSlice")
    .filter(
      (s) =>
        metaString(s.object, "namespace") === namespace &&
        metaMap(s.object, "labels")["kubernetes.io/service-name"] === service,
    );
  if (slices.length) {
    const count: EndpointCount = { ready: 0, notReady: 0, from: "EndpointSlice" };
    for (const s of slices) {
      for (const e of asList(asRecord(s.object)?.endpoints)) {
        const ep = asRecord(e);
        if (!asList(ep?.addresses).length) continue;
        if (asRecord(ep?.conditions)?.ready === false) count.notReady++;
        else count.ready++;
      }
    }
    return count;
  }
  const endpoints = lookup.get("Endpoints", namespace, service);
  if (!endpoints) {
    // No Endpoints at all for the Service while the snapshot has some: nothing selects it.
    const known = lookup.byKind("Endpoints").length + lookup.byKind("EndpointSlice").length > 0;
    return known ? { ready: 0, notReady: 0, from: "Endpoints" } : undefined;
  }
  const count: EndpointCount = { ready: 0, notReady: 0, from: "Endpoints" };
  for (const subset of asList(asRecord(endpoints.object)?.subsets)) {
    count.ready += asList(asRecord(subset)?.addresses).length;
    count.notReady += asList(asRecord(subset)?.notReadyAddresses).length;
  }
  return count;
}

const MESSAGES = {
  "ingress-young":
    "Ingress {{name}} was created {{age}} ago: Traefik can take up to 60 seconds to pick it up, so a 404 now is expected; wait and retry",
  "backend-missing": "Ingress {{name}} sends {{route}} to Service {{service}}, which does not exist",
  "backend-port-missing":
    "Ingress {{name}} sends {{route}} to port {{port}} of Service {{service}}, which has no such port (it has {{ports}})",
  "backend-no-endpoints":
    "Ingress {{name}} sends {{route}} to Service {{service}}, which has no ready endpoints ({{notReady}} not ready): requests fail until a pod behind it is ready",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const ingressBackendRule = defineRule({
  meta: {
    id: "ingress-backend",
    pitfall: INGRESS_PITFALL,
    runs: ["live"],
    description:
      "An Ingress younger than Traefik's pickup time (wait), and Ingress backends whose Service is missing, lacks the port, or has no ready endpoints (the real cause of a lasting 404).",
    looksAt:
      "Ingress metadata.creationTimestamp, spec.defaultBackend and spec.rules[].http.paths[].backend; Services; Endpoints and EndpointSlices",
    kinds: ["Ingress"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const ingress = object.object;
    const name = metaString(ingress, "name") ?? "";
    const namespace = metaString(ingress, "namespace");
    const values: Record<string, string> = { namespace: namespace ?? "" };
    const out: Reported[] = [];

    const age = ageMs(metaString(ingress, "creationTimestamp"), ctx.now);
    if (age !== undefined && age >= 0 && age < INGRESS_PICKUP_MS) {
      const evidence: Evidence[] = [
        {
          kind: "status",
          text: `created ${ageText(age)} ago (${metaString(ingress, "creationTimestamp")})`,
          source: "metadata.creationTimestamp",
        },
      ];
      if (!asList(asRecord(asRecord(ingress.status)?.loadBalancer)?.ingress).length) {
        evidence.push({
          kind: "status",
          text: "no load balancer address yet",
          source: "status.loadBalancer",
        });
      }
      out.push({
        messageId: "ingress-young",
        data: { name, age: ageText(age) },
        path: ["metadata", "creationTimestamp"],
        evidence,
        values,
      });
    }

    // One report per Service and port, however many routes lead to it; the evidence lists the routes.
    const groups = new Map<string, IngressBackend[]>();
    for (const b of ingressBackends(ingress)) {
      const key = `${b.service}\u0000${b.port ?? ""}`;
      const list = groups.get(key);
      if (list) list.push(b);
      else groups.set(key, [b]);
    }
    for (const backends of groups.values()) {
      const first = backends[0]!;
      const routes: Evidence = {
        kind: "status",
        text: `routes: ${backends.map((b) => b.route).join(", ")}`,
        source: "spec.rules",
      };
      const data = { name, route: first.route, service: first.service };
      const service = ctx.lookup.get("Service", namespace, first.service);
      if (!service) {
        out.push({
          messageId: "backend-missing",
          data,
          path: first.path,
          evidence: [
            { kind: "status", text: `no Service ${namespace ?? ""}/${first.service}`, source: "services" },
            routes,
          ],
          values,
        });
        continue;
      }
      const ports = asList(asRecord(service.object.spec)?.ports);
      if (first.port !== undefined && ports.length && !servicePortMatches(service.object, first.port)) {
        out.push({
          messageId: "backend-port-missing",
          data: { ...data, port: first.port, ports: portsText(service.object) },
          path: first.path,
          evidence: [
            {
              kind: "status",
              text: `Service ${first.service} ports: ${portsText(service.object)}`,
              source: "spec.ports",
            },
            routes,
          ],
          values,
        });
        continue;
      }
      // An ExternalName Service points outside the cluster and has no endpoints by design.
      if (asString(asRecord(service.object.spec)?.type) === "ExternalName") continue;
      const endpoints = endpointsOf(ctx.lookup, namespace, first.service);
      if (!endpoints || endpoints.ready > 0) continue;
      out.push({
        messageId: "backend-no-endpoints",
        data: { ...data, notReady: endpoints.notReady },
        path: first.path,
        evidence: [
          {
            kind: "status",
            text: `${endpoints.from} of ${first.service}: 0 ready addresses, ${endpoints.notReady} not ready`,
            source: endpoints.from,
          },
          routes,
        ],
        values,
      });
    }
    return out;
  },
});
