// `.pitfall.yaml` as a zod schema: the loader checks a config against it once, and
// schema/pitfall-config.schema.json is generated from it (`pitfall docs`), so editors and the loader agree.
import { z } from "zod";
import type { Config, Expectations, GuardConfig, IgnoreRule, RedisConfig, ZoneConfig } from "./model.js";
import { DEFAULT_EXPECTATIONS } from "./model.js";

/** A Go-style duration, as parseDuration reads it. */
const DURATION = /^([0-9]+(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h|d))+$/;

const duration = z
  .string()
  .regex(DURATION, { error: "must be a duration such as 15m, 24h or 7d" })
  .meta({ id: "duration", description: "A Go-style duration: 90s, 15m, 1h30m, 180d." });

const distribution = z.enum(["k3s", "managed"]).meta({
  id: "distribution",
  description:
    "`k3s` (no registry, containerd imports, ClusterIP quirks) or `managed` (a managed Kubernetes such as UpCloud).",
});

const zone = z
  .strictObject({
    distribution: distribution.optional(),
    contexts: z
      .array(z.string().min(1))
      .describe("Kube contexts that target this zone; `pitfall scan --context` picks the zone from them.")
      .optional(),
  })
  .meta({ id: "zone" });

const redis = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, { error: "must start with redis:// or rediss://" })
      .describe("redis://[:password@]host[:port][/db] or rediss:// for TLS.")
      .optional(),
    host: z
      .string()
      .describe(
        "Host name or address. Lint's redis-port rule judges the addresses of this host (with the url's): without either, redis.ge-system and ge-redis.",
      )
      .optional(),
    port: z.int().min(1).max(65535).describe("Port; the page's Redis listens on 6381.").optional(),
    passwordFile: z
      .string()
      .describe(
        "File holding the password (relative to this file); else REDIS_PASSWORD from the environment. Never put the password itself here.",
      )
      .optional(),
    tls: z.boolean().describe("Connect with TLS.").optional(),
    db: z.int().min(0).describe("Database number.").optional(),
    streams: z.string().describe("SCAN MATCH pattern of the stream keys, e.g. `triggers.*`.").optional(),
    groups: z.array(z.string()).describe("Only these consumer groups.").optional(),
    idle: duration
      .describe("Pending entries and consumers idle longer than this are stuck or dead.")
      .optional(),
    poisonDeliveries: z.int().min(1).describe("Deliveries above this make a message poison.").optional(),
  })
  .meta({ id: "redis" });

const d = DEFAULT_EXPECTATIONS;
const expect = z
  .strictObject({
    redisPort: z
      .int()
      .min(1)
      .max(65535)
      .describe("The port Redis listens on (the page: 6381).")
      .default(d.redisPort),
    requestsThreshold: z
      .number()
      .gt(0)
      .max(1)
      .describe("Fraction of a node's allocatable that total requests may reach (the page: 80%).")
      .default(d.requestsThreshold),
    minRefreshInterval: duration
      .describe("Shortest ExternalSecret refreshInterval the page recommends.")
      .default(d.minRefreshInterval),
    defaultRefreshInterval: duration
      .describe("External Secrets Operator's default refreshInterval.")
      .default(d.defaultRefreshInterval),
    crashLoopEscalateAfter: duration
      .describe("A crash loop older than this is escalated.")
      .default(d.crashLoopEscalateAfter),
    pendingAfter: duration
      .describe(
        "A pod Pending (or still creating its containers) longer than this is failing; scan lists it when no pitfall explains it.",
      )
      .default(d.pendingAfter),
    lastVerifiedMaxAge: duration
      .describe("A page whose LAST_VERIFIED is older than this gets a `kb lint` warning.")
      .default(d.lastVerifiedMaxAge),
  })
  .meta({ id: "expect" });

