import { type Command, Option } from "commander";
import type { Pitfall } from "../kb/model.js";
import { visible, visibleDeep } from "../model/sanitize.js";
import { UsageError } from "./errors.js";
import { painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { type KbFlags, loadKb, zoneLabel } from "./kb-load.js";
import { severityColour } from "./kb-list.js";
import type { CliRun } from "./main.js";

interface Flags extends KbFlags {
  output: "text" | "json" | "markdown";
}

export function registerKbShow(kb: Command, run: CliRun): void {
  withKbOptions(
    kb
      .command("show")
      .argument("<id>", "pitfall id (see `pitfall kb list`)")
      .description("show one pitfall, whole; steps verbatim")
      .addOption(
        new Option("-o, --output <format>", "output format")
          .choices(["text", "json", "markdown"])
          .default("text"),
      ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  pitfall kb show crashloopbackoff\n  pitfall kb show oomkilled -o markdown",
    )
    .action(async (id: string, flags: Flags) => {
      const base = await loadKb(run.io, flags);
      const p = base.byId.get(id) ?? base.pitfalls.find((x) => x.id === id.toLowerCase());
      if (!p) {
        const near = base.pitfalls
          .filter((x) => x.id.includes(id.toLowerCase()) || id.toLowerCase().includes(x.id))
          .map((x) => x.id);
        throw new UsageError(
          `no pitfall with id '${id}'${near.length ? `; did you mean ${near.join(", ")}?` : ""} (see \`pitfall kb list\`, or \`pitfall kb search\`)`,
        );
      }
      if (flags.output === "json") run.io.out(`${JSON.stringify(p, null, 2)}\n`);
      else if (flags.output === "markdown") {
        const { printPitfall } = await import("../kb/print.js");
        run.io.out(`${printPitfall(p, "markdown")}\n`);
      } else run.io.out(showText(p, painter(run.io)));
    });
}

function showText(page: Pitfall, paint: ReturnType<typeof painter>): string {
  // Page text is shown, never interpreted: control characters as escapes, each line on its own.
  const p = visibleText(page);
  const out = [
    paint("bold", p.title),
    `${p.id} · ${severityColour(paint, p.severity, 0)} · zone ${zoneLabel(p)} · ${p.source.file}:${p.source.line}`,
    "",
  ];
  type Row = { line: number; text: string[] };
  const rows: Row[] = [
    ...p.blocks.map((b): Row => {
      if (b.type === "prose") return { line: b.line, text: b.text.split("\n") };
      if (b.type === "list")
        return { line: b.line, text: [...(b.intro ? [b.intro] : []), ...b.items.map((i) => `  - ${i}`)] };
      return { line: b.line, text: b.text.split("\n").map((l) => paint("dim", `    ${l}`)) };
    }),
    ...p.steps.map(
      (s): Row => ({
        line: s.line,
        text: [`${paint(s.kind === "RUN" ? "cyan" : "bold", `${s.kind}:`)} ${s.text}`],
      }),
    ),
    ...p.addedFrom.map(
      (a): Row => ({
        line: a.line,
        text: [paint("dim", `ADDED_FROM: ${a.incident}${a.note ? `, ${a.note}` : ""}`)],
      }),
    ),
    ...p.detect.map((d): Row => ({ line: d.line, text: [paint("dim", `DETECT: ${d.expr}`)] })),
    ...p.guard.map((g): Row => ({ line: g.line, text: [paint("dim", `GUARD: ${g.expr}`)] })),
  ].sort((a, b) => a.line - b.line);
  let prev = -2;
  for (const r of rows) {
    if (prev >= 0 && r.line !== prev + 1) out.push("");
    out.push(...r.text);
    prev = r.line + r.text.length - 1;
  }
  return `${out.join("\n")}\n`;
}

/** The pitfall with its text made visible: prose and code keep their lines, every other field is one line. */
function visibleText(p: Pitfall): Pitfall {
  const { blocks, ...rest } = p;
  return {
    ...visibleDeep(rest),
    blocks: blocks.map((b) =>
      b.type === "list"
        ? visibleDeep(b)
        : { ...visibleDeep(b), text: b.text.split("\n").map(visible).join("\n") },
    ),
  } as Pitfall;
}
