// Find and read `.pitfall.yaml`: upward from the working directory, or the file named with --config.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { type Config, DEFAULT_EXPECTATIONS, defaultConfig } from "./model.js";

export const CONFIG_NAMES = [".pitfall.yaml", ".pitfall.yml"];

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Read a config file; a bad value is an error naming the file, line and field. */
export function loadConfig(file: string | undefined): Config {
  const config = defaultConfig();
  if (!file) return config;
  const text = readFileSync(file, "utf8");
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 1;
    throw new ConfigError(`${file}:${line}: ${e.message.split("\n")[0]}`);
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${file}:1: expected a mapping`);
  const where = (field: string) => {
    const node = doc.getIn(field.split("."), true) as { range?: [number, number] } | undefined;
    const offset = node?.range?.[0] ?? 0;
    return `${file}:${text.slice(0, offset).split("\n").length}: ${field}`;
  };
  config.file = file;
  if (raw.zones !== undefined) {
    if (!isMap(raw.zones))
      throw new ConfigError(`${where("zones")} must map zone names to { distribution, contexts }`);
    for (const [zone, z] of Object.entries(raw.zones)) {
      if (!isMap(z)) throw new ConfigError(`${where(`zones.${zone}`)} must be a mapping`);
      const d = z.distribution;
      if (d !== undefined && d !== "k3s" && d !== "managed")
        throw new ConfigError(
          `${where(`zones.${zone}.distribution`)} must be k3s or managed, not ${JSON.stringify(d)}`,
        );
      const contexts = z.contexts;
      if (
        contexts !== undefined &&
        !(Array.isArray(contexts) && contexts.every((c) => typeof c === "string"))
      )
        throw new ConfigError(`${where(`zones.${zone}.contexts`)} must be a list of context names`);
      config.zones[zone] = {
        distribution: d as "k3s" | "managed" | undefined,
        contexts: contexts as string[] | undefined,
      };
    }
  }
  if (raw.redis !== undefined) {
    if (!isMap(raw.redis)) throw new ConfigError(`${where("redis")} must be a mapping`);
    config.redis = raw.redis as Config["redis"];
  }
  if (raw.expect !== undefined) {
    if (!isMap(raw.expect)) throw new ConfigError(`${where("expect")} must be a mapping`);
    for (const [k, v] of Object.entries(raw.expect)) {
      if (!(k in DEFAULT_EXPECTATIONS))
        throw new ConfigError(
          `${where(`expect.${k}`)} is not a known setting (${Object.keys(DEFAULT_EXPECTATIONS).join(", ")})`,
        );
      const want = typeof DEFAULT_EXPECTATIONS[k as keyof typeof DEFAULT_EXPECTATIONS];
      if (typeof v !== want) throw new ConfigError(`${where(`expect.${k}`)} must be a ${want}`);
      (config.expect as unknown as Record<string, unknown>)[k] = v;
    }
  }
  if (raw.ignore !== undefined) {
    if (!Array.isArray(raw.ignore))
      throw new ConfigError(`${where("ignore")} must be a list of { path | namespace, pitfalls, reason }`);
    config.ignore = raw.ignore.filter(isMap) as Config["ignore"];
  }
  if (raw.kb !== undefined) {
    const kb = Array.isArray(raw.kb) ? raw.kb : [raw.kb];
    config.kb = kb.map((p) => resolve(dirname(file), String(p)));
  }
  return config;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
