// The explicit list of commands. Each module defines its flags and loads heavy code only when it runs.
import type { Command } from "commander";
import { registerDocs } from "./docs.js";
import { registerDump } from "./dump.js";
import { registerExplain } from "./explain.js";
import { registerGuard } from "./guard.js";
import { registerKb } from "./kb.js";
import { registerLint } from "./lint.js";
import type { CliRun } from "./main.js";
import { registerMcp } from "./mcp.js";
import { registerScan } from "./scan.js";
import { registerServe } from "./serve.js";
import { registerStreams } from "./streams.js";
import { registerUpgradeCheck } from "./upgrade-check.js";
import { registerWatch } from "./watch.js";

export function registerCommands(program: Command, run: CliRun): void {
  // In the order --help lists them: the page, then checks before deploy, then live diagnosis, then serving.
  registerKb(program, run);
  registerLint(program, run);
  registerScan(program, run);
  registerExplain(program, run);
  registerWatch(program, run);
  registerDump(program, run);
  registerStreams(program, run);
  registerGuard(program, run);
  registerUpgradeCheck(program, run);
  registerServe(program, run);
  registerMcp(program, run);
  registerDocs(program, run);
}
