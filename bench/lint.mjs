// Lint speed: `pitfall lint` in-process (readManifests + runEngine + the JSON reporter, from dist/) on a generated
// corpus of 10,000 resources, against (a) parsing the same YAML with positions alone (yaml parseAllDocuments with a
// LineCounter, then toJS) and (b) @monokle/validation with its bundled offline plugins. Each contender runs in its
// own child process so its peak RSS is its own; figures and ratios come from this one run.
// Run: npm run build && npm run bench:lint   (about a minute on 2 cores)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeCorpus } from "./corpus.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PEER_ROUNDS = 3;
const RESOURCES = 10_000;
const PER_FILE = Math.ceil(10_000 / 300);
const WARM_RESOURCES = 1_000;
const ROUNDS = 3;
const TARGET_PARSE_RATIO = 1.5;
const TARGET_MONOKLE_SPEEDUP = 20;

// ---------------------------------------------------------------- contenders (each in a child)

function yamlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.name.endsWith(".yaml")) out.push(p);
  }
  return out.sort();
}

const dist = (p) => import(pathToFileURL(join(root, "dist", p)).href);

async function pitfallContender(dir) {
  const { readManifests } = await dist("sources/manifests.js");
  const { runEngine } = await dist("engine/run.js");
  const { loadKnowledgeBase } = await dist("kb/load.js");
  const { defaultConfig } = await dist("config/model.js");
  const { formatJson } = await dist("report/json.js");
  const kb = await loadKnowledgeBase({ cwd: root });
  const config = defaultConfig();
  return async () => {
    const snapshot = await readManifests([dir], { cwd: dir, readStdin: async () => "" });
    const result = runEngine(snapshot, { mode: "manifest", kb, config, zone: "1" });
    const json = formatJson({
      findings: result.findings,
      diagnostics: [...snapshot.diagnostics, ...result.diagnostics],
      suppressed: result.suppressed,
      pitfall: (id) => kb.byId.get(id),
    });
    return { resources: snapshot.objects.length, findings: result.findings.length, bytes: json.length };
  };
}

async function parseContender(dir) {
  const { LineCounter, parseAllDocuments } = await import("yaml");
  const { readFile } = await import("node:fs/promises");
  return async () => {
    let resources = 0;
    for (const file of yamlFiles(dir)) {
      const text = await readFile(file, "utf8");
      const lineCounter = new LineCounter();
      const docs = parseAllDocuments(text, { lineCounter });
      for (const doc of docs) if (doc.toJS() != null) resources++;
    }
    return { resources };
  };
}

async function monokleContender(dir) {
  const m = await import("@monokle/validation");
  const { parseAllDocuments } = await import("yaml");
  const { readFile } = await import("node:fs/promises");
  // Offline by construction: the default loader registers the bundled plugins only; any fetch fails loudly.
  globalThis.fetch = () => Promise.reject(new Error("network is off in this benchmark"));
  // Every plugin that ships inside the package; kubernetes-schema, open-policy-agent and admission-policy fetch theirs.
  const config = {
    plugins: { practices: true, "pod-security-standards": true, "yaml-syntax": true, "resource-links": true },
  };
  const validator = new m.MonokleValidator(
    {
      loader: new m.DefaultPluginLoader(),
      parser: new m.ResourceParser(),
      schemaLoader: new m.SchemaLoader(),
      suppressors: [new m.AnnotationSuppressor()],
      fixer: new m.DisabledFixer(),
    },
    config,
  );
  await validator.preload(config);
  if (validator.getPlugins().length !== Object.keys(config.plugins).length)
    throw new Error(
      `monokle loaded ${validator.getPlugins().length} plugins; failed: ${validator.getFailedPlugins().join(", ")}`,
    );
  return async () => {
    // Monokle takes resources already split out of their files, each with its own text; that split is its input stage.
    const resources = [];
    for (const file of yamlFiles(dir)) {
      const text = await readFile(file, "utf8");
      for (const doc of parseAllDocuments(text)) {
        const content = doc.toJS();
        if (!content) continue;
        const [start, , end] = doc.range;
        resources.push({
          id: `${file}#${resources.length}`,
          fileId: file,
          filePath: file,
          fileOffset: text.slice(0, start).split("\n").length - 1,
          name: content.metadata?.name ?? "",
          apiVersion: content.apiVersion,
          kind: content.kind,
          namespace: content.metadata?.namespace,
          content,
          text: text.slice(start, end),
        });
      }
    }
    // A fresh parser cache each run, so every run parses as the first one did.
    validator._pluginContext?.parser?.clear?.();
    const response = await validator.validate({ resources });
    const results = response.runs.reduce((n, r) => n + r.results.length, 0);
    return { resources: resources.length, findings: results, plugins: validator.getPlugins().length };
  };
}

