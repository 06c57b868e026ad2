// The explicit list of commands. Each module defines its flags and loads heavy code only when it runs.
import type { Command } from "commander";
import type { CliRun } from "./main.js";

export function registerCommands(_program: Command, _run: CliRun): void {}
