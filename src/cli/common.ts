// Flags and plumbing shared by commands.
import { Option } from "commander";
import { parseDuration } from "../k8s/duration.js";
import type { Config } from "../config/model.js";
import { UsageError } from "./errors.js";
import type { Io } from "./io.js";

export type OutputFormat = "text" | "json" | "markdown" | "sarif";

export function outputOption(formats: OutputFormat[] = ["text", "json"]): Option {
  return new Option("-o, --output <format>", "output format").choices(formats).default("text");
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function configOption(): Option {
  return new Option("--config <file>", "config file (default: .pitfall.yaml found upward from here)");
}

/** Config from --config, else `.pitfall.yaml` found upward, else defaults. */
export async function configFor(io: Io, file?: string): Promise<Config> {
  const { findConfig } = await import("../config/find.js");
  const path = file ?? findConfig(io.cwd);
  // No config file: the defaults, without loading the schema (guard --hook runs on every tool call).
  if (!path) return (await import("../config/model.js")).defaultConfig();
  const { loadConfig, ConfigError } = await import("../config/load.js");
  try {
    return loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`config file not found: ${file}`);
    throw e;
  }
}

/** A duration flag (`30s`, `2m`) as milliseconds, read once by commander; 0 only where `zero` allows it. */
export function durationArg(flag: string, example: string, zero = false): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < 0 || (!zero && ms === 0))
      throw new UsageError(`${flag} takes a duration such as ${example}, not '${value}'`);
    return ms;
  };
}

/** `--timeout <duration>`, in milliseconds. */
export function timeoutOption(description: string, fallback: string): Option {
  const parse = durationArg("--timeout", "30s or 2m");
  return new Option("--timeout <duration>", description).argParser(parse).default(parse(fallback), fallback);
}

/** `--chunk-size <n>`: objects per list page, as kubectl's, a whole number read once by commander. */
export function chunkSizeOption(): Option {
  const parse = (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(
        `--chunk-size takes a whole number of objects per page (e.g. 500), not '${value}'`,
      );
    return n;
  };
  return new Option("--chunk-size <n>", "list in pages of this many objects, as kubectl's --chunk-size")
    .argParser(parse)
    .default(500, "500");
}
