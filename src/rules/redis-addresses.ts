// Where a container says it connects to Redis: URLs, `host:port`, host and port variables, `--redis-host` /
// `--redis-port` flags, `redis-cli -h … -p …`. Each address keeps the text that says it and where it is written.
import type { ContainerAt } from "../k8s/containers.js";
import { asList, type JsonPath } from "../k8s/fields.js";
import type { SourcedObject } from "../model/snapshot.js";
import type { EnvVar } from "./container-env.js";

/** The port a Redis client uses when it is given none. */
export const REDIS_DEFAULT_PORT = 6379;

export interface RedisAddress {
  /** Undefined when only a port is named: which Redis it is cannot be told. */
  host: string | undefined;
  port: number;
  /** The port is the default of a URL or `-h` without one. */
  implicit: boolean;
  /** The text that says it, e.g. `redis://cache:6379/0`. */
  text: string;
  /** `env REDIS_URL`, `args[3]`, `ConfigMap app key REDIS_ADDR (envFrom)`. */
  where: string;
  path: JsonPath;
  from?: SourcedObject;
}

type Found = Pick<RedisAddress, "host" | "port" | "implicit" | "text">;

const URL_RE = /\brediss?:\/\/(?:[^\s@/'"]*@)?(\[[^\]\s]+\]|[^\s:/?#'"@]+)(?::(\d+))?/gi;
// A host, then a port of 2+ digits (so an image tag like `redis:7` is not a port).
const HOST_PORT_RE = /(?<![\w.@/-])([A-Za-z][\w.-]*):(\d{2,5})(?=$|[\s/,;'")])/g;
const CLI_RE = /\bredis-(?:cli|benchmark)\b([^;&|\n]*)/g;
const ASSIGN_RE = /\b([A-Z0-9_]*REDIS[A-Z0-9_]*?)_?(HOST|PORT)=["']?([\w.-]+)/gi;

const saysRedis = (text: string) => /redis/i.test(text) && !/sentinel/i.test(text);

/** Addresses in one piece of text; `redisContext` when the variable's name says the value is about Redis. */
export function addressesInText(text: string, redisContext: boolean): Found[] {
  // Every pattern needs a colon or the word: most values (names, flags, paths) have neither.
  if (!text.includes(":") && !/redis/i.test(text)) return [];
  const out: Found[] = [];
  const taken: [number, number][] = [];
  const free = (start: number, end: number) => !taken.some(([a, b]) => start < b && end > a);
  for (const m of text.matchAll(URL_RE)) {
    taken.push([m.index, m.index + m[0].length]);
    const port = m[2] === undefined ? REDIS_DEFAULT_PORT : Number(m[2]);
    out.push({ host: m[1], port, implicit: m[2] === undefined, text: m[0] });
  }
  for (const m of text.matchAll(CLI_RE)) {
    const rest = m[1] ?? "";
    const host = /\s-h\s+([^\s'"]+)/.exec(rest)?.[1];
    const port = /\s(?:-p|--port)\s+(\d+)\b/.exec(rest)?.[1];
    // Without -h, redis-cli talks to 127.0.0.1: a Redis of the pod's own, not the team's.
    if (!host) continue;
    taken.push([m.index, m.index + m[0].length]);
    out.push({
      host,
      port: port === undefined ? REDIS_DEFAULT_PORT : Number(port),
      implicit: port === undefined,
      text: m[0].trim(),
    });
  }
  for (const m of text.matchAll(HOST_PORT_RE)) {
    if (!free(m.index, m.index + m[0].length)) continue;
    const host = m[1]!;
    if (!(redisContext || saysRedis(host)) || /sentinel/i.test(host)) continue;
    out.push({ host, port: Number(m[2]), implicit: false, text: m[0] });
  }
  // Shell assignments: `REDIS_HOST=ge-redis REDIS_PORT=6379`, paired by their prefix.
  const hosts = new Map<string, string>();
  const ports = new Map<string, { port: string; text: string }>();
  for (const m of text.matchAll(ASSIGN_RE)) {
    if (/sentinel/i.test(m[1]!)) continue;
    const prefix = m[1]!.toUpperCase();
    if (m[2]!.toUpperCase() === "HOST") hosts.set(prefix, m[3]!);
    else ports.set(prefix, { port: m[3]!, text: m[0] });
  }
  for (const [prefix, { port, text: said }] of ports) {
    const host = hosts.get(prefix);
    if (host && /^\d+$/.test(port)) out.push({ host, port: Number(port), implicit: false, text: said });
  }
  return out;
}

/** `REDIS_PORT` → `REDIS_HOST`, `CACHE_REDIS_PORT` → `CACHE_REDIS_HOST`; undefined when the name is no port. */
function hostNamesFor(portName: string): string[] {
  const m = /^(.*?)(_?)PORT$/i.exec(portName);
  if (!m || !saysRedis(portName)) return [];
  const [, prefix = "", sep = ""] = m;
  return ["HOST", "HOSTNAME", "SERVER", "SERVICE_HOST"].map((h) => `${prefix}${sep}${h}`);
}

/** Addresses in the container's variables: values, and host and port variables that go together. */
export function addressesInEnv(vars: EnvVar[]): RedisAddress[] {
  const out: RedisAddress[] = [];
  // Made when a port variable asks: most containers have none.
  let byName: Map<string, EnvVar> | undefined;
  for (const v of vars) {
    if (v.value === undefined) continue;
    const located = { where: v.where, path: v.path, ...(v.from ? { from: v.from } : {}) };
    for (const found of addressesInText(v.value, saysRedis(v.name))) out.push({ ...found, ...located });
    // A port variable beside the host variable it goes with: `REDIS_HOST=ge-redis`, `REDIS_PORT=6379`.
    const port = /^\s*(\d+)\s*$/.exec(v.value)?.[1];
    if (!port) continue;
    byName ??= new Map(vars.map((v) => [v.name.toUpperCase(), v]));
    const host = hostNamesFor(v.name)
      .map((n) => byName?.get(n.toUpperCase()))
      .find((h) => h !== undefined);
    // A host we cannot read (a Secret) or none at all: which Redis the port is for cannot be told.
    if (host?.value === undefined || addressesInText(host.value, true).length) continue;
    out.push({
      host: host.value.trim(),
      port: Number(port),
      implicit: false,
      text: `${host.name}=${host.value}, ${v.name}=${v.value}`,
      ...located,
    });
  }
  return out;
}

/** Addresses in `command` and `args`: shell strings, and flags given as separate items. */
export function addressesInArgs(c: ContainerAt): RedisAddress[] {
  const out: RedisAddress[] = [];
  const words: { word: string; key: "command" | "args"; i: number }[] = [];
  for (const key of ["command", "args"] as const)
    asList(c.container[key]).forEach((w, i) => {
      const word = typeof w === "string" ? w : typeof w === "number" ? String(w) : "";
      words.push({ word, key, i });
    });
  const at = (n: number) => ({
    where: `${words[n]!.key}[${words[n]!.i}]`,
    path: [...c.path, words[n]!.key, words[n]!.i],
  });
  for (const [n, { word }] of words.entries())
    for (const found of addressesInText(word, false)) out.push({ ...found, ...at(n) });
  // `--redis-host ge-redis --redis-port 6379`, `--redis-host=ge-redis`; `redis-cli -h ge-redis -p 6379`.
  const cli = words.some((w) => /(?:^|\/)redis-(?:cli|benchmark)$/.test(w.word));
  let host: string | undefined;
  let port: { value: number; n: number; text: string } | undefined;
  for (const [n, { word }] of words.entries()) {
    const next = words[n + 1]?.word;
    const flag = /^(--?[\w-]*)(?:=(.*))?$/.exec(word);
    if (!flag) continue;
    const name = flag[1]!;
    const value = flag[2] ?? next;
    if (value === undefined) continue;
    const isHost = (saysRedis(name) && /host$/i.test(name)) || (cli && name === "-h");
    const isPort = (saysRedis(name) && /port$/i.test(name)) || (cli && (name === "-p" || name === "--port"));
    if (isHost) host = value;
    else if (isPort && /^\d+$/.test(value))
      port = {
        value: Number(value),
        n: flag[2] === undefined ? n + 1 : n,
        text: flag[2] ? word : `${word} ${value}`,
      };
  }
  if (host && port) out.push({ host, port: port.value, implicit: false, text: port.text, ...at(port.n) });
  return out;
}
