// GE's Redis listens on 6381; a client configured for another port (often the default 6379) is refused and
// crash-loops. Only addresses of the team Redis (redis.host of the config, else its usual Service names) or of a
// Service among the inputs are judged: an app's own Redis on 6379, or a port with no host, is none of the page's
// business.
import { containerLabel } from "../k8s/containers.js";
import { asInteger, asList, asRecord, metaString } from "../k8s/fields.js";
import { templateContainersOf } from "../k8s/pod-template.js";
import type { Evidence } from "../model/finding.js";
import type { SourcedObject } from "../model/snapshot.js";
import { containerEnv } from "./container-env.js";
import { portSetting } from "./options.js";
import { addressesInArgs, addressesInEnv, type RedisAddress } from "./redis-addresses.js";
import { placeOf } from "./place.js";
import { defineRule, type Lookup, type ReportOf } from "./types.js";

/** The team Redis's Service names when the config names no host: `redis` in `ge-system`, and `ge-redis`. */
export const TEAM_REDIS_HOSTS = ["redis.ge-system", "ge-redis"];

const MESSAGES = {
  "wrong-port":
    "{{container}} points Redis at {{host}} port {{port}} ({{where}}: {{text}}), but the team Redis listens on {{expected}}: the connection is refused and the pod crash-loops",
  "default-port":
    "{{container}} gives a Redis address without a port ({{where}}: {{text}}), which means {{port}}, but the team Redis listens on {{expected}}: the connection is refused and the pod crash-loops",
  "service-port":
    "{{container}} points Redis at {{host}} port {{port}} ({{where}}: {{text}}), but Service {{service}} among the inputs listens on {{ports}}: the connection is refused and the pod crash-loops",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

/** `redis.ge-system.svc.cluster.local.` → `redis.ge-system`. */
function normalHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/\.svc(?:\.cluster\.local)?$/, "");
}

/** The Service a host names, from a pod in `namespace`: `name` or `name.namespace`. */
function serviceFor(lookup: Lookup, host: string, namespace: string | undefined): SourcedObject | undefined {
  const labels = normalHost(host).split(".");
  if (labels.length > 2) return undefined;
  const [name, ns = namespace] = labels;
  if (name === undefined) return undefined;
  return lookup.named("Service", name).find((s) => {
    const own = metaString(s.object, "namespace");
    return own === undefined || ns === undefined || own === ns;
  });
}

/** A team host `redis.ge-system` matches `redis.ge-system(.svc…)`, and `redis` from a pod in ge-system. */
function isTeamHost(team: readonly string[], host: string, namespace: string | undefined): boolean {
  const asked = normalHost(host);
  const [name, ns = namespace] = asked.split(".");
  return team.some((t) => {
    const want = normalHost(t);
    const labels = want.split(".");
    if (labels.length === 1) return name === want && asked.split(".").length <= 2;
    if (labels.length === 2) return asked.split(".").length <= 2 && name === labels[0] && ns === labels[1];
    return asked === want;
  });
}

function servicePorts(service: SourcedObject): number[] {
  const spec = asRecord(service.object.spec);
  return asList(spec?.ports)
    .map((p) => asInteger(asRecord(p)?.port))
    .filter((p): p is number => p !== undefined);
}

/** The hosts of `redis.host` and `redis.url` in the config, else the team Redis's usual names. */
function teamHosts(redis: { host?: string; url?: string } | undefined): string[] {
  const hosts: string[] = [];
  if (redis?.host) hosts.push(redis.host);
  if (redis?.url) {
    try {
      const host = new URL(redis.url).hostname.replace(/^\[|\]$/g, "");
      if (host) hosts.push(host);
    } catch {
      // The config loader checks the URL; an unusable one names no host.
    }
  }
  return hosts.length ? hosts : [...TEAM_REDIS_HOSTS];
}

/** ` (file:line)` after a name, or nothing when the object has no place. */
/** `ConfigMap ge-agents/redis-env`. */
function objectText(o: SourcedObject): string {
  const ns = metaString(o.object, "namespace");
  return `${String(o.object.kind ?? "")} ${ns ? `${ns}/` : ""}${metaString(o.object, "name") ?? ""}`;
}

function placeText(o: SourcedObject): string {
  const place = placeOf(o);
  return place ? ` (${place})` : "";
}

export const redisPortRule = defineRule({
  meta: {
    id: "redis-port",
    pitfall: "crashloopbackoff",
    runs: ["manifest"],
    description:
      "A container configured to reach the team Redis on another port than the one it listens on, or a Service among the inputs on a port that Service does not serve. Addresses of other hosts, and ports without a host, are not judged.",
    looksAt:
      "containers[].env (values, configMapKeyRef) and envFrom (ConfigMaps among the inputs), args, command: Redis URLs, host:port, REDIS_*HOST with REDIS_*PORT, --redis-host with --redis-port, redis-cli -h -p; redis.host / redis.url of the config (default redis.ge-system, ge-redis); Services among the inputs",
    reads: ["ConfigMap", "Secret", "Service"],
    messages: MESSAGES,
  },
  options: (config) => ({
    redisPort: portSetting(config.expect, "redisPort"),
    team: teamHosts(config.redis),
  }),
  check(ctx, o) {
    const { redisPort: expected, team } = ctx.options;
    const namespace = metaString(o.object, "namespace");
    const out: Reported[] = [];
    const seen = new Set<string>();
    for (const c of templateContainersOf(o.object)) {
      const addresses: RedisAddress[] = [
        ...addressesInEnv(containerEnv(ctx.lookup, namespace, c)),
        ...addressesInArgs(c),
      ];
      for (const a of addresses) {
        if (a.host === undefined) continue;
        const key = `${a.path.join("/")}\u0000${a.host}\u0000${a.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const base = {
          container: containerLabel(c),
          host: a.host,
          port: a.port,
          where: a.where,
          text: a.text,
        };
        // On a cluster or a dump (latent risks) the objects are named, not the files a dump keeps them in.
        const manifests = ctx.target.kind === "manifests";
        const evidence: Evidence[] | undefined = a.from
          ? [
              {
                kind: "field",
                text: `${a.where}: ${a.text}`,
                source: (manifests ? placeOf(a.from) : objectText(a.from)) ?? "",
              },
            ]
          : undefined;
        const details = {
          path: a.path,
          ...(c.name ? { container: c.name } : {}),
          ...(evidence ? { evidence } : {}),
        };
        const service = serviceFor(ctx.lookup, a.host, namespace);
        if (service) {
          const ports = servicePorts(service);
          if (!ports.length || ports.includes(a.port)) continue;
          out.push({
            messageId: "service-port",
            data: {
              ...base,
              service: `${metaString(service.object, "name")}${manifests ? placeText(service) : ""}`,
              ports: ports.join(", "),
            },
            ...details,
          });
          continue;
        }
        if (!isTeamHost(team, a.host, namespace) || a.port === expected) continue;
        out.push({
          messageId: a.implicit ? "default-port" : "wrong-port",
          data: { ...base, expected },
          ...details,
        });
      }
    }
    return out;
  },
});
