import { type Command, Option } from "commander";
import type { StepKind } from "../model/finding.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, type Paint, painter } from "./io.js";
import type { AddResult } from "../kb/add.js";
import type { StepText } from "../kb/merge-steps.js";
import { visible } from "../model/sanitize.js";
import { plural } from "../report/labels.js";
import { printDiagnostics } from "./kb-lint.js";
import type { CliRun } from "./main.js";
import { collect } from "./common.js";

const STEP_FLAGS: Record<string, StepKind> = {
  "--if": "IF",
  "--then": "THEN",
  "--run": "RUN",
  "--check": "CHECK",
  "--fix": "FIX",
  "--anti-pattern": "ANTI_PATTERN",
  "--read-also": "READ_ALSO",
};

interface Flags {
  page: string;
  from?: string;
  title?: string;
  severity?: string;
  zone?: string;
  id?: string;
  text?: string[];
  addedFrom?: string[];
  detect?: string[];
  guard?: string[];
  dryRun?: boolean;
  mergeSteps?: boolean;
  output: "text" | "json";
}

export function registerKbAdd(kb: Command, run: CliRun): void {
  const cmd = kb
    .command("add")
    .description("add a pitfall to a page: validated, atomic, safe with many writers")
    .requiredOption("--page <file>", "the page to add to")
    .option("--from <file>", "the entry in the page format (- for stdin)")
    .option("--title <title>", "title of the new pitfall")
    .option("--severity <severity>", "CRITICAL, HIGH, MEDIUM or LOW")
    .option("--zone <zone>", "ALL, 1 (k3s), 2+3, …")
    .option("--id <id>", "explicit id (default: slug of the title)")
    .option("--text <prose>", "a paragraph of explanation (repeatable)", collect)
    .option("--added-from <incident>", '"incident-id, what happened" (repeatable)', collect)
    .option("--detect <cel>", "CEL expression over `object` that shows the pitfall (repeatable)", collect)
    .option(
      "--guard <cel>",
      "CEL expression over `command` that repeats the anti-pattern (repeatable)",
      collect,
    )
    .option("--dry-run", "print the entry as it would be written; change nothing")
    .option("--merge-steps", "when the id is already on the page, append the entry's steps it lacks")
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
    );
  for (const [flag, kind] of Object.entries(STEP_FLAGS))
    cmd.option(`${flag} <text>`, `a ${kind} step (repeatable; order kept)`, collect);
  cmd.addHelpText(
    "after",
    `
An entry whose id is already on the page adds its ADDED_FROM to that pitfall instead of a duplicate; steps
the pitfall lacks are listed as kept out, and --merge-steps appends them (a THEN under its IF on the page, a
new IF block after the last one).
One-line fields (title, severity, zone, id, steps, --added-from, --detect, --guard) may not hold line breaks
or control characters; a DETECT must tell objects apart (not \`true\`, not true for every object), a GUARD
must read the command.
A page without write permission (mode 0444) is refused with exit 2; a written page keeps its mode and owner.

Examples:
  pitfall kb add --page wiki/k8s.md --from entry.md
  pitfall kb add --page wiki/k8s.md --title "PVC Stuck Terminating" --severity MEDIUM --zone ALL \\
      --if "PVC is stuck in Terminating" --then "look for pods still using it" \\
      --run "kubectl get pods -A -o wide | grep {pvc-name}" --added-from "storage-2026-04, PVC blocked a redeploy"
  pitfall kb add --page wiki/k8s.md --from entry.md --merge-steps   also take the steps the page lacks
  pitfall kb draft --from dump/ --pod ns/pod > draft.md && pitfall kb add --page wiki/k8s.md --from draft.md`,
  );
  cmd.action(async (flags: Flags) => {
    const { addEntry, entryText, parseEntry, EntryError } = await import("../kb/add.js");
    let text: string;
    let name: string;
    if (flags.from) {
      if (flags.title)
        throw new UsageError("give the entry either with --from or with --title and other flags, not both");
      name = flags.from === "-" ? "<stdin>" : flags.from;
      text = flags.from === "-" ? await run.io.readStdin() : await readText(flags.from);
    } else {
      const missing = ["title", "severity", "zone"].filter((k) => !flags[k as keyof Flags]);
      if (missing.length)
        throw new UsageError(`give --from FILE, or the entry as flags: missing --${missing.join(", --")}`);
      if (!flags.addedFrom?.length)
        throw new UsageError('say where the pitfall was met: --added-from "incident-id, what happened"');
      name = "<flags>";
      text = entryText({
        title: flags.title!,
        severity: flags.severity!,
        zone: flags.zone!,
        id: flags.id,
        text: flags.text,
        steps: stepsInOrder(run.argv),
        addedFrom: flags.addedFrom,
        detect: flags.detect,
        guard: flags.guard,
      });
    }
    try {
      const entry = parseEntry(text, name);
      if (flags.dryRun) {
        const { printPitfall } = await import("../kb/print.js");
        run.io.out(`${printPitfall(entry, /\.(md|markdown)$/i.test(flags.page) ? "markdown" : "text")}\n`);
        return;
      }
      const opts = { ...holdForTests(run.io), ...(flags.mergeSteps ? { mergeSteps: true } : {}) };
      const result = await addEntry(flags.page, entry, opts).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT")
          throw new UsageError(`no such page: ${flags.page} (kb add writes into an existing page)`);
        throw e;
      });
      if (flags.output === "json")
        run.io.out(`${JSON.stringify({ page: flags.page, ...result }, null, 2)}\n`);
      else run.io.out(addedText(flags.page, result, painter(run.io)));
    } catch (e) {
      if (e instanceof EntryError) {
        run.io.err(`pitfall: ${e.message}\n`);
        if (e.diagnostics.length) printDiagnostics(run.io, e.diagnostics, 1, true);
        run.exitCode = EXIT.USAGE;
        return;
      }
      throw e;
    }
  });
}

