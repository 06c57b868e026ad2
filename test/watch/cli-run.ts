// A long-running command (`serve`, `watch`) run in-process through the CLI's main(), stopped with SIGINT as a
// user would stop it; its output is readable while it runs.
import type { Io } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
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
  let out = "";
  let err = "";
  const env = { NO_COLOR: "1", ...opts.env };
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    cwd: opts.cwd,
    readStdin: async () => "",
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const exit = main(argv, env, io);
  let finished = false;
  void exit.finally(() => {
    finished = true;
  });
  const announced = await waitFor(`the command to print ${opts.ready}`, () => {
    if (finished) throw new Error(`the command ended early: ${err}`);
    const m = opts.ready.exec(err);
    return m ? (m[1] ?? m[0]) : undefined;
  });
  return {
    announced,
    out: () => out,
    err: () => err,
    async stop() {
      process.emit("SIGINT");
      return exit;
    },
  };
}
