// kubectl's command line as kubectl reads it: flags in any order (`-n x`, `--namespace=x`, `-nx`, `-it`), the verb
// and its subcommand, `resource/name` and `resource name` forms, and the kind each resource name means.

export interface KubectlArgs {
  /** `get`, `cp`, `set`, …; "" when there is none. */
  verb: string;
  /** `resources` of `set resources`, `status` of `rollout status`; "" for verbs without subcommands. */
  subcommand: string;
  /** Positional arguments after the verb (and subcommand). */
  args: string[];
  /** Every flag by its long name without dashes (`namespace`, `container`); repeated flags keep every value. */
  flags: Map<string, string[]>;
  /** Arguments after `--` (the command of `exec`, `run`, `debug`). */
  tail?: string[];
}

/** Short flags and the long flag each stands for. `-p` depends on the verb. */
const SHORT: Record<string, string> = {
  n: "namespace",
  c: "container",
  f: "filename",
  k: "kustomize",
  l: "selector",
  o: "output",
  s: "server",
  v: "v",
  L: "label-columns",
  A: "all-namespaces",
  w: "watch",
  R: "recursive",
  i: "stdin",
  t: "tty",
  q: "quiet",
  h: "help",
  e: "env",
  a: "all",
  r: "replicas",
};

/** Long flags that take a value (others are booleans unless written `--flag=value`). */
const VALUE_FLAGS = new Set([
  // global
  "namespace",
  "context",
  "cluster",
  "user",
  "kubeconfig",
  "server",
  "token",
  "as",
  "as-group",
  "as-uid",
  "request-timeout",
  "certificate-authority",
  "client-certificate",
  "client-key",
  "tls-server-name",
  "cache-dir",
  "log-file",
  "v",
  "vmodule",
  "profile",
  "profile-output",
  "password",
  "username",
  // commands
  "container",
  "filename",
  "kustomize",
  "selector",
  "output",
  "field-selector",
  "sort-by",
  "template",
  "timeout",
  "since",
  "since-time",
  "tail",
  "type",
  "patch",
  "patch-file",
  "limits",
  "requests",
  "image",
  "image-pull-policy",
  "overrides",
  "port",
  "replicas",
  "current-replicas",
  "resource-version",
  "field-manager",
  "subresource",
  "chunk-size",
  "label-columns",
  "max-log-requests",
  "pod-running-timeout",
  "grace-period",
  "env",
  "labels",
  "restart",
  "serviceaccount",
  "to-revision",
  "revision",
  "retries",
  "address",
  "target",
  "copy-to",
  "from-literal",
  "from-file",
  "from-env-file",
  "schedule",
  "for",
  "prefix",
  "max-unavailable",
  "min-available",
  "cpu-percent",
  "min",
  "max",
  "name",
  "protocol",
  "target-port",
  "external-ip",
  "session-affinity",
  "cluster-ip",
  "from",
  "containers",
  "api-group",
  "session",
]);

/** Verbs whose first argument is a subcommand. */
const SUBCOMMANDS = new Set([
  "set",
  "rollout",
  "config",
  "auth",
  "create",
  "top",
  "certificate",
  "plugin",
  "apply",
  "cluster-info",
  "alpha",
  "kustomize-x",
]);
/** `apply` is a subcommand verb only for these. */
const APPLY_SUBCOMMANDS = new Set(["view-last-applied", "set-last-applied", "edit-last-applied"]);

/** Parse kubectl's arguments (the program name left out). */
export function parseKubectl(argv: readonly string[]): KubectlArgs {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  let tail: string[] | undefined;
  const add = (name: string, value: string) => {
    const list = flags.get(name);
    if (list) list.push(value);
    else flags.set(name, [value]);
  };
  // `-p` is `--patch` for patch, `--previous` for logs, `--pod` (old) for exec.
  const verbSoFar = () => positional[0] ?? "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      tail = argv.slice(i + 1);
      break;
    }
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) add(name, a.slice(eq + 1));
      else if (VALUE_FLAGS.has(name) && i + 1 < argv.length) add(name, argv[++i]!);
      else add(name, "true");
      continue;
    }
    if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
      // `-n x`, `-nx`, `-n=x`, `-it`: pflag's shorthand forms.
      for (let j = 1; j < a.length; j++) {
        const short = a[j]!;
        const name = shortName(short, verbSoFar());
        if (VALUE_FLAGS.has(name)) {
          const attached = a.slice(j + 1).replace(/^=/, "");
          if (attached) add(name, attached);
          else if (i + 1 < argv.length) add(name, argv[++i]!);
          break;
        }
        add(name, "true");
      }
      continue;
    }
    positional.push(a);
  }
  const verb = positional.shift() ?? "";
  let subcommand = "";
  if (
    SUBCOMMANDS.has(verb) &&
    positional.length &&
    (verb !== "apply" || APPLY_SUBCOMMANDS.has(positional[0]!))
  )
    subcommand = positional.shift()!;
  const out: KubectlArgs = { verb, subcommand, args: positional, flags };
  if (tail) out.tail = tail;
  return out;
}

