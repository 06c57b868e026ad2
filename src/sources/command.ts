// A command an agent is about to run, as the `command` a GUARD line reads: program, verb, arguments, flags, the
// object it touches, the files it sends, and what a patch or `set resources` would change in a pod spec.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { asList, asRecord, asString } from "../k8s/fields.js";
import {
  flagValue,
  flagValues,
  type KubectlArgs,
  kindOfResource,
  parseKubectl,
  podPathOf,
  resourcesOf,
} from "../k8s/kubectl.js";
import { podSpecPathOf } from "../k8s/podspec.js";
import { basename, type SimpleCommand, splitCommandLine } from "./shell.js";

export interface CommandValue {
  /** The command as the guard understood it, secrets masked: `kubectl cp fix.py pod:/app -n ge-agents`. */
  text: string;
  program: string;
  verb: string;
  subcommand: string;
  args: string[];
  /** Flags by long name without dashes (`namespace`, `container`; redis-cli: `h`, `p`); the last value given. */
  flags: Record<string, string>;
  kind: string;
  name: string;
  /** `deployment/ge-executor` (kind in lower case), "" when the command names no object. */
  resource: string;
  namespace: string;
  context: string;
  container: string;
  allNamespaces: boolean;
  /** Local files the command sends: `kubectl cp` sources (folders listed), `apply -f` files. */
  files: string[];
  /** `apply -k` folders. */
  kustomize: string[];
  /** The change a patch makes, as an object (a JSON patch's operations applied to `{}`). */
  patch: Record<string, unknown>;
  patchType: string;
  /** The pod spec the command writes: of the patch, of `run --overrides`; `{}` when none. */
  podSpec: Record<string, unknown>;
  /** Containers the command sets: from the patch, `set resources`, `set image`, `run`. */
  containers: Record<string, unknown>[];
  /** Resource limits and requests the command sets (`memory: 2Gi`), from flags or the patch. */
  limits: Record<string, string>;
  requests: Record<string, string>;
  /** `FOO=1` before the program. */
  env: Record<string, string>;
  /** How it is run when not directly: `sh -c`, `sudo`, `kubectl exec`. */
  via: string[];
  /** redis-cli: the stream key and group of XACK, XDEL, XCLAIM, …; the ids it names. */
  stream: string;
  group: string;
  ids: string[];
  host: string;
  port: string;
}

/** What could not be read while parsing (a patch that is not JSON, a file that is not there). */
export interface CommandNote {
  command: string;
  message: string;
}

export interface ParsedCommands {
  commands: CommandValue[];
  notes: CommandNote[];
}

export interface ParseCommandOptions {
  aliases?: Record<string, string>;
  /** Where relative paths of the command resolve (the agent's working directory). */
  cwd: string;
  /** Read local files (`--patch-file`, `kubectl cp` folders); off where paths must not be probed. */
  readFiles?: boolean;
}

/** Every simple command of a line, parsed; `kubectl exec … -- cmd` yields the inner command too. */
export async function parseCommandLine(line: string, opts: ParseCommandOptions): Promise<ParsedCommands> {
  const out: ParsedCommands = { commands: [], notes: [] };
  for (const simple of splitCommandLine(line, opts.aliases ? { aliases: opts.aliases } : {}))
    await addCommand(simple, opts, out, 0);
  return out;
}

/** JSON, else YAML (kubectl takes both for patches); the YAML parser loads only when it is needed. */
async function parseStructured(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const { parse } = await import("yaml");
    return parse(text);
  }
}

async function addCommand(
  simple: SimpleCommand,
  opts: ParseCommandOptions,
  out: ParsedCommands,
  depth: number,
): Promise<void> {
  const program = basename(simple.argv[0] ?? "");
  const base = blank(simple, program);
  if (program === "kubectl" || program === "oc") {
    const k = parseKubectl(simple.argv.slice(1));
    await fillKubectl(base, k, opts, out.notes);
    out.commands.push(base);
    // `kubectl exec pod -- redis-cli XACK …` runs that command in the pod.
    if (k.tail?.length && depth < 4 && (k.verb === "exec" || k.verb === "debug" || k.verb === "run")) {
      const via = [...simple.via, `kubectl ${k.verb}${base.name ? ` ${base.name}` : ""}`];
      const inner = splitCommandLine(shellQuoteArgv(k.tail), opts.aliases ? { aliases: opts.aliases } : {});
      for (const s of inner) await addCommand({ ...s, via: [...via, ...s.via] }, opts, out, depth + 1);
    }
    return;
  }
  if (program === "redis-cli") fillRedisCli(base, simple.argv.slice(1));
  else fillGeneric(base, simple.argv.slice(1));
  out.commands.push(base);
}

function shellQuoteArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function blank(simple: SimpleCommand, program: string): CommandValue {
  return {
    text: maskedText(simple.argv),
    program,
    verb: "",
    subcommand: "",
    args: [],
    flags: {},
    kind: "",
    name: "",
    resource: "",
    namespace: "",
    context: "",
    container: "",
    allNamespaces: false,
    files: [],
    kustomize: [],
    patch: {},
    patchType: "",
    podSpec: {},
    containers: [],
    limits: {},
    requests: {},
    env: simple.env,
    via: simple.via,
    stream: "",
    group: "",
    ids: [],
    host: "",
    port: "",
  };
}

/** Flags whose value is a password: shown as `***` unless it is a variable (`$REDIS_PASSWORD`). */
const SECRET_FLAGS = new Set(["-a", "--pass", "--password", "--token"]);

/** The argv as one line for messages, literal passwords and URL credentials masked. */
function maskedText(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    if (
      a.startsWith("--") &&
      eq > 0 &&
      SECRET_FLAGS.has(a.slice(0, eq)) &&
      !a.slice(eq + 1).startsWith("$")
    ) {
      out.push(`${a.slice(0, eq)}=***`);
      continue;
    }
    out.push(/^[\w@%+=:,./$-]+$/.test(a) ? a.replace(/(\/\/[^/:@\s]*:)[^@\s/]+@/g, "$1***@") : `'${a}'`);
    if (SECRET_FLAGS.has(a) && i + 1 < argv.length) {
      const v = argv[++i]!;
      out.push(v.startsWith("$") ? v : "***");
    }
  }
  return out.join(" ");
}

async function fillKubectl(
  c: CommandValue,
  k: KubectlArgs,
  opts: ParseCommandOptions,
  notes: CommandNote[],
): Promise<void> {
  c.verb = k.verb;
  c.subcommand = k.subcommand;
  c.args = k.args;
  for (const [name, values] of k.flags) c.flags[name] = values.at(-1)!;
  if (c.flags.token) c.flags.token = "***";
  c.namespace = flagValue(k, "namespace") ?? "";
  c.context = flagValue(k, "context") ?? "";
  c.container = flagValue(k, "container") ?? "";
  c.allNamespaces = flagValue(k, "all-namespaces") === "true";
  const target = c.verb === "cp" ? cpTarget(k, c, opts) : resourcesOf(c.verb, k.args)[0];
  if (target) {
    c.kind = target.kind ?? kindOfResource(target.resource) ?? "";
    c.name = target.name;
    c.resource = target.name ? `${(c.kind || target.resource).toLowerCase()}/${target.name}` : "";
  }
  if (
    c.verb === "apply" ||
    c.verb === "create" ||
    c.verb === "replace" ||
    c.verb === "delete" ||
    c.verb === "diff"
  )
    c.files.push(...flagValues(k, "filename").filter((f) => f !== "-" && !/^https?:\/\//.test(f)));
  c.kustomize = flagValues(k, "kustomize");
  if (c.verb === "patch") await readPatch(c, k, opts, notes);
  if (c.verb === "set") setChanges(c, k);
  if (c.verb === "run") await runChanges(c, k, notes);
  limitsOfContainers(c);
}

/** The pod side of `kubectl cp` (with its namespace), and the local files copied into it. */
function cpTarget(k: KubectlArgs, c: CommandValue, opts: ParseCommandOptions) {
  const [from, to] = k.args;
  const intoPod = to !== undefined ? podPathOf(to) : undefined;
  const outOfPod = from !== undefined ? podPathOf(from) : undefined;
  const pod = intoPod ?? outOfPod;
  if (pod?.namespace && !c.namespace) c.namespace = pod.namespace;
  if (intoPod && from !== undefined && !podPathOf(from)) c.files.push(...localFiles(from, opts));
  return pod ? { resource: "pod", kind: "Pod", name: pod.pod } : undefined;
}

/** A path, or the files under it when it is a folder (at most 200, the guard only needs their names). */
function localFiles(path: string, opts: ParseCommandOptions): string[] {
  if (!opts.readFiles) return [path];
  const abs = isAbsolute(path) ? path : resolve(opts.cwd, path);
  const out: string[] = [];
  const walk = (dir: string, shown: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= 200) return;
      const full = join(dir, e);
      const rel = `${shown.replace(/\/$/, "")}/${e}`;
      try {
        if (statSync(full).isDirectory()) walk(full, rel);
        else out.push(rel);
      } catch {
        // A file that vanished or cannot be read is simply not listed.
      }
    }
  };
  try {
    if (statSync(abs).isDirectory()) walk(abs, path);
    else out.push(path);
  } catch {
    out.push(path);
  }
  return out.length ? out : [path];
}

