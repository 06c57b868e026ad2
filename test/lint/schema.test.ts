// The .pitfall.yaml schema: it parses, covers every key the loader knows, and agrees with the loader.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { DEFAULT_EXPECTATIONS, defaultConfig } from "../../src/config/model.js";
import { type Schema, validate } from "./json-schema.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** The parts of a JSON Schema these tests read. */
interface SchemaNode {
  $schema?: string;
  $ref?: string;
  type?: string;
  description?: string;
  default?: unknown;
  properties: Record<string, SchemaNode>;
  $defs: Record<"zone" | "redis" | "expect" | "ignore" | "guard" | "duration", SchemaNode>;
  [keyword: string]: unknown;
}
const schema = JSON.parse(
  readFileSync(join(root, "schema/pitfall-config.schema.json"), "utf8"),
) as SchemaNode;
const exampleFile = join(root, "schema/example.pitfall.yaml");

/** Field names of an interface in src/config/model.ts, read from the source so the test follows the type. */
function interfaceKeys(name: string): string[] {
  const source = readFileSync(join(root, "src/config/model.ts"), "utf8");
  const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1];
  if (!body) throw new Error(`interface ${name} not found`);
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]!);
}

function configErrors(text: string): { schema: string[]; loader?: string } {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-schema-"));
  const file = join(dir, ".pitfall.yaml");
  writeFileSync(file, text);
  let loader: string | undefined;
  try {
    loadConfig(file);
  } catch (e) {
    loader = (e as Error).message;
  }
  return { schema: validate(schema as Schema, parse(text) ?? {}), ...(loader ? { loader } : {}) };
}

describe("pitfall-config.schema.json", () => {
  it("is a draft 2020-12 schema with a description on every setting", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.type).toBe("object");
    for (const [key, value] of Object.entries(schema.properties)) expect(value.description, key).toBeTruthy();
    for (const def of ["zone", "redis", "expect", "ignore"])
      for (const [key, value] of Object.entries(schema.$defs[def as keyof SchemaNode["$defs"]].properties))
        expect(
          value.description ?? schema.$defs[value.$ref?.slice(8) as keyof SchemaNode["$defs"]]?.description,
          `${def}.${key}`,
        ).toBeTruthy();
  });

  it("covers every key of Config, ZoneConfig, RedisConfig, Expectations, IgnoreRule and GuardConfig", () => {
    // `file` is where the config was read from, set by the loader, never written.
    const configKeys = [...new Set([...Object.keys(defaultConfig()), ...interfaceKeys("Config")])].filter(
      (k) => k !== "file",
    );
    expect(Object.keys(schema.properties).sort()).toEqual(configKeys.sort());
    expect(Object.keys(schema.$defs.expect.properties).sort()).toEqual(
      Object.keys(DEFAULT_EXPECTATIONS).sort(),
    );
    expect(Object.keys(schema.$defs.zone.properties).sort()).toEqual(interfaceKeys("ZoneConfig").sort());
    expect(Object.keys(schema.$defs.redis.properties).sort()).toEqual(interfaceKeys("RedisConfig").sort());
    expect(Object.keys(schema.$defs.ignore.properties).sort()).toEqual(interfaceKeys("IgnoreRule").sort());
    expect(Object.keys(schema.$defs.guard.properties).sort()).toEqual(interfaceKeys("GuardConfig").sort());
  });

  it("gives the defaults the code uses", () => {
    for (const [key, value] of Object.entries(DEFAULT_EXPECTATIONS))
      expect(schema.$defs.expect.properties[key]?.default, key).toEqual(value);
  });

  it("accepts the example config, which the loader reads too", () => {
    const text = readFileSync(exampleFile, "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./pitfall-config.schema.json");
    expect(validate(schema as Schema, parse(text))).toEqual([]);
    const config = loadConfig(exampleFile);
    expect(config.zones["1"]?.distribution).toBe("k3s");
    expect(config.ignore).toHaveLength(2);
  });

  it("accepts the example config in the README, which the loader reads too", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block, "a yaml block under ## Configuration").toBeDefined();
    expect(block!).toContain("$schema=./schema/pitfall-config.schema.json");
    expect(validate(schema as Schema, parse(block!))).toEqual([]);
    expect(configErrors(block!).loader).toBeUndefined();
  });

  it.each([
    ["an unknown distribution", "zones:\n  '1': {distribution: eks}\n"],
    ["an unknown expectation", "expect:\n  redisPortt: 6381\n"],
    ["a port given as text", "expect:\n  redisPort: '6381'\n"],
    ["contexts that are not a list", "zones:\n  '1': {contexts: dev}\n"],
    ["ignore that is not a list", "ignore: {path: x}\n"],
    ["a guard alias that is not a command", "guard:\n  aliases:\n    k: [kubectl]\n"],
  ])("rejects %s, as the loader does", (_what, text) => {
    const { schema: errors, loader } = configErrors(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(loader).toBeDefined();
  });

  it("rejects what the loader would silently take wrong: an unknown top-level key, a bad duration", () => {
    expect(validate(schema as Schema, { zone: { "1": {} } })).not.toEqual([]);
    expect(validate(schema as Schema, { expect: { minRefreshInterval: "15 minutes" } })).not.toEqual([]);
    expect(validate(schema as Schema, { expect: { minRefreshInterval: "1h30m" } })).toEqual([]);
  });
});
