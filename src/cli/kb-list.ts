import { type Command, Option } from "commander";
import { SEVERITIES } from "../model/severity.js";
import { visible } from "../model/sanitize.js";
import { outputOption } from "./common.js";
import { UsageError } from "./errors.js";
import { painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { pitfallSummary } from "../kb/summary.js";
import { type KbFlags, loadKb, zoneLabel } from "./kb-load.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  zone?: string;
  severity?: string;
  output: "text" | "json";
}

export function registerKbList(kb: Command, run: CliRun): void {
  withKbOptions(
    kb
      .command("list")
      .description("list the pitfalls")
      .option("--zone <zone>", "only pitfalls that apply to this zone (1, 2, ALL)")
      .addOption(new Option("--severity <severity>", "only this severity or worse").choices([...SEVERITIES]))
      .addOption(outputOption()),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  pitfall kb list\n  pitfall kb list --zone 1 --severity HIGH -o json",
    )
    .action(async (flags: Flags) => {
      const { appliesToZone, normalizeZone } = await import("../kb/zones.js");
      const { severityRank } = await import("../model/severity.js");
      if (flags.zone && !/^(ALL|\d+)$/.test(normalizeZone(flags.zone)))
        throw new UsageError(`unknown zone '${flags.zone}': write a zone number (1, 2) or ALL`);
      const base = await loadKb(run.io, flags);
      const pitfalls = base.pitfalls.filter(
        (p) =>
          appliesToZone(p.zones, flags.zone) &&
          (!flags.severity ||
            severityRank(p.severity) <= severityRank(flags.severity as (typeof SEVERITIES)[number])),
      );
      if (flags.output === "json") {
        run.io.out(`${JSON.stringify(pitfalls.map(pitfallSummary), null, 2)}\n`);
        return;
      }
      const paint = painter(run.io);
      const idWidth = Math.max(2, ...pitfalls.map((p) => p.id.length));
      const zoneWidth = Math.max(5, ...pitfalls.map((p) => zoneLabel(p).length));
      run.io.out(
        `${paint("bold", `${"ID".padEnd(idWidth)}  SEVERITY  ${"ZONES".padEnd(zoneWidth)}  TITLE`)}\n`,
      );
      for (const p of pitfalls)
        run.io.out(
          `${visible(p.id).padEnd(idWidth)}  ${severityColour(paint, p.severity)}  ${visible(zoneLabel(p)).padEnd(zoneWidth)}  ${visible(p.title)}\n`,
        );
    });
}

export function severityColour(paint: ReturnType<typeof painter>, s: string, width = 8): string {
  const text = s.padEnd(width);
  if (s === "CRITICAL") return paint("magenta", paint("bold", text));
  if (s === "HIGH") return paint("red", text);
  if (s === "MEDIUM") return paint("yellow", text);
  return paint("dim", text);
}
