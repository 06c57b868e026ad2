// API paths: which resource a URL names, in which namespace, and which verb a request is.
import type { ResourceType, Verb } from "./types.js";

export interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path prefix was used. */
  watch: boolean;
}

export function isTrue(v: string | null): boolean {
  return v === "true" || v === "1";
}

/** True for paths below a group version (`/api/v1/...`, `/apis/<group>/<version>/...`). */
export function isResourcePath(segments: readonly string[]): boolean {
  return (segments[0] === "api" && segments.length > 2) || (segments[0] === "apis" && segments.length > 3);
}

/** Resolves `/api/v1/namespaces/ns/pods/name/log` and friends against the served resources. */
export function parseRoute(served: readonly ResourceType[], segments: readonly string[]): Route | undefined {
  const core = segments[0] === "api";
  const group = core ? "" : (segments[1] ?? "");
  const version = core ? segments[1] : segments[2];
  let rest = segments.slice(core ? 2 : 3);
  let watch = false;
  if (rest[0] === "watch") {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!version || !plural || extra.length > 0) return undefined;
  const type = served.find((t) => t.group === group && t.version === version && t.plural === plural);
  if (!type || (namespace && !type.namespaced)) return undefined;
  const route: Route = { type, watch };
  if (namespace) route.namespace = namespace;
  if (name) route.name = name;
  if (subresource) route.subresource = subresource;
  return route;
}

export function verbOf(method: string, route: Route, query: URLSearchParams): Verb {
  if (method === "PATCH") return "patch";
  if (method === "PUT") return "update";
  if (method === "POST") return "create";
  if (method === "DELETE") return "delete";
  if (route.watch || isTrue(query.get("watch"))) return "watch";
  return route.name ? "get" : "list";
}

/** The resource as RBAC names it: `pods`, `pods/log`. */
export function rbacResource(route: Route): string {
  return route.subresource ? `${route.type.plural}/${route.subresource}` : route.type.plural;
}