const CONTENDERS = { pitfall: pitfallContender, parse: parseContender, monokle: monokleContender };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(run) {
  globalThis.gc?.();
  const t0 = process.hrtime.bigint();
  const result = await run();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ...result };
}

/**
 * Timing child: all three contenders in one process, warmed up on a small corpus, then run in alternating rounds,
 * so a busy machine slows them alike and the ratios hold. Monokle, the slow one, runs once in the middle round.
 */
async function timingChild(dir, warmDir, rounds) {
  const runs = {};
  for (const name of Object.keys(CONTENDERS)) {
    const make = CONTENDERS[name];
    runs[name] = { full: await make(dir), warm: await make(warmDir) };
    await runs[name].warm();
  }
  const out = { parse: [], pitfall: [], monokle: [] };
  for (let i = 0; i < rounds; i++) {
    out.parse.push(await timed(runs.parse.full));
    out.pitfall.push(await timed(runs.pitfall.full));
    if (i === Math.floor(rounds / 2)) out.monokle.push(await timed(runs.monokle.full));
  }
  const summary = {};
  for (const [name, list] of Object.entries(out))
    summary[name] = { ...list[0], ms: median(list.map((r) => r.ms)) };
  summary.parseRatio = median(out.parse.map((p, i) => out.pitfall[i].ms / p.ms));
  process.stdout.write(JSON.stringify(summary));
}

/** Memory child: one contender alone, a warm-up on the small corpus, one run on the full one; its peak RSS. */
async function memoryChild(name, dir, warmDir) {
  await (await CONTENDERS[name](warmDir))();
  const run = await CONTENDERS[name](dir);
  const r = await timed(run);
  // maxRSS is the peak of this process: node itself, the contender's modules, and its runs.
  process.stdout.write(
    JSON.stringify({
      name,
      peakRss: process.resourceUsage().maxRSS * 1024,
      heapUsed: process.memoryUsage().heapUsed,
      ms: r.ms,
    }),
  );
}

// ---------------------------------------------------------------- parent

function childRun(args) {
  const out = execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out);
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const rate = (r) => `${Math.round(r.resources / (r.ms / 1000)).toLocaleString("en-US")}/s`;

