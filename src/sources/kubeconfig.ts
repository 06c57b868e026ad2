// Finding the kubeconfig the way kubectl does: --kubeconfig, then KUBECONFIG (a list of files), then
// ~/.kube/config, then the pod's service account. Errors name files and contexts, never credentials.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { Context, KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { asRecord, asString } from "../k8s/fields.js";

/** Where a pod's service account credentials are mounted. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface KubeConfigOptions {
  /** `--kubeconfig`: one file, which must exist. */
  kubeconfig?: string;
  /** The value of `KUBECONFIG`: files separated by `:` (`;` on Windows); missing ones are skipped. */
  kubeconfigEnv?: string;
  /** `--context`; default: the file's current context. */
  context?: string;
  /** Use the pod's service account, ignoring files. */
  inCluster?: boolean;
  /** Relative paths are taken from here; default: the process's working folder. */
  cwd?: string;
  /** Where `.kube/config` is looked for; default: the user's home folder. */
  home?: string;
  /** `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, for in-cluster use. */
  serviceHost?: string;
  servicePort?: string;
  /** Default `SERVICE_ACCOUNT_DIR`. */
  serviceAccountDir?: string;
}

/** The kubeconfig cannot be used as asked. The CLI turns it into exit code 2. */
export class KubeConfigError extends Error {
  override name = "KubeConfigError";
  constructor(
    message: string,
    /** The contexts that do exist, to choose from. */
    readonly contexts: string[] = [],
  ) {
    super(message);
  }
}

export interface ContextInfo {
  name: string;
  cluster: string;
  /** The API server URL, when the cluster is in the file. */
  server?: string;
  namespace?: string;
  current: boolean;
}

/** The contexts of a kubeconfig, for listing and for messages (no users, no credentials). */
export function contextsOf(kc: KubeConfig): ContextInfo[] {
  const current = kc.getCurrentContext();
  return kc.getContexts().map((c) => {
    const info: ContextInfo = { name: c.name, cluster: c.cluster, current: c.name === current };
    const server = kc.getCluster(c.cluster)?.server;
    if (server) info.server = server;
    if (c.namespace) info.namespace = c.namespace;
    return info;
  });
}

function contextList(names: string[]): string {
  return names.length > 0 ? `available contexts: ${names.join(", ")}` : "the kubeconfig has no contexts";
}

/**
 * A parse failure without the parser's excerpt of the file: that excerpt can hold a token or a key.
 * js-yaml errors carry `reason` and `mark`; anything else keeps its first line only.
 */
function safeReason(error: unknown): string {
  const e = error as { reason?: unknown; mark?: { line?: unknown; column?: unknown }; message?: unknown };
  if (typeof e?.reason === "string") {
    const line = typeof e.mark?.line === "number" ? ` at line ${e.mark.line + 1}` : "";
    return `${e.reason}${line}`;
  }
  const message = typeof e?.message === "string" ? e.message : String(error);
  return message.split("\n")[0]!.slice(0, 200);
}

type KubeConfigClass = typeof import("@kubernetes/client-node").KubeConfig;

function loadFile(KC: KubeConfigClass, file: string): KubeConfig {
  const kc = new KC();
  try {
    kc.loadFromFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new KubeConfigError(`kubeconfig ${file} does not exist`);
    if (code === "EACCES" || code === "EPERM")
      throw new KubeConfigError(`kubeconfig ${file}: permission denied`);
    throw new KubeConfigError(`kubeconfig ${file} cannot be read: ${safeReason(error)}`);
  }
  return kc;
}

/** kubectl's merge of a KUBECONFIG list: the first file that names a cluster, user, context or current context wins. */
function mergeFiles(KC: KubeConfigClass, configs: KubeConfig[]): KubeConfig {
  const merged = new KC();
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  merged.loadFromOptions({
    clusters: firstByName(configs.map((c) => c.getClusters())),
    users: firstByName(configs.map((c) => c.getUsers())),
    contexts: firstByName(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((name) => !!name) ?? "",
  });
  return merged;
}

/** The service account of the pod we run in, as client-go's rest.InClusterConfig builds it. */
function inClusterConfig(KC: KubeConfigClass, opts: KubeConfigOptions): KubeConfig {
  const dir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const tokenFile = path.join(dir, "token");
  if (!opts.serviceHost || !opts.servicePort || !existsSync(tokenFile)) {
    throw new KubeConfigError(
      `not running in a cluster: needs KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and ${tokenFile}`,
    );
  }
  const host = opts.serviceHost.includes(":") ? `[${opts.serviceHost}]` : opts.serviceHost;
  const namespaceFile = path.join(dir, "namespace");
  const namespace = readFirstLine(namespaceFile);
  const context: Context = {
    name: "in-cluster",
    cluster: "in-cluster",
    user: "in-cluster",
    ...(namespace ? { namespace } : {}),
  };
  const kc = new KC();
  kc.loadFromOptions({
    clusters: [
      {
        name: "in-cluster",
        server: `https://${host}:${opts.servicePort}`,
        caFile: path.join(dir, "ca.crt"),
        skipTLSVerify: false,
      },
    ],
    // The client re-reads a token file when it changes: projected tokens rotate hourly.
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } }],
    contexts: [context],
    currentContext: "in-cluster",
  });
  return kc;
}

