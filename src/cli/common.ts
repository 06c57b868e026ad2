// Flags and plumbing shared by commands.
import { Option } from "commander";
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
  const { findConfig, loadConfig, ConfigError } = await import("../config/load.js");
  try {
    return loadConfig(file ?? findConfig(io.cwd));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`config file not found: ${file}`);
    throw e;
  }
}
