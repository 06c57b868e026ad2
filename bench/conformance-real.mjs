// Regression run on real manifests (issue 13): `pitfall lint` (the built CLI, as a user runs it) over
// ../shared/real-world/manifests in zone 1 and zone 2, against the judged verdicts in test/real-world/verdicts.json.
// Prints per-rule finding counts, crashes, input errors (and which are false), precision and recall per rule
// (TN: silent verdicts that stayed silent; a rule judged only silent shows precision "-").
// Run: npm run build && npm run conformance:real   (exit 1 when a target below is missed; 0 when ../shared is absent)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const corpus = resolve(root, "../shared/real-world/manifests");
const verdictFile = join(root, "test/real-world/verdicts.json");
const ZONES = ["1", "2"];
const TARGET_PRECISION = 0.95;
const LIST_AT_MOST = 12;

/** One lint run through bin/pitfall.js; a crash is any exit other than 0/1/3 or output that is not JSON. */
function lint(zone) {
  const r = spawnSync(
    process.execPath,
    [join(root, "bin/pitfall.js"), "lint", corpus, "--zone", zone, "-o", "json"],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 28,
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  const crash = (why) => ({
    crash: `zone ${zone}: ${why}; stderr: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`,
  });
  if (r.error) return crash(r.error.message);
  if (![0, 1, 3].includes(r.status ?? -1)) return crash(`exit ${r.status ?? r.signal}`);
  try {
    return { report: JSON.parse(r.stdout), status: r.status };
  } catch {
    return crash(`exit ${r.status} with output that is not JSON`);
  }
}

const rel = (file) => relative(corpus, resolve(root, file));
const key = (file, kind, name, container, rule) => [file, kind, name, container ?? "", rule].join("\u0000");

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const ratio = (a, b) => (b ? (a / b).toFixed(3) : "-");

function main() {
  if (!existsSync(corpus)) {
    console.log(
      `conformance:real: ${relative(root, corpus)} is not here (a fresh clone has none); nothing to run.`,
    );
    return 0;
  }
  if (!existsSync(join(root, "dist/cli/main.js"))) {
    console.error("conformance:real: dist/ is missing; run `npm run build` first");
    return 2;
  }
  const verdicts = JSON.parse(readFileSync(verdictFile, "utf8"));
  const invalid = new Set(verdicts.invalidYaml);
  const byZone = new Map(ZONES.map((z) => [z, new Map()]));
  for (const e of verdicts.entries)
    for (const z of e.zone === "all" ? ZONES : [e.zone])
      byZone.get(z)?.set(key(e.file, e.kind, e.name, e.container, e.rule), e);

  const counts = new Map(); // rule -> zone -> findings
  const stats = new Map(); // rule -> {tp, fp, fn, tn, unjudged}
  const stat = (rule) => {
    if (!stats.has(rule)) stats.set(rule, { tp: 0, fp: 0, fn: 0, tn: 0, unjudged: 0 });
    return stats.get(rule);
  };
  // Every judged rule gets a row, also one that (rightly) reports nothing.
  for (const e of verdicts.entries) stat(e.rule);
  const crashes = [];
  const falseErrors = [];
  const fps = [];
  const fns = [];
  let inputErrors = 0;
  for (const zone of ZONES) {
    const run = lint(zone);
    if (run.crash) {
      crashes.push(run.crash);
      continue;
    }
    const { findings, errors = [] } = run.report;
    inputErrors += errors.length;
    // The same file is invalid in both zones; report a false error once.
    if (zone === ZONES[0])
      for (const e of errors)
        if (!invalid.has(rel(e.file))) falseErrors.push(`${rel(e.file)}:${e.line}: ${e.message}`);
    const expected = byZone.get(zone);
    const matched = new Set();
    for (const f of findings) {
      const perRule = counts.get(f.rule) ?? new Map();
      perRule.set(zone, (perRule.get(zone) ?? 0) + 1);
      counts.set(f.rule, perRule);
      const k = key(rel(f.file), f.object.kind, f.object.name, f.container, f.rule);
      // A finding on the object as a whole (no container) is judged by an entry without one.
      const e =
        expected.get(k) ?? expected.get(key(rel(f.file), f.object.kind, f.object.name, undefined, f.rule));
      const s = stat(f.rule);
      if (!e) s.unjudged++;
      else if (e.expected === "fire") {
        s.tp++;
        matched.add(e);
      } else {
        s.fp++;
        matched.add(e);
        fps.push(
          `  zone ${zone} · ${f.rule} · ${rel(f.file)}:${f.line} ${f.object.kind}/${f.object.name}${f.container ? ` [${f.container}]` : ""}\n      silent because ${e.why}`,
        );
      }
    }
    for (const e of expected.values()) {
      if (e.expected === "silent" && !matched.has(e)) stat(e.rule).tn++;
      if (e.expected === "fire" && !matched.has(e)) {
        stat(e.rule).fn++;
        fns.push(
          `  zone ${zone} · ${e.rule} · ${e.file} ${e.kind}/${e.name}${e.container ? ` [${e.container}]` : ""}\n      fires because ${e.why}`,
        );
      }
    }
  }

  const rules = [...new Set([...counts.keys(), ...stats.keys()])].sort();
  const total = [...stats.values()].reduce(
    (a, s) => ({
      tp: a.tp + s.tp,
      fp: a.fp + s.fp,
      fn: a.fn + s.fn,
      tn: a.tn + s.tn,
      unjudged: a.unjudged + s.unjudged,
    }),
    { tp: 0, fp: 0, fn: 0, tn: 0, unjudged: 0 },
  );
  const row = (label, zoneCounts, s) => [
    label,
    ...zoneCounts,
    s.tp,
    s.fp,
    s.fn,
    s.tn,
    s.unjudged,
    ratio(s.tp, s.tp + s.fp),
    ratio(s.tp, s.tp + s.fn),
  ];
  console.log(
    `pitfall lint on ${relative(root, corpus)} (zone 1 and zone 2), against ${relative(root, verdictFile)} (${verdicts.entries.length} judged decisions)\n`,
  );
  console.log(
    table(
      ["rule", ...ZONES.map((z) => `zone ${z}`), "TP", "FP", "FN", "TN", "unjudged", "precision", "recall"],
      [
        ...rules.map((r) =>
          row(
            r,
            ZONES.map((z) => counts.get(r)?.get(z) ?? 0),
            stat(r),
          ),
        ),
        row(
          "all",
          ZONES.map((z) => [...counts.values()].reduce((n, m) => n + (m.get(z) ?? 0), 0)),
          total,
        ),
      ],
    ),
  );
  const precision = total.tp + total.fp ? total.tp / (total.tp + total.fp) : 1;
  console.log(`\ncrashes: ${crashes.length}`);
  for (const c of crashes) console.log(`  ${c}`);
  console.log(
    `input errors: ${inputErrors} over both zones; false (file not in the verdict file's invalidYaml list): ${falseErrors.length}`,
  );
  for (const e of falseErrors) console.log(`  ${e}`);
  const show = (title, list) => {
    if (!list.length) return;
    console.log(`\n${title} (${list.length}):`);
    for (const l of list.slice(0, LIST_AT_MOST)) console.log(l);
    if (list.length > LIST_AT_MOST) console.log(`  … and ${list.length - LIST_AT_MOST} more`);
  };
  show("false positives", fps);
  show("false negatives", fns);
  const met = !crashes.length && !falseErrors.length && precision >= TARGET_PRECISION;
  console.log(
    `\ntargets (issue 13): 0 crashes, 0 false input errors, precision >= ${TARGET_PRECISION}: ${met ? "met" : "NOT met"} (precision ${precision.toFixed(3)})`,
  );
  return met ? 0 : 1;
}

process.exitCode = main();
