// What a command may touch of the outside world; tests pass their own.
import { readFileSync } from "node:fs";
import { redact } from "../model/redact.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Whole standard input, for `-` arguments. */
  readStdin(): Promise<string>;
  /** Standard input as it arrives (UTF-8), for inputs too large to hold. */
  stdinChunks(): AsyncIterable<string>;
  /** Whether stdout is a terminal (colours, progress). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export function processIo(env: Record<string, string | undefined>): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env,
    cwd: process.cwd(),
    readStdin: async () => readFileSync(0, "utf8"),
    stdinChunks: () => process.stdin.setEncoding("utf8"),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

/**
 * The same Io with every write redacted: the one step all of a command's output passes (text, JSON, SARIF,
 * Markdown, help, errors), whatever Io it was given.
 */
export function redactingIo(io: Io): Io {
  return { ...io, out: (t) => io.out(redact(t)), err: (t) => io.err(redact(t)) };
}

export type Paint = (style: keyof typeof CODES, text: string) => string;

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

/** Colours only on a terminal, never with NO_COLOR set; FORCE_COLOR forces them. */
export function painter(io: Io): Paint {
  const env = io.env;
  const on =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0"
      ? true
      : env.NO_COLOR === undefined && io.stdoutIsTTY && env.TERM !== "dumb";
  if (!on) return (_s, t) => t;
  return (style, text) => `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m`;
}
