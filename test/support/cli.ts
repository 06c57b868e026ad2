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

export async function runCli(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<CliResult> {
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
    cwd: opts.cwd ?? process.cwd(),
    readStdin: async () => opts.stdin ?? "",
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(argv, env, io);
  return { code, out, err };
}

export const BIN = fileURLToPath(new URL("../../bin/pitfall.js", import.meta.url));

/** The built CLI as users run it (needs `npm run build`). */
export function runBin(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
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
