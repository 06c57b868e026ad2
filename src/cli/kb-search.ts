import type { Command } from "commander";
import { visible } from "../model/sanitize.js";
import { outputOption } from "./common.js";
import { UsageError } from "./errors.js";
import { painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb } from "./kb-load.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  zone?: string;
  limit: string;
  output: "text" | "json";
}

export function registerKbSearch(kb: Command, run: CliRun): void {
  withKbOptions(
    kb
      .command("search")
      .argument("<text...>", "the symptom, as you would describe it")
      .description("find the pitfalls that match a symptom, best first")
      .option("--zone <zone>", "only pitfalls that apply to this zone")
      .option("--limit <n>", "at most this many results", "5")
      .addOption(outputOption()),
  )
    .addHelpText(
      "after",
      `
Examples:
  pitfall kb search "pod ImagePullBackOff zone 1"
  pitfall kb search exit code 137
  pitfall kb search "rotated a secret but pods use the old value" -o json`,
    )
    .action(async (words: string[], flags: Flags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit takes a whole number above 0, not '${flags.limit}'`);
      const [{ buildSearchIndex, searchPitfalls }, base] = await Promise.all([
        import("../kb/search.js"),
        loadKb(run.io, flags),
      ]);
      let hits: ReturnType<typeof searchPitfalls>;
      try {
        hits = searchPitfalls(buildSearchIndex(base.pitfalls), words.join(" "), { zone: flags.zone, limit });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      if (flags.output === "json") {
        run.io.out(
          `${JSON.stringify(
            hits.map((h) => ({ id: h.id, title: h.title, score: round(h.score) })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (!hits.length) {
        run.io.err("no pitfall matches; try other words, or `pitfall kb list`\n");
        return;
      }
      const paint = painter(run.io);
      for (const h of hits)
        run.io.out(
          `${paint("dim", round(h.score).toFixed(2).padStart(6))}  ${paint("bold", visible(h.id))}  ${visible(h.title)}\n`,
        );
    });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
