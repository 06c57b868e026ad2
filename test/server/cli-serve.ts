// `pitfall serve` run in-process through the CLI, with the URL it announces; stopped with SIGINT as a user would.
import type { Io } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { waitFor } from "../watch/support.js";

export interface RunningCli {
  url: string;
  out: () => string;
  err: () => string;
  /** Sends SIGINT and waits for the command to return its exit code. */
  stop(): Promise<number>;
}

export async function startCli(argv: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<RunningCli & { exit: Promise<number> }> {
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
  const url = await waitFor("the CLI to announce its URL", () => {
    if (finished) throw new Error(`the command ended early: ${err}`);
    return /listening on (http:\/\/\S+)/.exec(err)?.[1];
  });
  return {
    url,
    exit,
    out: () => out,
    err: () => err,
    async stop() {
      process.emit("SIGINT");
      return exit;
    },
  };
}
