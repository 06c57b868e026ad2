// Lint memory: `pitfall lint FILE --zone 1 -o json` (the CLI, a process of its own) on one 50 MB and one 200 MB
// multi-document file made of the generated resources (a third of them with a finding), and on files as large
// made only of resources without findings (what reading and linting hold, apart from findings and the report),
// with the streaming path and the old whole-file path (PITFALL_LINT_PATH=old); and the first files as the
// standard input of `pitfall lint -` (streamed: standard input is copied to a temporary file, then read the same
// way). Prints time, resources/s and peak RSS (GNU time's maximum resident set size), and the 200 MB / 50 MB RSS
// ratio; a run killed or out of memory is printed as such. `--path new|old` runs one path only; `--old-sizes 50`
// runs the old path on 50 MB only.
// Run: npm run build && npm run bench:lint-memory   (several minutes on 2 cores; the old path takes much longer)
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBigFile } from "./corpus.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MB = 1024 * 1024;
const SIZES = [50, 200];
/** `new` and `old`, or only the one named by `--path new|old`. */
const argAfter = (flag) =>
  process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined;
const PATHS = argAfter("--path") ? [argAfter("--path")] : ["new", "old"];
/** Sizes the old path runs on (it takes minutes per 50 MB and runs out of memory on 200 MB). */
const OLD_SIZES = argAfter("--old-sizes") ? argAfter("--old-sizes").split(",").map(Number) : SIZES;
const KINDS_OF_INPUT = [
  { label: "with findings", clean: false },
  { label: "no findings", clean: true },
  { label: "with findings, on stdin", clean: false, stdin: true },
];

/** One CLI run on `file`, named as an argument or (`stdin`) given as the standard input of `pitfall lint -`. */
function lintOnce(file, path, stdin = false) {
  const timeOut = join(dirname(file), "time.txt");
  const input = stdin ? openSync(file, "r") : undefined;
  const env = { ...process.env, NO_COLOR: "1" };
  if (path === "old") env.PITFALL_LINT_PATH = "old";
  else delete env.PITFALL_LINT_PATH;
  const r = spawnSync(
    "/usr/bin/time",
    [
      "-o",
      timeOut,
      "-f",
      "%M %e",
      process.execPath,
      join(root, "bin/pitfall.js"),
      "lint",
      stdin ? "-" : file,
      "--zone",
      "1",
      "-o",
      "json",
    ],
    { cwd: root, env, stdio: [input ?? "ignore", "ignore", "pipe"], maxBuffer: 1 << 26 },
  );
  if (input !== undefined) closeSync(input);
  const timeLines = readFileSync(timeOut, "utf8").trim().split("\n");
  const [kb, seconds] = timeLines[timeLines.length - 1].split(" ").map(Number);
  const stderr = r.stderr.toString();
  // Exit 0 (clean) and 1 (findings) are runs that finished; anything else is a failure worth its own line.
  const failed =
    r.status !== 0 && r.status !== 1
      ? (timeLines.find((l) => l.startsWith("Command")) ?? `exit ${r.status}`) +
        (/heap out of memory/.test(stderr) ? " (JavaScript heap out of memory)" : "")
      : undefined;
  return { rss: kb * 1024, ms: seconds * 1000, failed };
}

const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-memory-"));
try {
  const rows = [];
  const results = [];
  for (const input of KINDS_OF_INPUT) {
    for (const size of SIZES) {
      const file = join(dir, `platform-${size}mb.yaml`);
      const resources = writeBigFile(file, size * MB, { clean: input.clean });
      const bytes = statSync(file).size;
      for (const path of PATHS) {
        if (path === "old" && (!OLD_SIZES.includes(size) || input.stdin)) continue;
        const r = lintOnce(file, path, input.stdin);
        results.push({ input: input.label, size, path, ...r });
        rows.push([
          `${(bytes / MB).toFixed(0)} MB ${input.label}, ${resources.toLocaleString("en-US")} resources`,
          path,
          r.failed ? "-" : `${(r.ms / 1000).toFixed(1)} s`,
          r.failed ? "-" : `${Math.round(resources / (r.ms / 1000)).toLocaleString("en-US")}/s`,
          `${(r.rss / MB).toFixed(0)} MB`,
          r.failed ?? "ok",
        ]);
      }
      rmSync(file);
    }
  }
  const header = ["input", "path", "time", "resources/s", "peak RSS", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i <= 1 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log("pitfall lint FILE --zone 1 -o json, one run each, peak RSS of the process (GNU time)\n");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  console.log("");
  for (const input of KINDS_OF_INPUT)
    for (const path of PATHS) {
      const [small, big] = SIZES.map((size) =>
        results.find((r) => r.input === input.label && r.path === path && r.size === size),
      );
      if (!small || !big) continue;
      const ratio = big.rss / small.rss;
      console.log(
        `${path}, ${input.label}: RSS ${SIZES[1]} MB / ${SIZES[0]} MB = ${ratio.toFixed(3)}x (target < 2x: ${ratio < 2 && !big.failed ? "met" : "NOT met"}); ${SIZES[1]} MB under 1 GB: ${big.rss < 1024 * MB && !big.failed ? "met" : "NOT met"}`,
      );
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
