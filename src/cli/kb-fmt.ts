import type { Command } from "commander";
import { EXIT, UsageError } from "./errors.js";
import type { CliRun } from "./main.js";

interface Flags {
  check?: boolean;
  stdout?: boolean;
}

export function registerKbFmt(kb: Command, run: CliRun): void {
  kb.command("fmt")
    .argument("<pages...>", "page files to rewrite in canonical form")
    .description("rewrite pages in canonical form (their own form: markdown or rendered text)")
    .option("--check", "change nothing; exit 1 when a page is not in canonical form")
    .option("--stdout", "print the canonical page instead of writing it")
    .addHelpText(
      "after",
      "\nExamples:\n  pitfall kb fmt wiki/kubernetes-pitfalls.md\n  pitfall kb fmt --check wiki/*.md",
    )
    .action(async (pages: string[], flags: Flags) => {
      const { formatPageFile } = await import("../kb/fmt.js");
      let changed = 0;
      for (const file of pages) {
        const r = await formatPageFile(file, { write: !flags.check && !flags.stdout }).catch(
          (e: NodeJS.ErrnoException) => {
            if (e.code === "ENOENT") throw new UsageError(`no such page: ${file}`);
            throw e;
          },
        );
        if (flags.stdout) run.io.out(r.text);
        if (r.changed) {
          changed++;
          if (flags.check) run.io.out(`${file}: not in canonical form (run \`pitfall kb fmt ${file}\`)\n`);
          else if (!flags.stdout) run.io.err(`${file}: formatted\n`);
        }
      }
      if (flags.check && changed) run.exitCode = EXIT.FINDINGS;
    });
}
