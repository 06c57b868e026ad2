// GE's Redis listens on 6381; a client configured for another port (often the default 6379) is refused and crash-loops.
import { containerLabel, objectContainersOf } from "../k8s/containers.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import { POD_KINDS } from "../k8s/podspec.js";
import { portSetting } from "./options.js";
import { defineRule, type ReportOf } from "./types.js";

/** The port a Redis URL without one connects to. */
const REDIS_DEFAULT_PORT = 6379;

export interface RedisPortUse {
  /** The port; `REDIS_DEFAULT_PORT` when a URL names none. */
  port: number;
  /** A URL without a port. */
  implicit: boolean;
  /** The text that says it, e.g. `redis://cache:6379/0`. */
  text: string;
}

const URL_RE = /\brediss?:\/\/(?:[^\s@/'"]*@)?(?:\[[^\]\s]+\]|[^\s:/?#'"@]+)(?::(\d+))?/gi;
// A host whose name says redis, then a port (2+ digits so an image tag like `redis:7` is not a port).
const HOST_PORT_RE = /\b[\w.-]*redis[\w.-]*:(\d{2,5})(?=$|[\s/,;'")])/gi;
const FLAG_RE = /--?[\w-]*redis[\w-]*port(?:=|\s+)(\d+)\b/gi;
const ASSIGN_RE = /\b[A-Z0-9_]*REDIS[A-Z0-9_]*PORT=["']?(\d+)\b/gi;
const CLI_RE = /\bredis-(?:cli|server|benchmark)\b[^;&|\n]*?\s(?:-p|--port)\s+(\d+)\b/g;

/** Redis ports a piece of text configures: URLs, `host:port` of a redis host, flags, shell assignments. */
function redisPortsIn(text: string): RedisPortUse[] {
  const out: RedisPortUse[] = [];
  const taken: [number, number][] = [];
  const free = (start: number, end: number) => !taken.some(([a, b]) => start < b && end > a);
  for (const m of text.matchAll(URL_RE)) {
    taken.push([m.index, m.index + m[0].length]);
    const port = m[1] === undefined ? REDIS_DEFAULT_PORT : Number(m[1]);
    out.push({ port, implicit: m[1] === undefined, text: m[0] });
  }
  for (const re of [HOST_PORT_RE, FLAG_RE, ASSIGN_RE, CLI_RE]) {
    for (const m of text.matchAll(re)) {
      if (!free(m.index, m.index + m[0].length) || /sentinel/i.test(m[0])) continue;
      taken.push([m.index, m.index + m[0].length]);
      out.push({ port: Number(m[1]), implicit: false, text: m[0] });
    }
  }
  return out;
}

const MESSAGES = {
  "wrong-port":
    "{{container}} points Redis at port {{port}} ({{where}}: {{text}}), but Redis listens on {{expected}}: the connection is refused and the pod crash-loops",
  "default-port":
    "{{container}} gives a Redis URL without a port ({{where}}: {{text}}), which means {{port}}, but Redis listens on {{expected}}: the connection is refused and the pod crash-loops",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const redisPortRule = defineRule({
  meta: {
    id: "redis-port",
    pitfall: "crashloopbackoff",
    runs: ["manifest"],
    description: "A container configured to reach Redis on another port than the one GE's Redis listens on.",
    looksAt:
      "containers[].env[].value, args, command (URLs, REDIS_*PORT, --redis-port, redis-cli -p, redis host:port)",
    kinds: [...POD_KINDS],
    messages: MESSAGES,
  },
  options: (config) => ({ redisPort: portSetting(config.expect, "redisPort") }),
  check(ctx, o) {
    const expected = ctx.options.redisPort;
    const out: Reported[] = [];
    for (const c of objectContainersOf(o.object)) {
      const report = (use: RedisPortUse, where: string, path: (string | number)[]) =>
        out.push({
          messageId: use.implicit ? "default-port" : "wrong-port",
          data: { container: containerLabel(c), port: use.port, expected, where, text: use.text },
          path,
          ...(c.name ? { container: c.name } : {}),
        });
      asList(c.container.env).forEach((entry, i) => {
        const env = asRecord(entry);
        const name = asString(env?.name) ?? "";
        // `valueFrom` (Secret, ConfigMap) cannot be read from a manifest.
        const value = asString(env?.value);
        if (value === undefined) return;
        const uses = redisPortsIn(value);
        if (!uses.length && /redis/i.test(name) && !/sentinel/i.test(name)) {
          // The name says redis: `REDIS_PORT=6379`, `REDIS_ADDR=cache:6379`.
          const port = /port$/i.test(name)
            ? /^\s*(\d+)\s*$/.exec(value)?.[1]
            : /^[\w.-]+:(\d+)$/.exec(value.trim())?.[1];
          if (port) uses.push({ port: Number(port), implicit: false, text: `${name}=${value}` });
        }
        const wrong = uses.find((u) => u.port !== expected);
        if (wrong) report(wrong, `env ${name || `#${i + 1}`}`, [...c.path, "env", i, "value"]);
      });
      for (const key of ["command", "args"] as const) {
        const list = asList(c.container[key]);
        const words = list.map((w) => (typeof w === "string" ? w : typeof w === "number" ? String(w) : ""));
        const cli = words.some((w) => /(?:^|\/)redis-(?:cli|server|benchmark)$/.test(w));
        words.forEach((word, i) => {
          const uses = redisPortsIn(word);
          // A flag and its value as two items: `--redis-port`, `6379`; `redis-cli`, `-p`, `6379`.
          const next = words[i + 1];
          if (!uses.length && next !== undefined && /^\d+$/.test(next)) {
            const isFlag =
              /^--?[\w-]*redis[\w-]*port$/i.test(word) || (cli && (word === "-p" || word === "--port"));
            if (isFlag) {
              const wrong = Number(next) !== expected;
              if (wrong)
                report({ port: Number(next), implicit: false, text: `${word} ${next}` }, `${key}[${i + 1}]`, [
                  ...c.path,
                  key,
                  i + 1,
                ]);
              return;
            }
          }
          const wrong = uses.find((u) => u.port !== expected);
          if (wrong) report(wrong, `${key}[${i}]`, [...c.path, key, i]);
        });
      }
    }
    return out;
  },
});
