// `pitfall watch -o json` run in-process, with its JSON lines readable while it runs.
import { type RunningCli, startCli } from "../watch/cli-run.js";
import type { JsonFinding } from "./compare.js";

export interface WatchLine {
  event: "appeared" | "resolved";
  finding: JsonFinding;
}

/** Starts `pitfall watch <argv> -o json` in `dir` (also its HOME) and waits until it says it is watching. */
export async function startWatch(
  argv: string[],
  dir: string,
): Promise<{ cli: RunningCli; lines: () => WatchLine[] }> {
  const cli = await startCli(["watch", ...argv, "-o", "json"], {
    cwd: dir,
    ready: /watching/,
    env: { HOME: dir },
  });
  const lines = () =>
    cli
      .out()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as WatchLine);
  return { cli, lines };
}
