// `pitfall docs`: write the reference from the pages and the detectors; `--check` says whether the file is stale.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { shellQuote } from "../runbook/fill.js";
import { EXIT } from "./errors.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  check?: boolean;
  out: string;
}

const DEFAULT_OUT = "docs/reference.md";

export function registerDocs(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("docs")
      .description(
        "generate the reference (one section per pitfall, its detectors and an example) from pages and rules",
      )
      .option("--check", "write nothing; exit 1 when the file differs from what would be generated")
      .option("--out <file>", "the reference file, or - for standard output", DEFAULT_OUT),
  )
    .addHelpText(
      "after",
      `
Examples:
  pitfall docs                           write docs/reference.md
  pitfall docs --check                   in CI: fail when docs/reference.md is stale
  pitfall docs --kb wiki/ --out -        the reference for the team's pages, on standard output`,
    )
    .action(async (flags: Flags) => {
      const { builtinPagePath } = await import("../kb/load.js");
      const { allRules } = await import("../rules/index.js");
      const { documentedRules, generateReference } = await import("../report/docs.js");
      const io = run.io;
      const kb = await loadKb(io, flags);
      const builtin = builtinPagePath();
      // The built-in page is named from the package root, so the output is the same in every checkout.
      const builtinLabel = relative(dirname(dirname(builtin)), builtin);
      const text = generateReference(kb, documentedRules(allRules()), {
        fileLabel: (f) => (resolve(io.cwd, f) === builtin ? builtinLabel : f),
      });

      if (flags.out === "-") {
        if (flags.check) io.err("pitfall: --check compares with a file; --out - has none to compare\n");
        io.out(text);
        run.exitCode = flags.check ? EXIT.USAGE : EXIT.OK;
        return;
      }
      const file = resolve(io.cwd, flags.out);
      const current = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
      });
      if (flags.check) {
        if (current === text) {
          io.out(`${flags.out} is up to date\n`);
          return;
        }
        const why =
          current === undefined
            ? "does not exist"
            : `differs from the pages and detectors (first at line ${firstDifference(current, text)})`;
        io.err(`pitfall: ${flags.out} ${why}; regenerate it with:\n  ${regenerateCommand(flags)}\n`);
        run.exitCode = EXIT.FINDINGS;
        return;
      }
      if (current === text) {
        io.out(`${flags.out} is up to date\n`);
        return;
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      io.out(`wrote ${flags.out} (${kb.pitfalls.length} pitfalls)\n`);
    });
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
  return parts.join(" ");
}