const ignore = z
  .strictObject({
    path: z
      .string()
      .describe(
        "Glob over manifest paths: `**` crosses folders, `*` stays inside one, `{a,b}` and `[…]` as in a shell; without `/` it matches the file name anywhere. An entry with a path and neither namespace nor pitfalls covers the input errors of those files too.",
      )
      .optional(),
    namespace: z.string().describe("Only objects in this namespace.").optional(),
    pitfalls: z
      .array(z.string())
      .describe(
        'Pitfall or rule ids (`pitfall kb list`); absent or empty means all, and then the entry needs a path or namespace (`["*"]` alone silences everything, on purpose).',
      )
      .optional(),
    reason: z.string().describe("Why; shown with every suppressed finding.").optional(),
  })
  // An entry with no condition would silence everything; `pitfalls: ["*"]` says so on purpose.
  .refine((e) => e.path !== undefined || e.namespace !== undefined || (e.pitfalls?.length ?? 0) > 0, {
    error:
      'an ignore entry needs a condition (path, namespace or pitfalls); without one it would silence every finding (write pitfalls: ["*"] to mean that)',
  })
  .meta({
    id: "ignore",
    anyOf: [{ required: ["path"] }, { required: ["namespace"] }, { required: ["pitfalls"] }],
  });

const guard = z
  .strictObject({
    aliases: z
      .record(z.string(), z.string().min(1))
      .describe("Shell aliases the guard expands before it reads a command, e.g. `k: kubectl`.")
      .meta({ examples: [{ k: "kubectl", rc: "redis-cli -p 6381" }] })
      .optional(),
  })
  .meta({ id: "guard" });

export const CONFIG_SCHEMA = z
  .strictObject({
    zones: z
      .record(z.string(), zone)
      .describe(
        "Zones by name (`1`, `zone-1`, `Zone 1` all mean zone 1): the distribution each runs and the kube contexts that belong to it. Overrides the page header's GE_STACK_VERSION line.",
      )
      .meta({
        examples: [
          {
            "1": { distribution: "k3s", contexts: ["dev"] },
            "2": { distribution: "managed", contexts: ["staging"] },
          },
        ],
      })
      .optional(),
    redis: redis.describe("Where `pitfall streams` and `pitfall scan` find Redis Streams.").optional(),
    expect: expect
      .describe("Values the page's facts depend on; change them when your setup differs.")
      .optional(),
    ignore: z
      .array(ignore)
      .describe(
        "Findings to suppress. An entry applies when every condition it gives holds; each suppression is reported with its reason.",
      )
      .optional(),
    kb: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .describe(
        "Extra pitfalls pages or folders of pages, relative to this file; later pages win on the same pitfall id.",
      )
      .optional(),
    guard: guard.describe("`pitfall guard`: how the team's shells spell commands.").optional(),
  })
  .nullable();

/** What the schema gives for a file, before paths are resolved. */
export type ConfigFile = NonNullable<z.output<typeof CONFIG_SCHEMA>>;

// The schema and the types the rest of the code reads must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agrees: [
  Same<NonNullable<ConfigFile["zones"]>[string], ZoneConfig>,
  Same<NonNullable<ConfigFile["redis"]>, RedisConfig>,
  Same<NonNullable<ConfigFile["expect"]>, Expectations>,
  Same<NonNullable<ConfigFile["ignore"]>[number], IgnoreRule>,
  Same<NonNullable<ConfigFile["guard"]>, GuardConfig>,
  Same<keyof ConfigFile, Exclude<keyof Config, "file" | "locate">>,
] = [true, true, true, true, true, true];
void agrees;

/** The JSON Schema of `.pitfall.yaml`, as written to schema/pitfall-config.schema.json. */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(CONFIG_SCHEMA.unwrap(), {
    io: "input",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  const { $schema, ...rest } = withoutStringKeyNames(generated) as Record<string, unknown>;
  return {
    $schema,
    $id: "pitfall-config.schema.json",
    title: "pitfall configuration (.pitfall.yaml)",
    description:
      "Settings for the pitfall CLI: which zone runs what, where Redis listens, the values the pitfalls page depends on, what to ignore and which extra pages to load. Found upward from the working directory, or given with --config. Generated from src/config/schema.ts by `pitfall docs`; do not edit by hand.",
    ...rest,
  };
}

/** Maps in YAML have string keys anyway; `propertyNames: {type: string}` says nothing and some checkers lack it. */
function withoutStringKeyNames(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutStringKeyNames);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "propertyNames" && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = withoutStringKeyNames(value);
  }
  return out;
}
