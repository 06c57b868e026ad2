// Entry point: argv in, exit code out. The only place that sees process.argv and process.env.
import { Command, CommanderError } from "commander";
import { visible, visibleLines } from "../model/sanitize.js";
import { registerCommands } from "./commands.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, processIo, redactingIo } from "./io.js";

export const VERSION = "0.1.0";

export interface CliRun {
  io: Io;
  /** The arguments as typed, for commands where flag order matters. */
  argv: string[];
  /** Set by a command's action. */
  exitCode: number;
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  given: Io = processIo(env),
): Promise<number> {
  const io = redactingIo(given);
  const run: CliRun = { io, argv, exitCode: EXIT.OK };
  const program = new Command("pitfall")
    .description("Make a team's Kubernetes pitfalls page executable: lint, diagnose, fill runbooks.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage and examples)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program.addHelpText(
    "after",
    `
Examples:
  pitfall kb list                        the built-in pitfalls
  pitfall kb search "pod ImagePullBackOff zone 1"
  pitfall lint deploy/ --zone 1          manifests against the pitfalls
  pitfall scan --context prod            a live cluster
  pitfall scan --from dump/              an offline dump (kubectl get -o json)

Exit codes: 0 clean, 1 findings or problems, 2 usage or input error, 3 incomplete.`,
  );
  registerCommands(program, run);
  try {
    await program.parseAsync(argv, { from: "user" });
    return run.exitCode;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Help and version are printed by commander and are not errors.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return EXIT.OK;
    return EXIT.USAGE;
  }
  // Messages may quote input or what a cluster said: control characters are shown, never interpreted.
  if (e instanceof UsageError) {
    io.err(`pitfall: ${visibleLines(e.message)}\n`);
    return EXIT.USAGE;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT" && err.path) {
    io.err(`pitfall: no such file: ${visible(err.path)}\n`);
    return EXIT.USAGE;
  }
  io.err(`pitfall: ${visibleLines(err?.message ?? String(e))}\n`);
  if (io.env.PITFALL_DEBUG && err?.stack) io.err(`${err.stack}\n`);
  return EXIT.USAGE;
}