function shortName(short: string, verb: string): string {
  if (short === "p") return verb === "patch" ? "patch" : verb === "logs" ? "previous" : "pod";
  return SHORT[short] ?? short;
}

/** The last value of a flag, if given. */
export function flagValue(k: KubectlArgs, name: string): string | undefined {
  return k.flags.get(name)?.at(-1);
}

/** Every value of a repeatable list flag, commas split (`-f a.yaml,b.yaml`). */
export function flagValues(k: KubectlArgs, name: string): string[] {
  return (k.flags.get(name) ?? []).flatMap((v) => v.split(",")).filter((v) => v !== "");
}

/** Resource names as kubectl takes them (plural, singular, short) → the kind. */
const KINDS: [string, string[]][] = [
  ["Pod", ["pods", "pod", "po"]],
  ["Deployment", ["deployments", "deployment", "deploy"]],
  ["StatefulSet", ["statefulsets", "statefulset", "sts"]],
  ["DaemonSet", ["daemonsets", "daemonset", "ds"]],
  ["ReplicaSet", ["replicasets", "replicaset", "rs"]],
  ["ReplicationController", ["replicationcontrollers", "replicationcontroller", "rc"]],
  ["Job", ["jobs", "job"]],
  ["CronJob", ["cronjobs", "cronjob", "cj"]],
  ["Rollout", ["rollouts", "rollout", "ro"]],
  ["Service", ["services", "service", "svc"]],
  ["ConfigMap", ["configmaps", "configmap", "cm"]],
  ["Secret", ["secrets", "secret"]],
  ["Node", ["nodes", "node", "no"]],
  ["Namespace", ["namespaces", "namespace", "ns"]],
  ["Ingress", ["ingresses", "ingress", "ing"]],
  ["Event", ["events", "event", "ev"]],
  ["PersistentVolumeClaim", ["persistentvolumeclaims", "persistentvolumeclaim", "pvc"]],
  ["PersistentVolume", ["persistentvolumes", "persistentvolume", "pv"]],
  ["ServiceAccount", ["serviceaccounts", "serviceaccount", "sa"]],
  ["Endpoints", ["endpoints", "ep"]],
  ["ExternalSecret", ["externalsecrets", "externalsecret", "es"]],
  ["HorizontalPodAutoscaler", ["horizontalpodautoscalers", "horizontalpodautoscaler", "hpa"]],
];
const KIND_OF = new Map<string, string>(
  KINDS.flatMap(([kind, names]) => names.map((n) => [n, kind] as const)),
);

/** `deploy` → `Deployment`; `deployments.apps` and `deployment.v1.apps` too; undefined when unknown. */
export function kindOfResource(resource: string): string | undefined {
  const base = resource.toLowerCase().split(".")[0] ?? "";
  return KIND_OF.get(base);
}

export interface ResourceRef {
  /** As typed: `deploy`, `pods`. */
  resource: string;
  kind?: string;
  name: string;
}

/** Verbs whose bare argument is a pod name (`kubectl logs web-1`). */
const POD_DEFAULT = new Set(["logs", "exec", "attach", "port-forward", "cp"]);

/** The objects the arguments name: `deploy/x`, `deploy x y`, `pods,svc`, a bare pod for logs/exec. */
export function resourcesOf(verb: string, args: readonly string[]): ResourceRef[] {
  if (!args.length) return [];
  const out: ResourceRef[] = [];
  if (args.some((a) => a.includes("/"))) {
    for (const a of args) {
      const slash = a.indexOf("/");
      if (slash <= 0) continue;
      const resource = a.slice(0, slash);
      const kind = kindOfResource(resource);
      out.push({ resource, ...(kind ? { kind } : {}), name: a.slice(slash + 1) });
    }
    return out;
  }
  if (POD_DEFAULT.has(verb)) return [{ resource: "pod", kind: "Pod", name: args[0]! }];
  const [type, ...names] = args;
  for (const resource of type!.split(",")) {
    const kind = kindOfResource(resource);
    if (!names.length) out.push({ resource, ...(kind ? { kind } : {}), name: "" });
    for (const name of names) out.push({ resource, ...(kind ? { kind } : {}), name });
  }
  return out;
}

/** `ns/pod:path` or `pod:path` of `kubectl cp`; undefined for a local path. */
export function podPathOf(arg: string): { namespace?: string; pod: string; path: string } | undefined {
  const colon = arg.indexOf(":");
  // `./a:b` and `/x:y` are local paths; so is anything before a colon that holds a path separator twice.
  if (colon <= 0 || arg.startsWith(".") || arg.startsWith("/")) return undefined;
  const head = arg.slice(0, colon);
  const parts = head.split("/");
  if (parts.length > 2 || parts.some((p) => p === "")) return undefined;
  const pod = parts.at(-1)!;
  return { ...(parts.length === 2 ? { namespace: parts[0]! } : {}), pod, path: arg.slice(colon + 1) };
}