/** What kb add did, for people: the line, the action, and the steps it kept out or appended. */
function addedText(page: string, result: AddResult, paint: Paint): string {
  const id = paint("bold", result.id);
  const what =
    result.action === "added"
      ? `added ${id}`
      : result.action === "merged"
        ? `${id} is already on the page: appended ${plural(result.merged?.length ?? 0, "step")} it lacked`
        : result.action === "recorded"
          ? `${id} is already on the page: recorded the new ADDED_FROM`
          : `${id} already records this incident: nothing changed`;
  const lines = [`${page}:${result.line}: ${what}\n`];
  const steps = (list: StepText[]) => list.map((s) => `  ${s.kind}: ${visible(s.text)}\n`);
  if (result.keptOut?.length)
    lines.push(
      `kept out ${plural(result.keptOut.length, "step")} of the entry that ${result.id} does not have (--merge-steps appends them):\n`,
      ...steps(result.keptOut),
    );
  if (result.merged?.length) lines.push(...steps(result.merged));
  return lines.join("");
}

/** Step flags in the order they were typed, so IF/THEN groups keep their shape. */
export function stepsInOrder(argv: string[]): { kind: StepKind; text: string }[] {
  const steps: { kind: StepKind; text: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const kind = STEP_FLAGS[flag];
    if (!kind) continue;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value !== undefined) steps.push({ kind, text: value });
  }
  return steps;
}

async function readText(file: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new UsageError(`no such file: ${file}`);
    throw e;
  });
}

/**
 * PITFALL_TEST_HOLD_WRITE=1 (tests only): once the new page is in its temp file, say where and wait there until the
 * process is killed, so a test can prove that a writer killed mid-write leaves the old page.
 */
function holdForTests(io: Io): { beforeRename?: (tempFile: string) => Promise<void> } {
  if (io.env.PITFALL_TEST_HOLD_WRITE !== "1") return {};
  return {
    beforeRename: (tempFile) => {
      io.err(`pitfall: test hold: ${tempFile} holds the new page; waiting before the rename\n`);
      return new Promise(() => setInterval(() => {}, 60_000));
    },
  };
}
