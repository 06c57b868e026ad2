// How people and agents describe a problem, mapped to the words pitfall pages use for it.

/** One concept: the phrases that name it, the page words it stands for, the built-in ids it points to. */
export interface Symptom {
  /** Lowercase phrases as typed; matched on word boundaries, a trailing `*` also matches longer words. */
  phrases: string[];
  /** Words that occur in pitfall texts; added to the query so any page using them benefits. */
  terms: string[];
  /** Built-in pitfall ids to boost; a page without these ids simply gets no boost. */
  ids: string[];
}

export const SYMPTOMS: readonly Symptom[] = [
  {
    phrases: ["137", "exit code 137", "oom*", "out of memory", "killed", "memory limit*", "memory leak*"],
    terms: ["oomkilled", "memory", "limit", "leak"],
    ids: ["oomkilled"],
  },
  {
    phrases: [
      "10.43.0.1",
      "in-cluster config",
      "incluster config",
      "in cluster config",
      "incluster*",
      "service account token",
      "serviceaccount token",
      "kubernetes api",
      "kubernetes.default*",
      "clusterip",
    ],
    terms: ["clusterip", "cluster", "config", "token", "kubeconfig", "api"],
    ids: ["k3s-clusterip-broken-from-inside-pods"],
  },
  {
    phrases: [
      "imagepullbackoff",
      "errimagepull",
      "errimageneverpull",
      "image not found",
      "image not present",
      "ctr images",
      "image pull*",
      "pull image",
      "pull access denied",
      "imagepullpolicy",
    ],
    terms: ["imagepullbackoff", "image", "pull", "import", "registry", "imagepullpolicy"],
    ids: ["image-pull-failures-zone-1"],
  },
  {
    phrases: [
      "back-off restarting failed container",
      "back-off restarting",
      "crashloop*",
      "restarts",
      "restart count",
      "keeps restarting",
      "keeps crashing",
      "crash*",
    ],
    terms: ["crashloopbackoff", "crashing", "restarts", "previous", "logs"],
    ids: ["crashloopbackoff"],
  },
  {
    phrases: [
      "xpending",
      "xclaim",
      "xautoclaim",
      "pending entries",
      "pending list",
      "pending messages",
      "messages stuck",
      "stuck messages",
      "messages pending",
      "stuck pending",
      "consumer group*",
      "orphan*",
      "redis stream*",
      "not being processed",
    ],
    terms: ["pending", "consumer", "group", "stuck", "orphans", "streams", "xpending", "xclaim"],
    ids: ["stale-consumer-groups-redis-streams"],
  },
  {
    phrases: [
      "rotated",
      "rotate*",
      "rotation",
      "old value",
      "stale secret",
      "expired api key",
      "externalsecret*",
      "external secret*",
      "external-secrets",
      "vault",
      "force-sync",
      "force sync",
      "refreshinterval",
    ],
    terms: ["secret", "rotated", "vault", "sync", "externalsecret", "refreshinterval", "old", "value"],
    ids: ["secret-sync-delays"],
  },
  {
    phrases: ["404", "ingress", "traefik", "route", "routes", "ingressroute"],
    terms: ["traefik", "ingress", "route", "404"],
    ids: ["traefik-ingress-not-updating"],
  },
  {
    phrases: [
      "etcd",
      "upgrade k3s",
      "upgrading k3s",
      "k3s upgrade",
      "3.5",
      "3.6",
      "1.33",
      "1.34",
      "data loss",
    ],
    terms: ["etcd", "upgrade", "backup"],
    ids: ["etcd-upgrade-path"],
  },
  {
    phrases: [
      "port already in use",
      "port in use",
      "port conflict*",
      "didn't have free ports",
      "didnt have free ports",
      "free ports",
      "address already in use",
      "eaddrinuse",
      "hostport",
      "hostnetwork",
      "host network",
    ],
    terms: ["hostnetwork", "port", "bind", "rolling", "rollout"],
    ids: ["hostnetwork-causes-port-conflicts"],
  },
  {
    phrases: [
      "evict*",
      "node unresponsive",
      "node not responding",
      "node not ready",
      "notready",
      "memorypressure",
      "memory pressure",
      "diskpressure",
      "disk pressure",
      "no requests",
      "no resource requests",
      "no limits",
      "noisy neighbour*",
      "noisy neighbor*",
      "starv*",
    ],
    terms: ["evicted", "starving", "requests", "limits", "resources", "scheduler", "node"],
    ids: ["resource-starvation"],
  },
  {
    phrases: [
      "kubectl cp",
      "hot patch*",
      "hot-patch*",
      "hotpatch*",
      "no effect",
      "take effect",
      "took effect",
      "code change",
      "old code",
      "sys.modules",
      "patched file",
    ],
    terms: ["kubectl", "cp", "patching", "python", "modules", "old", "code"],
    ids: ["python-module-caching"],
  },
];

/** The symptoms whose phrases occur in the query. */
export function matchSymptoms(query: string, symptoms: readonly Symptom[]): Symptom[] {
  const text = normalizeQuery(query);
  return symptoms.filter((s) => s.phrases.some((p) => phrasePattern(p).test(text)));
}

/** Lowercase, typographic apostrophes made plain, whitespace collapsed. */
export function normalizeQuery(query: string): string {
  return query
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

function phrasePattern(phrase: string): RegExp {
  const prefix = phrase.endsWith("*");
  const body = (prefix ? phrase.slice(0, -1) : phrase)
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/ /g, "\\s+");
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}${prefix ? "" : "(?![\\p{L}\\p{N}])"}`, "u");
}
