// Lint over worker threads: `pitfall lint DIR --zone 1 -o json` (the CLI, a process of its own) on folders of
// generated resources (34 per file, as a chart-per-folder repository) of 5, 20 and 60 MB, with one thread
// (PITFALL_LINT_WORKERS=0) and with the default (one worker per spare core once the input is large enough),
// 3 rounds taking turns (median). Prints both times, their ratio, and whether the outputs are the same bytes.
// Run: npm run build && npm run bench:lint-threads
import { spawnSync } from "node:child_process";
import { availableParallelism, tmpdir } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCorpus } from "./corpus.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROUNDS = 3;
/** Resources per MB of the generated corpus (10,000 resources are about 5.6 MB). */
const PER_MB = 10_000 / 5.6;
const SIZES = (process.env.SIZES ?? "5,20,60").split(",").map(Number);

function lintOnce(dir, workers) {
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.PITFALL_LINT_PATH;
  if (workers === undefined) delete env.PITFALL_LINT_WORKERS;
  else env.PITFALL_LINT_WORKERS = String(workers);
  const started = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [join(root, "bin/pitfall.js"), "lint", dir, "--zone", "1", "-o", "json"],
    {
      cwd: root,
      env,
      maxBuffer: 1 << 30,
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const threads = /over (\d+) threads/.exec(r.stderr.toString())?.[1] ?? "1";
  return { ms, out: r.stdout.toString(), threads, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `pitfall lint DIR --zone 1 -o json, ${ROUNDS} rounds taking turns (median); ${availableParallelism()} cores\n`,
);
console.log("input                          one thread   default (threads)   one / default   same output");
for (const mb of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-threads-"));
  try {
    const resources = Math.round(mb * PER_MB);
    writeCorpus(dir, resources, 34);
    const one = [];
    const auto = [];
    let same = true;
    let threads = "1";
    for (let i = 0; i < ROUNDS; i++) {
      const a = lintOnce(dir, 0);
      const b = lintOnce(dir);
      one.push(a.ms);
      auto.push(b.ms);
      threads = b.threads;
      same &&= a.out === b.out && a.status === b.status;
    }
    const [o, d] = [median(one), median(auto)];
    console.log(
      `${`${mb} MB, ${resources.toLocaleString("en-US")} resources`.padEnd(31)}${`${(o / 1000).toFixed(2)} s`.padStart(10)}   ${`${(d / 1000).toFixed(2)} s (${threads})`.padStart(17)}   ${`${(o / d).toFixed(2)}x`.padStart(13)}   ${same ? "yes" : "NO"}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