async function parent() {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-lint-"));
  const warmDir = mkdtempSync(join(tmpdir(), "pitfall-bench-warm-"));
  try {
    writeCorpus(dir, RESOURCES, PER_FILE);
    writeCorpus(warmDir, WARM_RESOURCES, PER_FILE);
    const files = yamlFiles(dir);
    const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
    console.log(
      `corpus: ${RESOURCES.toLocaleString("en-US")} resources in ${files.length} files (${mb(bytes)})`,
    );
    console.log(
      `timing: one process, warmed up on ${WARM_RESOURCES} resources, ${ROUNDS} alternating rounds (median); monokle once`,
    );
    console.log("memory: each contender alone in its own process (peak RSS, node itself included)\n");
    const t = childRun(["--timing", dir, warmDir, String(ROUNDS)]);
    const mem = {
      pitfall: childRun(["--memory", "pitfall", dir, warmDir]),
      parse: childRun(["--memory", "parse", dir, warmDir]),
    };
    const rows = [
      ["pitfall lint (read + engine + JSON)", t.pitfall, mem.pitfall],
      ["yaml parse with positions (floor)", t.parse, mem.parse],
      ["@monokle/validation (offline plugins)", t.monokle, undefined],
    ];
    const table = rows.map(([label, r, m]) => [
      label,
      `${r.ms.toFixed(0)} ms`,
      rate(r),
      m ? mb(m.peakRss) : "-",
      String(r.resources),
      r.findings === undefined ? "-" : String(r.findings),
    ]);
    const header = ["contender", "time", "resources/s", "peak RSS", "resources", "findings"];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of table) console.log(line(row));
    const speedup = t.monokle.ms / t.pitfall.ms;
    const floorSpeedup = t.monokle.ms / t.parse.ms;
    console.log("");
    console.log(
      `pitfall / parse floor: ${t.parseRatio.toFixed(2)}x  (median of paired rounds; target <= ${TARGET_PARSE_RATIO}x: ${t.parseRatio <= TARGET_PARSE_RATIO ? "met" : "NOT met"})`,
    );
    console.log(
      `monokle / pitfall:     ${speedup.toFixed(1)}x  (target >= ${TARGET_MONOKLE_SPEEDUP}x: ${speedup >= TARGET_MONOKLE_SPEEDUP ? "met" : "NOT met"}; monokle ran ${t.monokle.plugins} bundled plugins)`,
    );
    console.log(
      `monokle / parse floor: ${floorSpeedup.toFixed(1)}x  (the most any linter that parses with positions could gain)`,
    );
    if (t.pitfall.resources !== t.parse.resources || t.monokle.resources !== t.parse.resources)
      console.log(
        `note: resource counts differ (pitfall ${t.pitfall.resources}, parse ${t.parse.resources}, monokle ${t.monokle.resources})`,
      );
    await peerTimes(dir, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(warmDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the peers' binaries (npm run peers:install)

/** Each peer's command on the corpus folder; pitfall's CLI the same way, so process start is in every figure. */
async function peerCommands(dir, files) {
  const { installedPeers } = await import("./peers/versions.mjs");
  const { ensureSchemas } = await import("./peers/schemas.mjs");
  const { found, missing } = installedPeers();
  const commands = [
    [
      "pitfall lint (CLI process)",
      process.execPath,
      [join(root, "bin/pitfall.js"), "lint", dir, "--zone", "1", "-o", "json"],
    ],
  ];
  const notes = missing.filter((m) => !m.startsWith("popeye")).map((m) => `skipped: ${m}`);
  if (found["kube-linter"])
    commands.push(["kube-linter lint", found["kube-linter"].bin, ["lint", "--format", "json", dir]]);
  if (found["kube-score"])
    commands.push(["kube-score score", found["kube-score"].bin, ["score", "-o", "json", ...files]]);
  if (found.kubeconform) {
    const schemas = ensureSchemas(join(dirname(dirname(found.kubeconform.bin))));
    if (schemas.dir)
      commands.push([
        "kubeconform (offline schemas)",
        found.kubeconform.bin,
        [
          "-schema-location",
          `${schemas.dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
          "-ignore-missing-schemas",
          "-summary",
          dir,
        ],
      ]);
    else notes.push(`skipped: kubeconform: ${schemas.why}`);
  }
  if (found.polaris)
    commands.push(["polaris audit", found.polaris.bin, ["audit", "--audit-path", dir, "--format", "json"]]);
  return { commands, notes };
}

function timeCommand(bin, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Linters exit non-zero when they find something; only a crash (a signal, or no output at all) is a failure.
  const failed = r.signal || r.error || (!r.stdout && r.status !== 0);
  return {
    ms,
    failed: failed ? (r.error?.message ?? r.stderr.trim().split("\n")[0] ?? `exit ${r.status}`) : undefined,
  };
}

async function peerTimes(dir, files) {
  const { commands, notes } = await peerCommands(dir, files);
  console.log(
    `\nthe peers' own binaries on the same ${RESOURCES.toLocaleString("en-US")} resources, as processes (${PEER_ROUNDS} alternating rounds, median)`,
  );
  for (const n of notes) console.log(`  ${n}`);
  if (commands.length === 1) {
    console.log("  no peer binary installed (npm run peers:install)");
    return;
  }
  const times = commands.map(() => []);
  const failures = new Map();
  for (let round = 0; round < PEER_ROUNDS; round++)
    commands.forEach(([label, bin, args], i) => {
      const r = timeCommand(bin, args);
      times[i].push(r.ms);
      if (r.failed) failures.set(label, r.failed);
    });
  const pitfallMs = median(times[0]);
  const rows = commands.map(([label], i) => {
    const ms = median(times[i]);
    return [
      label,
      `${ms.toFixed(0)} ms`,
      `${Math.round(RESOURCES / (ms / 1000)).toLocaleString("en-US")}/s`,
      i === 0 ? "1.00x" : `${(ms / pitfallMs).toFixed(2)}x`,
    ];
  });
  const header = ["contender", "time", "resources/s", "time / pitfall"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  for (const [label, why] of failures) console.log(`note: ${label} failed in a round: ${why}`);
  console.log(
    "(kube-score checks more than pitfall does and kubeconform validates every field against the schema: the ratios compare whole tools on the same input, not equal work)",
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "--timing") await timingChild(args[0], args[1], Number(args[2]));
else if (mode === "--memory") await memoryChild(args[0], args[1], args[2]);
// `--corpus DIR`: write the corpus and stop, for profiling one contender by hand.
else if (mode === "--corpus") writeCorpus(args[0], RESOURCES, PER_FILE);
else await parent();
