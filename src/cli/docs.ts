// `pitfall docs`: write the reference from the pages and the detectors, and the config's JSON Schema from its zod
// schema; `--check` says whether either file is stale.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { shellQuote } from "../runbook/fill.js";
import { EXIT } from "./errors.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb } from "./kb-load.js";
import type { Io } from "./io.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  check?: boolean;
  out: string;
  schema?: string;
}

const DEFAULT_OUT = "docs/reference.md";
/** Where pitfall ships the JSON Schema of `.pitfall.yaml`, from the package root. */
const SCHEMA_FILE = "schema/pitfall-config.schema.json";

export function registerDocs(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("docs")
      .description(
        "generate the reference (one section per pitfall, its detectors and an example) from pages and rules",
      )
      .option("--check", "write nothing; exit 1 when the file differs from what would be generated")
      .option("--out <file>", "the reference file, or - for standard output", DEFAULT_OUT)
      .option(
        "--schema <file>",
        `the JSON Schema of .pitfall.yaml, generated from the config's schema (default: pitfall's own ${SCHEMA_FILE})`,
      ),
  )
    .addHelpText(
      "after",
      `
Examples:
  pitfall docs                           write docs/reference.md
  pitfall docs --check                   in CI: fail when docs/reference.md or the config schema is stale
  pitfall docs --kb wiki/ --out -        the reference for the team's pages, on standard output`,
    )
    .action(async (flags: Flags) => {
      run.exitCode = await docsCommand(run.io, flags);
    });
}

/** What `docs` writes: the reference, and the config's JSON Schema generated from its zod schema. */
interface Output {
  /** As the user named it, for messages. */
  shown: string;
  file: string;
  text: string;
  what: string;
}

async function docsCommand(io: Io, flags: Flags): Promise<number> {
  const { builtinPagePath } = await import("../kb/load.js");
  const { allRules } = await import("../rules/index.js");
  const { documentedRules, generateReference } = await import("../report/docs.js");
  const { configJsonSchema } = await import("../config/schema.js");
  const kb = await loadKb(io, flags);
  const builtin = builtinPagePath();
  const packageRoot = dirname(dirname(builtin));
  // The built-in page is named from the package root, so the output is the same in every checkout.
  const builtinLabel = relative(packageRoot, builtin);
  const reference = generateReference(kb, documentedRules(allRules()), {
    fileLabel: (f) => (resolve(io.cwd, f) === builtin ? builtinLabel : f),
  });
  const schemaFile = flags.schema ? resolve(io.cwd, flags.schema) : join(packageRoot, SCHEMA_FILE);
  const schema: Output = {
    shown: flags.schema ?? SCHEMA_FILE,
    file: schemaFile,
    text: `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    what: "the config schema (src/config/schema.ts)",
  };

  if (flags.out === "-") {
    if (flags.check) io.err("pitfall: --check compares with a file; --out - has none to compare\n");
    io.out(reference);
    return flags.check ? EXIT.USAGE : EXIT.OK;
  }
  const outputs: Output[] = [
    { shown: flags.out, file: resolve(io.cwd, flags.out), text: reference, what: "the pages and detectors" },
    schema,
  ];
  let stale = false;
  for (const o of outputs) {
    const current = await readFile(o.file, "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (current === o.text) {
      io.out(`${o.shown} is up to date\n`);
      continue;
    }
    if (flags.check) {
      const why =
        current === undefined
          ? "does not exist"
          : `differs from ${o.what} (first at line ${firstDifference(current, o.text)})`;
      io.err(`pitfall: ${o.shown} ${why}; regenerate it with:\n  ${regenerateCommand(flags)}\n`);
      stale = true;
      continue;
    }
    await mkdir(dirname(o.file), { recursive: true });
    await writeFile(o.file, o.text);
    io.out(o === schema ? `wrote ${o.shown}\n` : `wrote ${o.shown} (${kb.pitfalls.length} pitfalls)\n`);
  }
  return stale ? EXIT.FINDINGS : EXIT.OK;
}

function firstDifference(a: string, b: string): number {
  const x = a.split("\n");
  const y = b.split("\n");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}

function regenerateCommand(flags: Flags): string {
  const parts = ["pitfall docs"];
  for (const k of flags.kb ?? []) parts.push("--kb", shellQuote(k));
  if (flags.builtin === false) parts.push("--no-builtin");
  if (flags.out !== DEFAULT_OUT) parts.push("--out", shellQuote(flags.out));
  if (flags.schema) parts.push("--schema", shellQuote(flags.schema));
  return parts.join(" ");
}