function readFirstLine(file: string): string | undefined {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The KubeConfig as kubectl would resolve it, with the asked-for context made current. */
export async function loadKubeConfig(opts: KubeConfigOptions = {}): Promise<KubeConfig> {
  const { KubeConfig: KC } = await import("@kubernetes/client-node");
  const cwd = opts.cwd ?? process.cwd();
  let kc: KubeConfig;
  let source: string;

  if (opts.inCluster) {
    kc = inClusterConfig(KC, opts);
    source = "the pod's service account";
  } else if (opts.kubeconfig) {
    const file = path.resolve(cwd, opts.kubeconfig);
    kc = loadFile(KC, file);
    source = file;
  } else {
    const listed = (opts.kubeconfigEnv ?? "")
      .split(path.delimiter)
      .filter((f) => f !== "")
      .map((f) => path.resolve(cwd, f));
    const present = listed.filter((f) => existsSync(f));
    const home = path.join(opts.home ?? homedir(), ".kube", "config");
    if (present.length > 0) {
      kc = mergeFiles(
        KC,
        present.map((f) => loadFile(KC, f)),
      );
      source = present.join(path.delimiter);
    } else if (existsSync(home)) {
      kc = loadFile(KC, home);
      source = home;
    } else if (
      opts.serviceHost &&
      existsSync(path.join(opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, "token"))
    ) {
      kc = inClusterConfig(KC, opts);
      source = "the pod's service account";
    } else {
      const looked = [...listed.map((f) => `${f} (KUBECONFIG)`), home];
      throw new KubeConfigError(
        `no kubeconfig found: looked at ${looked.join(", ")} and for a service account; pass --kubeconfig or --context`,
      );
    }
  }

  const names = kc.getContexts().map((c) => c.name);
  const wanted = opts.context ?? kc.getCurrentContext();
  if (!wanted) {
    throw new KubeConfigError(
      `${source} sets no current context; pick one with --context (${contextList(names)})`,
      names,
    );
  }
  if (!kc.getContextObject(wanted)) {
    const how = opts.context ? "" : " (its current-context)";
    throw new KubeConfigError(`context "${wanted}"${how} is not in ${source}; ${contextList(names)}`, names);
  }
  kc.setCurrentContext(wanted);
  const clusterName = kc.getContextObject(wanted)?.cluster ?? "";
  if (!kc.getCluster(clusterName)) {
    throw new KubeConfigError(
      `context "${wanted}" names cluster "${clusterName}", which is not in ${source}`,
      names,
    );
  }
  return kc;
}

/** Make `context` current (when given) and return the current context; an unknown one lists those there are. */
export function useContext(kc: KubeConfig, context: string | undefined): string {
  if (context && context !== kc.getCurrentContext()) {
    if (!kc.getContextObject(context)) {
      const names = contextsOf(kc).map((c) => c.name);
      throw new KubeConfigError(
        `context "${context}" is not in the kubeconfig; available: ${names.join(", ")}`,
        names,
      );
    }
    kc.setCurrentContext(context);
  }
  return kc.getCurrentContext();
}

/** Where to look for the kubeconfig, as kubectl does: the flags and environment, gathered once by the CLI. */
export type KubeAccess = Pick<
  KubeConfigOptions,
  "kubeconfig" | "kubeconfigEnv" | "home" | "serviceHost" | "servicePort" | "cwd"
>;

/**
 * The current context of the kubeconfig kubectl would read, from the files alone: no Kubernetes client loaded (the
 * guard's hook answers before every command, so it stays quick).
 */
export function currentContextOf(access: KubeAccess): string | undefined {
  const cwd = access.cwd ?? process.cwd();
  const files = access.kubeconfig
    ? [path.resolve(cwd, access.kubeconfig)]
    : [
        ...(access.kubeconfigEnv ?? "")
          .split(path.delimiter)
          .filter(Boolean)
          .map((f) => path.resolve(cwd, f)),
        path.join(access.home ?? homedir(), ".kube", "config"),
      ];
  for (const file of files) {
    try {
      const current = asString(asRecord(parseYaml(readFileSync(file, "utf8")))?.["current-context"]);
      if (current) return current;
    } catch {
      // Missing or unreadable: kubectl would try the next one too.
    }
  }
  return undefined;
}

/** Just the access fields of anything that carries them (a scan's live source, an MCP target). */
export function kubeAccessOf(from: KubeAccess): KubeAccess {
  const out: KubeAccess = {};
  for (const key of ["kubeconfig", "kubeconfigEnv", "home", "serviceHost", "servicePort", "cwd"] as const)
    if (from[key] !== undefined) out[key] = from[key];
  return out;
}

export interface ClusterContexts {
  /** Contexts named (`--context`, repeatable); none: the current one. */
  contexts?: readonly string[];
  /** Every context of the kubeconfig. */
  allContexts?: boolean;
}

/**
 * The contexts a target names, each with its own KubeConfig (so reading them concurrently never races on the
 * current context): the named ones, every one, else the current one.
 */
export async function kubeConfigsOf(
  access: KubeAccess,
  which: ClusterContexts = {},
): Promise<{ context: string; kubeConfig: KubeConfig }[]> {
  const named = which.contexts ?? [];
  const first = await loadKubeConfig({ ...kubeAccessOf(access), ...(named[0] ? { context: named[0] } : {}) });
  const contexts = which.allContexts
    ? contextsOf(first).map((c) => c.name)
    : named.length
      ? [...named]
      : [first.getCurrentContext()];
  return Promise.all(
    contexts.map(async (context) => ({
      context,
      kubeConfig: await loadKubeConfig({ ...kubeAccessOf(access), context }),
    })),
  );
}
