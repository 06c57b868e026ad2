// Reading the Dockerfile and the deploy manifests, and running a container's command against this checkout.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { spawnCollect } from "../support/cli.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const DEPLOY = join(REPO, "deploy");
/** Where the image puts the package (WORKDIR and the COPY targets). */
export const APP = "/app";

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions per stage, continuation lines joined, comments dropped, `${ARG}` in FROM resolved from defaults. */
export function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      line = line.slice(0, -1) + (/^\s*#/.test(next) ? "" : ` ${next.trim()}`);
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (keyword === "ARG" && stages.length === 0) {
      const [k, v] = rest.split("=");
      if (k && v !== undefined) args.set(k, v);
      continue;
    }
    if (keyword === "FROM") {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest)!;
      const from = f[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? "");
      stages.push({ from, ...(f[2] ? { name: f[2] } : {}), instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push({ keyword, args: rest, line: start });
  }
  return stages;
}

/** The last value of an instruction in a stage, e.g. WORKDIR. */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** ENV `K=V K2=V2` (and the old `K V` form), later ones winning. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === "ENV")) {
    if (!i.args.includes("=")) {
      const [k, ...v] = i.args.split(/\s+/);
      env[k!] = v.join(" ");
      continue;
    }
    for (const m of i.args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]!] = m[3] ?? m[2]!;
  }
  return env;
}

/** ENTRYPOINT or CMD in exec form (a JSON array); the shell form is refused, since signals would not reach node. */
export function execForm(i: Instruction | undefined): string[] | undefined {
  if (!i) return undefined;
  const value: unknown = JSON.parse(i.args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new Error(`line ${i.line}: not exec form`);
  return value as string[];
}

/** A container's argv as it would run in the image, pointed at this checkout: `node` is this node, /app is the repo. */
export function localArgv(argv: readonly string[]): string[] {
  return argv.map((a, i) =>
    i === 0 && /(^|\/)node$/.test(a) ? process.execPath : a.replaceAll(`${APP}/`, `${REPO}/`),
  );
}

export function localPath(path: string): string {
  return path === APP ? REPO : path.replace(new RegExp(`^${APP}/`), `${REPO}/`);
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs a command with only the given environment (plus PATH, so `node` inside `sh -c` is this node). */
export function runCommand(
  argv: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<RunResult> {
  const [cmd, ...rest] = argv;
  return spawnCollect(cmd!, rest, {
    cwd: opts.cwd,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, NO_COLOR: "1", ...opts.env },
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
}

/** Whether the built CLI has a command yet (other parts of pitfall may still be in the making). */
export function cliHas(command: string): boolean {
  const r = spawnSync(process.execPath, [join(REPO, "bin/pitfall.js"), command, "--help"], {
    encoding: "utf8",
  });
  // An unknown command prints the top-level help with exit 0, so the usage line is what tells.
  return r.status === 0 && r.stdout.includes(`Usage: pitfall ${command}`);
}

export const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/** `kubectl kustomize <dir>`: the rendered YAML, or throws with kubectl's message. */
export function kustomize(dir: string): string {
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr}`);
  return r.stdout;
}

export type Doc = Record<string, unknown>;

/** Every YAML document of a text; throws on the first parse error. */
export function yamlDocs(text: string, where: string): Doc[] {
  return parseAllDocuments(text).flatMap((d, i) => {
    if (d.errors.length) throw new Error(`${where}: document ${i + 1}: ${d.errors[0]!.message}`);
    const v: unknown = d.toJS();
    return v && typeof v === "object" && !Array.isArray(v) ? [v as Doc] : [];
  });
}

/** Files under deploy/ with the given extensions, sorted. */
export function deployFiles(exts: string[], dir = DEPLOY): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...deployFiles(exts, p));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

export function readDocs(file: string): Doc[] {
  return yamlDocs(readFileSync(file, "utf8"), file);
}

/** The pod specs of an object: Pod, workload templates, CronJob job templates. */
export function podSpecsOf(doc: Doc): Doc[] {
  const spec = doc.spec as Doc | undefined;
  if (!spec) return [];
  if (doc.kind === "Pod") return [spec];
  const jobTemplate = spec.jobTemplate as { spec?: { template?: { spec?: Doc } } } | undefined;
  if (jobTemplate?.spec?.template?.spec) return [jobTemplate.spec.template.spec];
  const template = spec.template as { spec?: Doc } | undefined;
  return template?.spec ? [template.spec] : [];
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Doc;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** Containers and init containers of a pod spec. */
export function containersOf(spec: Doc): Container[] {
  return [...((spec.initContainers as Container[]) ?? []), ...((spec.containers as Container[]) ?? [])];
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** What an API request asks RBAC for; undefined for discovery and other non-resource paths. */
export function rbacRequest(
  method: string,
  path: string,
  query: Record<string, string>,
): { group: string; resource: string; verb: string } | undefined {
  const seg = path.split("?")[0]!.split("/").filter(Boolean);
  const core = seg[0] === "api";
  if (!(core ? seg.length > 2 : seg[0] === "apis" && seg.length > 3)) return undefined;
  const group = core ? "" : seg[1]!;
  let rest = seg.slice(core ? 2 : 3);
  let watch = query.watch === "true" || query.watch === "1";
  if (rest[0] === "watch") {
    watch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length >= 3) rest = rest.slice(2);
  const [plural, name, sub] = rest;
  const resource = sub ? `${plural}/${sub}` : plural!;
  const verbs: Record<string, string> = { POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };
  const verb = verbs[method] ?? (name ? "get" : watch ? "watch" : "list");
  return { group, resource, verb };
}

export function allowedBy(
  rules: readonly PolicyRule[],
  group: string,
  resource: string,
  verb: string,
): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === group || g === "*") &&
      (r.resources ?? []).some((x) => x === resource || x === "*") &&
      (r.verbs ?? []).some((v) => v === verb || v === "*"),
  );
}