/** `-p '{…}'` (JSON or YAML), `--patch-file`, `--type json|merge|strategic`. */
async function readPatch(
  c: CommandValue,
  k: KubectlArgs,
  opts: ParseCommandOptions,
  notes: CommandNote[],
): Promise<void> {
  c.patchType = flagValue(k, "type") ?? "strategic";
  let text = flagValue(k, "patch");
  const file = flagValue(k, "patch-file");
  if (text === undefined && file !== undefined) {
    if (!opts.readFiles) {
      notes.push({ command: c.text, message: `the patch file ${file} was not read here` });
      return;
    }
    try {
      text = readFileSync(isAbsolute(file) ? file : resolve(opts.cwd, file), "utf8");
    } catch (e) {
      notes.push({
        command: c.text,
        message: `the patch file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      });
      return;
    }
  }
  if (text === undefined) return;
  let value: unknown;
  try {
    value = await parseStructured(text);
  } catch {
    notes.push({
      command: c.text,
      message: "the patch is neither JSON nor YAML, so what it changes cannot be checked",
    });
    return;
  }
  c.patch = Array.isArray(value) ? applyJsonPatch(value) : (asRecord(value) ?? {});
  c.podSpec = podSpecOfPatch(c.kind, c.patch);
  c.containers = containersOfSpec(c.podSpec);
}

/** A JSON patch's add/replace operations written into an empty object: what the patch sets, by path. */
export function applyJsonPatch(ops: unknown[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const op of ops) {
    const o = asRecord(op);
    const kind = asString(o?.op);
    const path = asString(o?.path);
    if (!o || !path || (kind !== "add" && kind !== "replace")) continue;
    const keys = path
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let cur: Record<string, unknown> | unknown[] = root;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const nextIsIndex = !last && /^(\d+|-)$/.test(keys[i + 1]!);
      const index = Array.isArray(cur) ? (key === "-" ? cur.length : Number(key)) : undefined;
      const holder = cur as Record<string, unknown>;
      const slot = index !== undefined ? String(index) : key;
      if (last) {
        holder[slot] = o.value;
        return;
      }
      const existing = holder[slot];
      const fresh = nextIsIndex ? (Array.isArray(existing) ? existing : []) : (asRecord(existing) ?? {});
      holder[slot] = fresh;
      cur = fresh as Record<string, unknown> | unknown[];
    });
  }
  return fillHoles(root) as Record<string, unknown>;
}

/** Sparse arrays from `/containers/1/…` get `{}` in the holes, so every element is an object. */
function fillHoles(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, (v) => (v === undefined ? {} : fillHoles(v)));
  const rec = asRecord(value);
  if (!rec) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = fillHoles(v);
  return out;
}

/** Where the pod spec sits in a patch for the object's kind; any template for kinds kubectl did not name. */
function podSpecOfPatch(kind: string, patch: Record<string, unknown>): Record<string, unknown> {
  const paths = [
    podSpecPathOf(kind),
    ["spec", "template", "spec"],
    ["spec", "jobTemplate", "spec", "template", "spec"],
    ["template", "spec"],
  ];
  for (const path of paths) {
    if (!path) continue;
    let cur: unknown = patch;
    for (const key of path) cur = asRecord(cur)?.[key as string];
    const spec = asRecord(cur);
    if (spec) return spec;
  }
  return {};
}

function containersOfSpec(spec: Record<string, unknown>): Record<string, unknown>[] {
  return [...asList(spec.initContainers), ...asList(spec.containers)]
    .map((c) => asRecord(c))
    .filter((c): c is Record<string, unknown> => c !== undefined);
}

/** `set resources --limits=memory=2Gi -c app`, `set image deploy/x app=img:1`. */
function setChanges(c: CommandValue, k: KubectlArgs): void {
  if (c.subcommand === "resources") {
    const limits = quantities(flagValue(k, "limits"));
    const requests = quantities(flagValue(k, "requests"));
    const resources: Record<string, unknown> = {};
    if (Object.keys(limits).length) resources.limits = limits;
    if (Object.keys(requests).length) resources.requests = requests;
    c.containers.push({ name: c.container || "*", resources });
  }
  if (c.subcommand === "image")
    for (const a of k.args) {
      const eq = a.indexOf("=");
      if (eq > 0) c.containers.push({ name: a.slice(0, eq), image: a.slice(eq + 1) });
    }
}

/** `cpu=200m,memory=512Mi`. */
function quantities(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** `run x --image=… --image-pull-policy=… --overrides='{…}'`. */
async function runChanges(c: CommandValue, k: KubectlArgs, notes: CommandNote[]): Promise<void> {
  c.kind = "Pod";
  c.name = k.args[0] ?? "";
  c.resource = c.name ? `pod/${c.name}` : "";
  const container: Record<string, unknown> = { name: c.name };
  const image = flagValue(k, "image");
  const policy = flagValue(k, "image-pull-policy");
  if (image) container.image = image;
  if (policy) container.imagePullPolicy = policy;
  const overrides = flagValue(k, "overrides");
  let spec: Record<string, unknown> = {};
  if (overrides !== undefined) {
    try {
      c.patch = asRecord(await parseStructured(overrides)) ?? {};
      spec = asRecord(c.patch.spec) ?? {};
    } catch {
      notes.push({ command: c.text, message: "--overrides is not JSON, so what it sets cannot be checked" });
    }
  }
  c.podSpec = spec;
  c.containers = [container, ...containersOfSpec(spec)];
}

/** `limits`/`requests` of every container the command sets, merged (the last one wins on a resource). */
function limitsOfContainers(c: CommandValue): void {
  for (const container of c.containers) {
    const resources = asRecord(container.resources);
    for (const [key, target] of [
      ["limits", c.limits],
      ["requests", c.requests],
    ] as const)
      for (const [name, value] of Object.entries(asRecord(resources?.[key]) ?? {}))
        target[name] = typeof value === "string" ? value : String(value);
  }
}

/** redis-cli flags that take a value; `-a`, `--pass` and `--user` are credentials and never kept. */
const REDIS_VALUE_FLAGS = new Set([
  "-h",
  "-p",
  "-s",
  "-a",
  "-u",
  "-n",
  "-r",
  "-i",
  "-d",
  "-D",
  "-e",
  "--user",
  "--pass",
  "--askpass",
  "--cacert",
  "--cacertdir",
  "--cert",
  "--key",
  "--sni",
  "--tls-ciphers",
  "--tls-ciphersuites",
  "--eval",
  "--pattern",
  "--count",
  "--quoted-pattern",
  "--memkeys-samples",
  "--functions-rdb",
  "--rdb",
  "--pipe-timeout",
  "--resp2",
  "--resp3",
]);
const REDIS_BOOLEAN = new Set(["--askpass", "--resp2", "--resp3"]);
const SECRETS = new Set(["-a", "--pass", "--user", "-u"]);
/** Stream commands: where the key and the group are. */
const STREAM_COMMANDS: Record<string, { group: boolean; idsFrom: number }> = {
  XACK: { group: true, idsFrom: 2 },
  XDEL: { group: false, idsFrom: 1 },
  XCLAIM: { group: true, idsFrom: 5 },
  XAUTOCLAIM: { group: true, idsFrom: -1 },
  XPENDING: { group: true, idsFrom: -1 },
  XREADGROUP: { group: false, idsFrom: -1 },
  XTRIM: { group: false, idsFrom: -1 },
};

function fillRedisCli(c: CommandValue, args: string[]): void {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") break;
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    let value = "true";
    if (eq > 0) value = a.slice(eq + 1);
    else if (REDIS_VALUE_FLAGS.has(name) && !REDIS_BOOLEAN.has(name) && i + 1 < args.length)
      value = args[++i]!;
    const key = name.replace(/^-+/, "");
    c.flags[key] = SECRETS.has(name) ? "***" : value;
    if (name === "-h") c.host = value;
    if (name === "-p") c.port = value;
    if (name === "-u") {
      // redis://user:pass@host:port/db: the host and port only.
      const m = /^rediss?:\/\/(?:[^@/]*@)?([^:/]+)(?::(\d+))?/.exec(value);
      if (m) {
        c.host = m[1]!;
        if (m[2]) c.port = m[2];
      }
    }
  }
  const [verb = "", ...rest] = args.slice(i);
  c.verb = verb.toUpperCase();
  c.args = rest;
  const stream = STREAM_COMMANDS[c.verb];
  if (stream && rest.length) {
    c.stream = rest[0]!;
    if (stream.group) c.group = rest[1] ?? "";
    if (stream.idsFrom > 0) c.ids = rest.slice(stream.idsFrom);
  }
  if (c.verb === "XREADGROUP") c.group = rest[rest.findIndex((r) => r.toUpperCase() === "GROUP") + 1] ?? "";
}

/** Any other program: the first word that is not a flag is its verb. */
function fillGeneric(c: CommandValue, args: string[]): void {
  const positional: string[] = [];
  for (const a of args) {
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      c.flags[eq < 0 ? a.slice(2) : a.slice(2, eq)] = eq < 0 ? "true" : a.slice(eq + 1);
    } else if (a.startsWith("-") && a.length > 1) c.flags[a.slice(1)] = "true";
    else positional.push(a);
  }
  c.verb = positional.shift() ?? "";
  c.args = positional;
}
