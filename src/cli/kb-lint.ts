import type { Command } from "commander";
import type { Diagnostic } from "../model/diagnostic.js";
import { visible } from "../model/sanitize.js";
import { outputOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import type { KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  wikiRoot?: string;
  maxAge: string;
  output: "text" | "json";
}

export function registerKbLint(kb: Command, run: CliRun): void {
  withKbOptions(
    kb
      .command("lint")
      .argument("[pages...]", "pages or folders of pages (default: the loaded pages)")
      .description("check pages for mistakes, each with its line and what to write instead")
      .option("--wiki-root <dir>", "check that READ_ALSO paths exist under this folder")
      .option("--max-age <days>", "warn when LAST_VERIFIED is older than this (e.g. 180 or 180d)", "180")
      .addOption(outputOption()),
  )
    .addHelpText(
      "after",
      `
Exit 1 when a page has errors; warnings alone exit 0.

Examples:
  pitfall kb lint wiki/kubernetes-pitfalls.md
  pitfall kb lint wiki/ --wiki-root wiki --max-age 90d -o json`,
    )
    .action(async (pages: string[], flags: Flags) => {
      const maxAgeDays = Number(flags.maxAge.replace(/d$/, ""));
      if (!Number.isFinite(maxAgeDays) || maxAgeDays < 0)
        throw new UsageError(`--max-age takes days, e.g. 180 or 180d, not '${flags.maxAge}'`);
      const [{ lintPage }, { loadKnowledgeBase, PageNotFoundError }] = await Promise.all([
        import("../kb/lint.js"),
        import("../kb/load.js"),
      ]);
      const explicit = pages.length > 0 || (flags.kb?.length ?? 0) > 0;
      let base: Awaited<ReturnType<typeof loadKnowledgeBase>>;
      try {
        base = await loadKnowledgeBase({
          paths: [...pages, ...(flags.kb ?? [])],
          cwd: run.io.cwd,
          builtin: !explicit && flags.builtin !== false,
        });
      } catch (e) {
        if (e instanceof PageNotFoundError) throw new UsageError(e.message);
        throw e;
      }
      const diagnostics = base.pages.flatMap((p) => lintPage(p, { maxAgeDays, wikiRoot: flags.wikiRoot }));
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      if (flags.output === "json")
        run.io.out(
          `${JSON.stringify({ pages: base.pages.map((p) => p.file), diagnostics, errors, warnings: diagnostics.length - errors }, null, 2)}\n`,
        );
      else printDiagnostics(run.io, diagnostics, base.pages.length);
      run.exitCode = errors ? EXIT.FINDINGS : EXIT.OK;
    });
}

export function printDiagnostics(io: Io, diagnostics: Diagnostic[], pageCount: number, toErr = false): void {
  const paint = painter(io);
  const write = toErr ? io.err : io.out;
  for (const d of diagnostics) {
    const where = `${d.file}:${d.line}${d.column ? `:${d.column}` : ""}`;
    const sev = d.severity === "error" ? paint("red", "error") : paint("yellow", "warning");
    write(`${paint("bold", visible(where))}: ${sev} ${visible(d.message)} ${paint("dim", `(${d.code})`)}\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const summary = `${pageCount} page${pageCount === 1 ? "" : "s"}: ${errors} error${errors === 1 ? "" : "s"}, ${diagnostics.length - errors} warning${diagnostics.length - errors === 1 ? "" : "s"}\n`;
  io.err(errors ? paint("red", summary) : summary);
}
