#!/usr/bin/env node
// The import arrows of docs/architecture.md (the plan in DESIGN.md), checked: every import in src/ (tests aside)
// that crosses from one room to another must be allowed by the table below. Exit 1 with file:line per wrong arrow.
// Usage: node scripts/check-boundaries.mjs [repository root]   (default: the repository this script is in)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Room → the rooms it must never import. `model` is the floor: every room may stand on it, and it imports no
 * other room. A room missing from the table is an error, so a new folder gets its line here.
 */
const NEVER = {
  model: "*",
  k8s: ["kb", "config", "sources", "rules", "engine", "runbook", "report", "service", "server", "mcp", "cli"],
  config: ["kb", "sources", "rules", "engine", "runbook", "report", "service", "server", "mcp", "cli"],
  kb: ["engine", "sources", "server", "cli"],
  sources: ["engine", "rules", "runbook", "report", "service", "server", "mcp", "cli"],
  rules: ["sources", "engine", "runbook", "report", "service", "server", "mcp", "cli"],
  engine: ["sources", "report", "service", "server", "mcp", "cli"],
  runbook: ["report", "service", "server", "mcp", "cli"],
  report: ["sources", "service", "server", "mcp", "cli"],
  service: ["server", "mcp", "cli"],
  mcp: ["server", "cli"],
  server: ["cli"],
  cli: [],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts)$/.test(name) && !/\.test\.(ts|mts)$/.test(name)) out.push(path);
  }
  return out;
}

/** Import specifiers with their 1-based line, comments left out. */
function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/\/\/[^\n]*/g, "");
  const out = [];
  for (const m of code.matchAll(IMPORT)) {
    out.push({ spec: m[1], line: code.slice(0, m.index).split("\n").length });
  }
  return out;
}

/** Wrong arrows under `root`: `{ file, line, from, to, spec }` each; `root` holds `src/`. */
export function checkBoundaries(root) {
  const src = join(root, "src");
  const problems = [];
  for (const room of readdirSync(src)) {
    if (statSync(join(src, room)).isDirectory() && !(room in NEVER))
      problems.push({
        file: `src/${room}/`,
        line: 0,
        message: `room ${room} is not in the table of scripts/check-boundaries.mjs: say what it must never import`,
      });
  }
  for (const file of sourceFiles(src)) {
    const from = relative(src, file).split(sep)[0];
    const never = NEVER[from];
    if (!never) continue;
    for (const { spec, line } of importsOf(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = relative(src, resolve(dirname(file), spec));
      const to = target.split(sep)[0];
      if (target.startsWith("..") || to === from) continue;
      const wrong = never === "*" ? to !== "model" || from === "model" : never.includes(to);
      if (wrong)
        problems.push({
          file: relative(root, file),
          line,
          message: `${from} must not import ${to} (${spec})${from === "model" ? ": the model is the floor and imports nothing" : ""}`,
        });
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const problems = checkBoundaries(root);
  for (const p of problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
  if (problems.length) {
    process.stderr.write(
      `check-boundaries: ${problems.length} import(s) against the arrows of docs/architecture.md; move what both rooms need to src/model/ or turn the arrow around\n`,
    );
    process.exit(1);
  }
  process.stdout.write("check-boundaries: every import follows the arrows\n");
}
