// A long-running command (`serve`, `watch`) run in-process through the CLI's main(), stopped with SIGINT as a
// user would stop it; its output is readable while it runs.
import { main } from "../../src/cli/main.js";
import { captureIo } from "../support/cli.js";
import { waitFor } from "./support.js";

export interface RunningCli {
  /** What `ready` matched first (its first group, else the whole match). */
  announced: string;
  out: () => string;
  err: () => string;
  /** Sends SIGINT and waits for the command's exit code. */
  stop(): Promise<number>;
}

export async function startCli(
  argv: string[],
  opts: { cwd: string; ready: RegExp; env?: Record<string, string | undefined> },
): Promise<RunningCli> {
  const env = { NO_COLOR: "1", ...opts.env };
  const { io, seen } = captureIo(opts.cwd, env);
  const exit = main(argv, env, io);
  let finished = false;
  void exit.finally(() => {
    finished = true;
  });
  const announced = await waitFor(`the command to print ${opts.ready}`, () => {
    if (finished) throw new Error(`the command ended early: ${seen.err}`);
    const m = opts.ready.exec(seen.err);
    return m ? (m[1] ?? m[0]) : undefined;
  });
  return {
    announced,
    out: () => seen.out,
    err: () => seen.err,
    async stop() {
      process.emit("SIGINT");
      return exit;
    },
  };
}
