// What a live read lists and how, shared by the one-off read (live.ts), the list+watch loops (watch.ts) and the
// nodes of upgrade-check: the resources the detectors need, their paths, a list page by page, ExternalSecrets in
// the version the cluster serves, and a container's log tail.
import { asList, asRecord, asString } from "../k8s/fields.js";
import { type KubeObject, kubeObjectOf } from "../model/kube.js";
import { redact } from "../model/redact.js";
import { type KubeApi, KubeApiError, type Query } from "./kube-api.js";
import { type ListResult, listAll } from "./paging.js";
import { withoutSecretValues } from "./secret-values.js";

/** A resource the scan lists. */
export interface LiveResource {
  plural: string;
  kind: string;
  /** "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
}

function resource(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): LiveResource {
  return { group, version, plural, kind, namespaced };
}

/** What the detectors read, in the order the snapshot holds them. */
export const LIVE_RESOURCES: readonly LiveResource[] = [
  resource("", "v1", "nodes", "Node", false),
  resource("", "v1", "namespaces", "Namespace", false),
  resource("", "v1", "pods", "Pod"),
  resource("", "v1", "events", "Event"),
  resource("", "v1", "services", "Service"),
  resource("", "v1", "endpoints", "Endpoints"),
  resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
  resource("apps", "v1", "replicasets", "ReplicaSet"),
  resource("apps", "v1", "deployments", "Deployment"),
  resource("apps", "v1", "statefulsets", "StatefulSet"),
  resource("apps", "v1", "daemonsets", "DaemonSet"),
  resource("batch", "v1", "jobs", "Job"),
  resource("batch", "v1", "cronjobs", "CronJob"),
  resource("networking.k8s.io", "v1", "ingresses", "Ingress"),
  // Who may call the API: the evidence the in-cluster API check weighs (never Secrets).
  resource("", "v1", "serviceaccounts", "ServiceAccount"),
  resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
  resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
];

export const NAMESPACES = LIVE_RESOURCES.find((r) => r.plural === "namespaces")!;
export const NODES = LIVE_RESOURCES.find((r) => r.plural === "nodes")!;

/** External Secrets Operator's group; v1 since ESO 0.17, v1beta1 before. */
export const EXTERNAL_SECRETS_GROUP = "external-secrets.io";
const EXTERNAL_SECRETS_VERSIONS = ["v1", "v1beta1"];

/** `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/deployments`. */
export function resourcePath(r: LiveResource, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = namespace && r.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${scope}/${r.plural}`;
}

/**
 * Items of a list and objects of watch events come without `kind` and `apiVersion`; the detectors need both.
 * An item no API server would send (metadata of the wrong shape) is left out.
 */
export function withKind(r: LiveResource, item: unknown): KubeObject | undefined {
  const object = kubeObjectOf({
    apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
    kind: r.kind,
    ...(asRecord(item) ?? {}),
  });
  return typeof object === "string" ? undefined : withoutSecretValues(object);
}

/** A GET of JSON, with whatever retries and deadline the caller wants around it. */
export type GetJson = (path: string, query?: Query) => Promise<unknown>;

export interface ListPagesOptions {
  /** Items per page (`limit`). */
  pageSize: number;
  /** Fresh starts allowed after a 410 on a continue token. Default 2. */
  relists?: number;
  onRelist?: (relist: number) => void;
}

/** Every item of a list, page by page; a continue token that expired starts the list over (see listAll). */
export function listPages(get: GetJson, path: string, opts: ListPagesOptions): Promise<ListResult<unknown>> {
  return listAll(
    async (token) => {
      const body = asRecord(await get(path, { limit: opts.pageSize, ...(token ? { continue: token } : {}) }));
      const metadata = asRecord(body?.metadata);
      const continueToken = asString(metadata?.continue);
      const resourceVersion = asString(metadata?.resourceVersion);
      return {
        items: asList(body?.items),
        ...(continueToken ? { continueToken } : {}),
        ...(resourceVersion ? { resourceVersion } : {}),
      };
    },
    { relists: opts.relists ?? 2, ...(opts.onRelist ? { onRelist: (n: number) => opts.onRelist!(n) } : {}) },
  );
}

/**
 * ExternalSecret in the version the cluster serves, or why it cannot be read (the CRD is not installed, or
 * serves only versions we do not read). Other failures are thrown.
 */
export async function externalSecretsResource(
  get: GetJson,
): Promise<{ resource: LiveResource } | { problem: string }> {
  let group: Record<string, unknown> | undefined;
  try {
    group = asRecord(await get(`/apis/${EXTERNAL_SECRETS_GROUP}`));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404)
      return { problem: `CRD not installed: the API server does not serve ${EXTERNAL_SECRETS_GROUP}` };
    throw error;
  }
  const served = asList(group?.versions).map((v) => asString(asRecord(v)?.version));
  const version = EXTERNAL_SECRETS_VERSIONS.find((v) => served.includes(v));
  if (!version)
    return {
      problem: `CRD version not supported: ${EXTERNAL_SECRETS_GROUP} serves ${served.join(", ") || "no versions"}, pitfall reads ${EXTERNAL_SECRETS_VERSIONS.join(" or ")}`,
    };
  return { resource: resource(EXTERNAL_SECRETS_GROUP, version, "externalsecrets", "ExternalSecret") };
}

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  /** The instance before the current one (`kubectl logs --previous`). */
  previous: boolean;
}

/** Lines of a log tail. */
const LOG_TAIL_LINES = 50;
/** A log tail is lines, but one line can be huge (a JSON dump on one line). */
const LOG_LIMIT_BYTES = 1024 * 1024;

/** A container's log tail, redacted whole before anything splits it into lines (a private key spans lines). */
export async function readLogTail(
  api: KubeApi,
  r: LogRequest,
  opts: { signal?: AbortSignal; timeoutMs?: number; tailLines?: number },
): Promise<string> {
  const path = `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/pods/${encodeURIComponent(r.pod)}/log`;
  const text = await api.getText(path, {
    query: {
      container: r.container,
      tailLines: opts.tailLines ?? LOG_TAIL_LINES,
      limitBytes: LOG_LIMIT_BYTES,
      ...(r.previous ? { previous: true } : {}),
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return redact(text);
}
