// The Kubernetes API simulator: a node:http server speaking the REST protocol pitfall and kubectl use.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { KubeObject } from "../../src/model/kube.js";
import { apiGroupList, apiGroupOf, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { FaultPlan } from "./faults.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { loadCluster } from "./load.js";
import { expiredContinue, readReply } from "./read.js";
import { dropReply, json, type Reply, sendReply, statusReply } from "./reply.js";
import { isResourcePath, parseRoute, rbacResource, verbOf } from "./routes.js";
import { SelectorError } from "./selectors.js";
import {
  badRequest,
  forbidden,
  methodNotAllowed,
  noSuchResource,
  serverError,
  tooManyRequests,
  unauthorized,
} from "./status.js";
import { Store, StoreError } from "./store.js";
import type { Cluster, Fault, KubeconfigEntry, RequestRecord, ResourceType, SimLog } from "./types.js";
import { writeReply } from "./write.js";

export interface SimulatorOptions {
  /** A cluster, or the path of a fixture file; default: an empty cluster. */
  cluster?: Cluster | string;
  faults?: Fault[];
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Changes kept for watch resumption; older resourceVersions get 410. Default 1000. */
  historySize?: number;
}

export interface Sim {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order (method, path, query, status sent); at most the last 100,000. */
  readonly requests: RequestRecord[];
  /** The current resourceVersion. */
  readonly resourceVersion: string;
  close(): Promise<void>;
  /** Writes `<dir>/kubeconfig-<context>.yaml` for this simulator and returns its path. */
  writeKubeconfig(dir: string, opts?: { context?: string; namespace?: string }): string;
  /** This simulator as a kubeconfig entry, to combine several in one file with `writeKubeconfig`. */
  kubeconfigEntry(context?: string, namespace?: string): KubeconfigEntry;
  /** Creates or replaces an object (ADDED/MODIFIED to watchers); returns the stored copy. */
  apply(o: KubeObject): KubeObject;
  /** Deletes an object by kind (`Pod`) or plural (`pods`); sends DELETED to watchers. */
  remove(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  setLog(log: SimLog): void;
  setFaults(faults: Fault[]): void;
  /** Forgets the change history (etcd compaction): watches from older versions get 410. */
  compact(): void;
}

const EMPTY: Cluster = { name: "empty", version: "v1.34.1+k3s1", objects: [], logs: [] };
const MAX_RECORDS = 100_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

function discoveryReply(
  served: readonly ResourceType[],
  store: Store,
  segments: string[],
  url: string,
): Reply {
  const path = segments.join("/");
  const orMissing = (body: unknown) => (body ? json(body) : statusReply(noSuchResource()));
  if (path === "version") return json(versionInfo(store.version));
  if (path === "healthz" || path === "livez" || path === "readyz")
    return { kind: "text", code: 200, body: "ok" };
  if (path === "api") return json(apiVersions(url.replace(/^http:\/\//, "")));
  if (path === "apis") return json(apiGroupList(served));
  if (segments[0] === "api" && segments.length === 2)
    return orMissing(apiResourceList(served, "", segments[1]!));
  if (segments[0] === "apis" && segments.length === 2) return orMissing(apiGroupOf(served, segments[1]!));
  if (segments[0] === "apis" && segments.length === 3) {
    return orMissing(apiResourceList(served, segments[1]!, segments[2]!));
  }
  return statusReply(noSuchResource());
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString("utf8");
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Sim> {
  const cluster = typeof opts.cluster === "string" ? loadCluster(opts.cluster) : (opts.cluster ?? EMPTY);
  const store = new Store(cluster, opts.historySize);
  const faults = new FaultPlan(opts.faults);
  const requests: RequestRecord[] = [];
  const watches = new Set<{ stop: () => void }>();
  const sleepers = new Set<() => void>();
  let closed = false;
  let url = "";

  const served = () => store.types.filter((t) => !faults.isAbsent(t.plural));

  /** A delay that `close()` cuts short. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  function record(req: IncomingMessage, res: ServerResponse, u: URL): void {
    const r: RequestRecord = {
      method: req.method ?? "GET",
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      status: 0,
    };
    if (requests.length >= MAX_RECORDS) requests.shift();
    requests.push(r);
    res.on("finish", () => {
      r.status = res.statusCode;
    });
  }

  /** Decides the reply; undefined when the response was already dealt with (dropped or closed). */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> {
    const method = req.method ?? "GET";
    const u = new URL(req.url ?? "/", "http://sim");
    record(req, res, u);
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      return statusReply(unauthorized());
    }
    const segments = u.pathname.split("/").filter((s) => s.length > 0);
    const route = isResourcePath(segments) ? parseRoute(served(), segments) : undefined;
    const verb = route ? verbOf(method, route, u.searchParams) : "get";
    const resource = route ? rbacResource(route) : undefined;
    const decision = faults.decide({
      ...(resource ? { resource } : {}),
      verb,
      ...(route?.namespace ? { namespace: route.namespace } : {}),
      hasContinue: u.searchParams.has("continue"),
    });
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    if (closed || res.destroyed) return undefined;
    const orDrop = (reply: Reply): Reply | undefined => {
      if (!decision.drop) return reply;
      dropReply(res, reply);
      return undefined;
    };

    if (!isResourcePath(segments)) {
      if (method !== "GET") return statusReply(methodNotAllowed(method));
      return orDrop(discoveryReply(served(), store, segments, url));
    }
    if (!route) return statusReply(noSuchResource());
    if (decision.forbidden) {
      const f = forbidden({
        user: decision.forbidden.user,
        verb,
        resource: resource!,
        group: route.type.group,
        ...(route.namespace ? { namespace: route.namespace } : {}),
        ...(route.name ? { name: route.name } : {}),
      });
      return statusReply(f);
    }
    if (decision.status) {
      const { code, retryAfterSeconds } = decision.status;
      const s = code === 429 ? tooManyRequests(retryAfterSeconds) : serverError(code, retryAfterSeconds);
      return statusReply(s, { "Retry-After": String(retryAfterSeconds) });
    }
    if (decision.expiredContinue && verb === "list") return expiredContinue(u.searchParams.get("continue"));
    try {
      if (method === "GET")
        return orDrop(readReply(store, { route, verb, query: u.searchParams, accept: req.headers.accept }));
      if (!["PATCH", "PUT", "POST", "DELETE"].includes(method)) return statusReply(methodNotAllowed(method));
      const body = await readBody(req);
      if (body === undefined) return statusReply(badRequest("request entity too large"));
      const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
      return orDrop(writeReply(store, { route, verb, method, query: u.searchParams, contentType, body }));
    } catch (e) {
      if (e instanceof SelectorError) return statusReply(badRequest(e.message));
      throw e;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res)
      .then(async (reply) => {
        if (!reply || closed) return;
        const watch = await sendReply(res, reply);
        if (watch) {
          watches.add(watch);
          res.on("close", () => watches.delete(watch));
        }
      })
      .catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const s = serverError(500, 1);
        s.message = `Internal error occurred: ${(e as Error).message}`;
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify(s));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const typeOrThrow = (kind: string) => {
    const t = store.typeByName(kind);
    if (!t) throw new StoreError(`unknown kind ${kind}`);
    return t;
  };
  const sim: Sim = {
    url,
    requests,
    get resourceVersion() {
      return String(store.rv);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const wake of [...sleepers]) wake();
      for (const w of [...watches]) w.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    writeKubeconfig(dir, o = {}) {
      const context = o.context ?? "sim";
      return writeKubeconfig(join(dir, `kubeconfig-${context}.yaml`), [
        sim.kubeconfigEntry(context, o.namespace),
      ]);
    },
    kubeconfigEntry(context = "sim", namespace) {
      return {
        context,
        server: url,
        ...(opts.token !== undefined ? { token: opts.token } : {}),
        ...(namespace ? { namespace } : {}),
      };
    },
    apply: (o) => store.apply(o).object,
    remove: (kind, namespace, name) => store.remove(typeOrThrow(kind), namespace, name)?.object,
    get: (kind, namespace, name) => store.get(typeOrThrow(kind), namespace, name),
    setLog: (l) => store.setLog(l),
    setFaults: (f) => faults.set(f),
    compact: () => store.compact(),
  };
  return sim;
}
