// What the commands that read a dump (`scan`, `watch`, `serve --from`, `dump`) share: the --format flag, a dump that
// held nothing turned into a usage error (exit 2) that says what was found and what pitfall reads.
import { Option } from "commander";
import { visible } from "../model/sanitize.js";
import type { DumpLayout } from "../sources/dump.js";
import { UsageError } from "./errors.js";
import type { Io } from "./io.js";

// Listed here rather than imported: the CLI registers its flags without loading the dump readers.
const LAYOUTS = ["pitfall", "cluster-info", "support-bundle"] as const satisfies readonly DumpLayout[];

export function dumpFormatOption(): Option {
  return new Option(
    "--format <layout>",
    "read --from as this layout instead of telling it from what it holds",
  ).choices([...LAYOUTS]);
}

/** A NothingReadError as a usage error, its input problems printed first; undefined for any other error. */
export async function nothingReadError(e: unknown, io: Io): Promise<UsageError | undefined> {
  const { NothingReadError } = await import("../sources/dump.js");
  if (!(e instanceof NothingReadError)) return undefined;
  for (const d of e.diagnostics) io.err(`pitfall: ${visible(d.file)}:${d.line}: ${visible(d.message)}\n`);
  return new UsageError(e.message);
}
