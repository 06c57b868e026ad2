// Run the CLI in-process with a captured Io, or the built bin as a subprocess.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** An Io that keeps what a command writes, for commands run in-process. */
export function captureIo(cwd: string, env: Record<string, string | undefined>, stdin = "") {
  const seen = { out: "", err: "" };
  const io: Io = {
    out: (t) => {
      seen.out += t;
    },
    err: (t) => {
      seen.err += t;
    },
    env,
    cwd,
    readStdin: async () => stdin,
    // In pieces, as a pipe delivers it.
    stdinChunks: async function* () {
      for (let i = 0; i < stdin.length; i += 4096) yield stdin.slice(i, i + 4096);
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  return { io, seen };
}

export async function runCli(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<CliResult> {
  const env = { NO_COLOR: "1", ...opts.env };
  const { io, seen } = captureIo(opts.cwd ?? process.cwd(), env, opts.stdin);
  const code = await main(argv, env, io);
  return { code, out: seen.out, err: seen.err };
}

export const BIN = fileURLToPath(new URL("../../bin/pitfall.js", import.meta.url));

/** Run a program to its end, with its output kept. */
export function spawnCollect(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** The built CLI as users run it (needs `npm run build`). */
export function runBin(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return spawnCollect(process.execPath, [BIN, ...argv], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
}
