// Starting and talking to pitfall-cluster (test/cluster/*.go): a real kube-apiserver with an embedded etcd.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { stringify } from "yaml";
import { clusterBinary } from "./build.mjs";

/** What pitfall-cluster prints when /readyz is ok. */
export interface ClusterInfo {
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  url: string;
  /** The embedded etcd's client URL. */
  etcd: string;
  /** Plain-HTTP control endpoint: POST /compact, PUT /logs/<ns>/<pod>/<container>. */
  control: string;
  /** The kubelet endpoint's port on 127.0.0.1; nodes must point their daemonEndpoints at it. */
  kubeletPort: number;
  dir: string;
  /** kube-apiserver's /version gitVersion. */
  version: string;
}

export interface Cluster extends ClusterInfo {
  /** The admin's bearer token and the CA, from the kubeconfig. */
  token: string;
  ca: string;
  stop(): Promise<void>;
}

/** Why the real-server tests cannot run here, or undefined when they can. */
export function clusterUnavailable(): string | undefined {
  if (existsSync(clusterBinary())) return undefined;
  const go = spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
  return go
    ? "real kube-apiserver tests skipped: run `npm run cluster:build` first (builds test/cluster, minutes once)"
    : "real kube-apiserver tests skipped: no Go toolchain to build test/cluster (install Go, then `npm run cluster:build`)";
}

/** The admin token and CA of a kubeconfig that pitfall-cluster wrote. */
export function credentialsOf(info: ClusterInfo): { token: string; ca: string } {
  const text = readFileSync(info.kubeconfig, "utf8");
  const token = /token: (\S+)/.exec(text)?.[1];
  const caData = /certificate-authority-data: (\S+)/.exec(text)?.[1];
  if (!token || !caData)
    throw new Error(`${info.kubeconfig}: no token or CA in the kubeconfig pitfall-cluster wrote`);
  return { token, ca: Buffer.from(caData, "base64").toString("utf8") };
}

/**
 * Starts a fresh pitfall-cluster; `apiserverArgs` go to kube-apiserver as they are (e.g. `--watch-cache=false`).
 * Its stderr (the API server's log) goes to `<dir>/apiserver.log`; it stops when `stop()` is called or this process
 * goes away (its stdin closes).
 */
export async function startCluster(opts: { apiserverArgs?: string[] } = {}): Promise<Cluster> {
  const bin = clusterBinary();
  if (!existsSync(bin)) throw new Error(clusterUnavailable());
  const dir = mkdtempSync(join(tmpdir(), "pitfall-cluster-"));
  const logFile = join(dir, "apiserver.log");
  const log = openSync(logFile, "a");
  const child = spawn(bin, ["--dir", dir, "--", ...(opts.apiserverArgs ?? [])], {
    stdio: ["pipe", "pipe", log],
  });
  closeSync(log);
  let info: ClusterInfo;
  try {
    info = await readyLine(child, logFile);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { ...info, ...credentialsOf(info), stop };
}

function readyLine(child: ChildProcess, logFile: string): Promise<ClusterInfo> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const failed = (why: string) => {
      const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      reject(new Error(`pitfall-cluster ${why}; the end of ${logFile}:\n${tail}`));
    };
    child.once("exit", (code, signal) => failed(`exited (${signal ?? code}) before it was ready`));
    child.once("error", (e) => failed(`did not start: ${e.message}`));
    lines.once("line", (line) => {
      try {
        resolve(JSON.parse(line) as ClusterInfo);
      } catch {
        failed(`printed '${line}' instead of its ready line`);
      }
    });
  });
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
}

/** One request to the API server as the admin (or with `token`); JSON in and out. */
export function apiRequest(
  cluster: Pick<Cluster, "url" | "token" | "ca">,
  method: string,
  path: string,
  body?: unknown,
  opts: { contentType?: string; token?: string } = {},
): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${cluster.url}${path}`,
      {
        method,
        ca: cluster.ca,
        headers: {
          authorization: `Bearer ${opts.token ?? cluster.token}`,
          accept: "application/json",
          ...(payload !== undefined ? { "content-type": opts.contentType ?? "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // pods/log and a few errors answer in plain text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Like apiRequest, but a status other than 2xx is an error naming the request and the server's message. */
export async function apiCall(
  cluster: Pick<Cluster, "url" | "token" | "ca">,
  method: string,
  path: string,
  body?: unknown,
  opts: { contentType?: string; token?: string } = {},
): Promise<Record<string, unknown>> {
  const res = await apiRequest(cluster, method, path, body, opts);
  if (res.status < 200 || res.status > 299) {
    const message = (res.body as { message?: string } | undefined)?.message ?? res.text;
    throw Object.assign(new Error(`${method} ${path}: ${res.status} ${message}`), { status: res.status });
  }
  return res.body as Record<string, unknown>;
}

/** Writes a kubeconfig for the cluster with one context, as the admin or with another bearer token. */
export function writeClusterKubeconfig(
  cluster: Pick<Cluster, "url" | "ca" | "token">,
  path: string,
  opts: { context?: string; token?: string; namespace?: string } = {},
): string {
  const context = opts.context ?? "pitfall-cluster";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: context,
        cluster: {
          server: cluster.url,
          "certificate-authority-data": Buffer.from(cluster.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: context, user: { token: opts.token ?? cluster.token } }],
    contexts: [
      {
        name: context,
        context: {
          cluster: context,
          user: context,
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
        },
      },
    ],
    "current-context": context,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

/** Compacts etcd at its current revision: older resourceVersions (continue tokens, watches) are gone. */
export async function compactEtcd(cluster: Pick<ClusterInfo, "control">): Promise<number> {
  const res = await fetch(`${cluster.control}/compact`, { method: "POST" });
  if (!res.ok) throw new Error(`compact: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { revision: number }).revision;
}

/** Sets creationTimestamp (uid → RFC 3339) on stored objects, which no client can; returns how many changed. */
export async function backdateObjects(
  cluster: Pick<ClusterInfo, "control">,
  times: Record<string, string>,
): Promise<number> {
  const res = await fetch(`${cluster.control}/backdate`, { method: "POST", body: JSON.stringify(times) });
  if (!res.ok) throw new Error(`backdate: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { changed: number }).changed;
}

/** Sets the log the kubelet endpoint serves for one container instance. */
export async function setContainerLog(
  cluster: Pick<ClusterInfo, "control">,
  log: { namespace: string; pod: string; container: string; previous: boolean; text: string },
): Promise<void> {
  const path = [log.namespace, log.pod, log.container].map(encodeURIComponent).join("/");
  const res = await fetch(`${cluster.control}/logs/${path}${log.previous ? "?previous=true" : ""}`, {
    method: "PUT",
    body: log.text,
  });
  if (!res.ok) throw new Error(`set log of ${path}: ${res.status} ${await res.text()}`);
}
