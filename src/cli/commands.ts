// The explicit list of commands. Each module defines its flags and loads heavy code only when it runs.
import type { Command } from "commander";
import { registerKb } from "./kb.js";
import type { CliRun } from "./main.js";
import { registerStreams } from "./streams.js";

export function registerCommands(program: Command, run: CliRun): void {
  registerKb(program, run);
  registerStreams(program, run);
}
