// Find and read `.pitfall.yaml`: upward from the working directory, or the file named with --config. The file is
// checked once against the schema (config/schema.ts); every problem names the file, line and setting, and a
// misspelt key or pitfall id gets a did-you-mean.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Document, isMap, isPair, isScalar, parseDocument } from "yaml";
import type { z } from "zod";
import { closeNames } from "../model/close-names.js";
import { type Config, DEFAULT_EXPECTATIONS, defaultConfig } from "./model.js";
import { CONFIG_SCHEMA, type ConfigFile } from "./schema.js";

export { findConfig } from "./find.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Path = readonly (string | number)[];

/** Line numbers of a YAML document's nodes; a key's line for an unknown key. */
function locator(doc: Document.Parsed, text: string) {
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length;
  const nodeAt = (path: Path) => (path.length ? doc.getIn(path, true) : doc.contents) as unknown;
  return {
    line(path: Path): number | undefined {
      for (let n = path.length; n >= 0; n--) {
        const node = nodeAt(path.slice(0, n)) as { range?: [number, number] } | undefined;
        if (node?.range) return lineAt(node.range[0]);
      }
      return undefined;
    },
    keyLine(path: Path, key: string): number | undefined {
      const map = nodeAt(path);
      if (!isMap(map)) return undefined;
      for (const item of map.items)
        if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range)
          return lineAt(item.key.range[0]);
      return undefined;
    },
  };
}

/** `zones.1.contexts`, `ignore[0].pitfalls`. */
function settingName(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "nothing";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return `${typeof value === "number" ? "the number" : `the ${typeof value}`} ${String(value)}`;
}

const WANTS: Record<string, string> = {
  array: "a list (write [a, b], or one item per line starting with -)",
  object: "a mapping (key: value lines)",
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

/** The keys the schema allows at `path`, for a did-you-mean. */
function keysAt(path: Path): string[] {
  interface Def {
    type: string;
    shape?: Record<string, unknown>;
    innerType?: unknown;
    valueType?: unknown;
    element?: unknown;
    options?: unknown[];
  }
  const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;
  let node: unknown = CONFIG_SCHEMA;
  const unwrap = () => {
    for (
      let def = defOf(node);
      ["optional", "nullable", "default", "prefault"].includes(def.type);
      def = defOf(node)
    )
      node = def.innerType;
  };
  unwrap();
  for (const step of path) {
    const def = defOf(node);
    if (def.type === "object" && typeof step === "string") node = def.shape?.[step];
    else if (def.type === "record") node = def.valueType;
    else if (def.type === "array") node = def.element;
    else return [];
    if (!node) return [];
    unwrap();
  }
  const def = defOf(node);
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

function didYouMean(
  asked: string,
  known: readonly string[],
  otherwise = ` (known: ${known.join(", ")})`,
): string {
  const near = closeNames(asked, [...known], 1)[0];
  return near ? ` (did you mean ${near}?)` : known.length ? otherwise : "";
}

/** Each schema problem as one line: `file:line: setting: what is wrong`. */
function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  file: string,
  where: ReturnType<typeof locator>,
): string[] {
  const valueAt = (path: Path) =>
    path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], raw);
  const out: string[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const at = (line: number | undefined, name: string, what: string) =>
      out.push(`${file}:${line ?? 1}: ${name ? `${name}: ` : ""}${what}`);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        at(
          where.keyLine(path, key) ?? where.line(path),
          settingName([...path, key]),
          `not a setting${didYouMean(key, keysAt(path))}`,
        );
      continue;
    }
    const value = valueAt(path);
    const name = settingName(path);
    const line = where.line(path);
    if (issue.code === "invalid_type")
      at(line, name, `must be ${WANTS[issue.expected] ?? issue.expected}, not ${typeName(value)}`);
    else if (issue.code === "invalid_value")
      at(line, name, `must be one of ${issue.values.join(", ")}, not ${typeName(value)}`);
    else if (issue.code === "invalid_union")
      at(line, name, `must be text or a list of texts, not ${typeName(value)}`);
    else if (issue.code === "too_small")
      at(
        line,
        name,
        `must be ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}, not ${typeName(value)}`,
      );
    else if (issue.code === "too_big")
      at(
        line,
        name,
        `must be ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}, not ${typeName(value)}`,
      );
    else if (issue.code === "custom") at(line, name, issue.message);
    else at(line, name, `${issue.message}, not ${typeName(value)}`);
  }
  return out;
}

/** Read a config file; a bad value is an error naming the file, line and setting. */
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
  const raw: unknown = doc.toJS();
  const where = locator(doc, text);
  const parsed = CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error.issues, raw, file, where);
    throw new ConfigError(problems.join("\n"));
  }
  const given: ConfigFile = parsed.data ?? {};
  config.file = file;
  config.locate = (path) => where.line(path);
  if (given.zones) config.zones = given.zones;
  if (given.redis) config.redis = given.redis;
  config.expect = { ...DEFAULT_EXPECTATIONS, ...given.expect };
  if (given.ignore) config.ignore = given.ignore;
  if (given.guard) config.guard = given.guard;
  if (given.kb !== undefined) {
    const kb = Array.isArray(given.kb) ? given.kb : [given.kb];
    config.kb = kb.map((p) => resolve(dirname(file), p));
  }
  return config;
}

/**
 * Ignore entries must name pitfalls (or rules) that exist: a typo would silence nothing, quietly. Checked once the
 * pages are loaded; `known` holds the pitfall and rule ids.
 */
export function checkIgnoredIds(config: Config, known: ReadonlySet<string>): void {
  const problems: string[] = [];
  config.ignore.forEach((entry, i) => {
    (entry.pitfalls ?? []).forEach((id, j) => {
      if (id === "*" || known.has(id)) return;
      const path = ["ignore", i, "pitfalls", j] as const;
      problems.push(
        `${config.file ?? "<config>"}:${config.locate?.(path) ?? 1}: ${settingName(path)}: no pitfall or rule has the id ${JSON.stringify(id)}${didYouMean(id, [...known], "; `pitfall kb list` shows the ids")}`,
      );
    });
  });
  if (problems.length) throw new ConfigError(problems.join("\n"));
}
