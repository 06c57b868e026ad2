// Lint speed: `pitfall lint` without process start (service/lint + the JSON reporter, from dist/) on its default
// path (one run up to 8 MB), batch by batch (PITFALL_LINT_PATH=streamed) and on the old whole-snapshot path
// (PITFALL_LINT_PATH=old), on a generated corpus of 10,000
// resources and on the real-world corpus (../shared/real-world/manifests), against the parse floors of both parsers
// (yaml with positions, then toJS; js-yaml loadAll) and @monokle/validation with its bundled offline plugins; wall
// and CPU time, and whether the paths find the same. Peak RSS per contender alone in its own process; then
// pitfall's CLI (both paths, process start included) against each installed peer binary. One run, one set of figures.
// Run: npm run build && npm run bench:lint   (a few minutes on 2 cores)
import { execFileSync, fork, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeCorpus } from "./corpus.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PEER_ROUNDS = 3;
const RESOURCES = 10_000;
const PER_FILE = Math.ceil(10_000 / 300);
const WARM_RESOURCES = 1_000;
const ROUNDS = 5;
const TARGET_SPEEDUP = 4;
const REAL_WORLD = resolve(root, "../shared/real-world/manifests");

// ---------------------------------------------------------------- contenders (each in a child)

function yamlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith(".") && e.name !== "node_modules") out.push(...yamlFiles(p));
    } else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

const dist = (p) => import(pathToFileURL(join(root, "dist", p)).href);

/** `pitfall lint` as the CLI runs it, without process start: service/lint (on `path`, else the default), JSON. */
async function pitfallContender(dir, path) {
  const lint = await dist("service/lint.js");
  const { loadKnowledgeBase } = await dist("kb/load.js");
  const { defaultConfig } = await dist("config/model.js");
  const { formatJson } = await dist("report/json.js");
  const kb = await loadKnowledgeBase({ cwd: root });
  const target = { kb, config: defaultConfig(), zone: "1", ...(path ? { path } : {}) };
  const zone = lint.lintZone(target);
  return async () => {
    const linted = await lint.lintFiles({ paths: [dir], cwd: dir }, target, zone);
    const json = formatJson({
      findings: linted.findings,
      diagnostics: linted.problems,
      suppressed: linted.suppressed,
      pitfall: (id) => kb.byId.get(id),
    });
    return { resources: linted.objects, findings: linted.findings.length, bytes: json.length, json };
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
      for (const doc of parseAllDocuments(text, { lineCounter, logLevel: "silent" })) {
        try {
          if (doc.toJS() != null) resources++;
        } catch {
          // A broken document (the real-world corpus has some) counts as none.
        }
      }
    }
    return { resources };
  };
}

async function jsyamlContender(dir) {
  const { default: jsyaml } = await import("js-yaml");
  const { readFile } = await import("node:fs/promises");
  return async () => {
    let resources = 0;
    for (const file of yamlFiles(dir)) {
      const text = await readFile(file, "utf8");
      try {
        for (const doc of jsyaml.loadAll(text)) if (doc != null) resources++;
      } catch {
        // js-yaml gives up on the whole file at its first error.
      }
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
      for (const doc of parseAllDocuments(text, { logLevel: "silent" })) {
        let content;
        try {
          content = doc.toJS();
        } catch {
          continue;
        }
        if (!content || typeof content !== "object" || !content.kind) continue;
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

const CONTENDERS = {
  pitfall: (dir) => pitfallContender(dir),
  streamed: (dir) => pitfallContender(dir, "streamed"),
  old: (dir) => pitfallContender(dir, "old"),
  parse: parseContender,
  jsyaml: jsyamlContender,
  monokle: monokleContender,
};
const TIMED = ["parse", "jsyaml", "old", "streamed", "pitfall"];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall time, and CPU time of the process (all its threads, GC and compiler included): the steadier figure. */
async function timed(run) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, ...result };
}

/**
 * Timing child: one contender in a process of its own (no heap or JIT state shared with the others), warmed up
 * on the small corpus and once on the full one, then a timed run on the full corpus each time the parent asks.
 */
async function timingChild(name, dir, warmDir) {
  await (await CONTENDERS[name](warmDir))();
  const run = await CONTENDERS[name](dir);
  await run();
  process.on("message", async () => {
    let result;
    try {
      result = await timed(run);
    } catch (error) {
      result = { ms: Number.NaN, cpuMs: Number.NaN, resources: 0, failed: String(error?.message ?? error) };
    }
    // The parent compares the two paths' reports; it gets them once.
    if (result.json !== undefined && sentJson) delete result.json;
    sentJson = true;
    process.send(result);
  });
  process.send({ ready: true });
}
let sentJson = false;

/**
 * Every contender's child, then rounds in which each runs once in turn, so a busy machine slows them alike and
 * the ratios of a round hold; Monokle, the slow one, runs in the middle round only.
 */
async function timings(dir, warmDir, rounds) {
  const children = {};
  for (const name of Object.keys(CONTENDERS)) {
    const child = fork(fileURLToPath(import.meta.url), ["--timing", name, dir, warmDir], { cwd: root });
    await new Promise((done, fail) => {
      child.once("message", done);
      child.once("exit", (code) => fail(new Error(`${name} timing child exited with ${code}`)));
    });
    children[name] = child;
  }
  const ask = (name) => {
    const child = children[name];
    child.send("run");
    return new Promise((done) => child.once("message", done));
  };
  const out = Object.fromEntries(Object.keys(CONTENDERS).map((name) => [name, []]));
  try {
    for (let i = 0; i < rounds; i++) {
      for (const name of TIMED) out[name].push(await ask(name));
      if (i === Math.floor(rounds / 2)) out.monokle.push(await ask("monokle"));
    }
  } finally {
    for (const child of Object.values(children)) child.kill();
  }
  const summary = {};
  for (const [name, list] of Object.entries(out)) {
    const { json: _json, ...first } = list[0];
    summary[name] = { ...first, ms: median(list.map((r) => r.ms)), cpuMs: median(list.map((r) => r.cpuMs)) };
  }
  // Ratios of paired rounds (the same moment of a busy machine), then their median; wall and CPU time.
  const paired = (a, b, key) => median(out[a].map((r, i) => r[key] / out[b][i][key]));
  summary.ratios = {};
  for (const key of ["ms", "cpuMs"])
    summary.ratios[key] = {
      oldOverNew: paired("old", "pitfall", key),
      oldOverStreamed: paired("old", "streamed", key),
      newOverYaml: paired("pitfall", "parse", key),
      newOverJsyaml: paired("pitfall", "jsyaml", key),
    };
  summary.same = sameFindings(out.pitfall[0].json, out.old[0].json);
  summary.sameStreamed = sameFindings(out.streamed[0].json, out.old[0].json);
  return summary;
}

/** The two paths' JSON reports compared: byte for byte, and finding by finding on what locates it. */
function sameFindings(streamedJson, oldJson) {
  const key = (f) =>
    [f.pitfall, f.object.kind, f.object.namespace ?? "", f.object.name, f.file, f.line, f.column].join(" ");
  const a = JSON.parse(streamedJson).findings.map(key);
  const b = JSON.parse(oldJson).findings.map(key);
  const differ = a.findIndex((k, i) => k !== b[i]);
  return {
    identical: streamedJson === oldJson,
    findings: a.length,
    firstDifference:
      differ < 0 && a.length === b.length ? undefined : { streamed: a[differ] ?? "-", old: b[differ] ?? "-" },
  };
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
const rate = (r) =>
  Number.isNaN(r.ms) ? "-" : `${Math.round(r.resources / (r.ms / 1000)).toLocaleString("en-US")}/s`;

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** One corpus: timings of every contender in one process, peak RSS of each alone (when `memory`), ratios. */
async function benchCorpus(label, dir, warmDir, memory) {
  const files = yamlFiles(dir);
  const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
  console.log(`\n== ${label}: ${files.length} files (${mb(bytes)})`);
  const t = await timings(dir, warmDir, ROUNDS);
  const mem = {};
  if (memory) for (const name of TIMED) mem[name] = childRun(["--memory", name, dir, warmDir]);
  const rows = [
    ["pitfall lint (default; read + engine + JSON)", t.pitfall, mem.pitfall],
    ["pitfall lint, batch by batch (PITFALL_LINT_PATH=streamed)", t.streamed, mem.streamed],
    ["pitfall lint, old whole-snapshot path", t.old, mem.old],
    ["yaml parse with positions + toJS (floor)", t.parse, mem.parse],
    ["js-yaml loadAll (floor)", t.jsyaml, mem.jsyaml],
    ["@monokle/validation (offline plugins)", t.monokle, undefined],
  ];
  printTable(
    ["contender", "wall", "CPU", "resources/s", "peak RSS", "resources", "findings"],
    rows.map(([name, r, m]) => [
      name,
      Number.isNaN(r.ms) ? `failed: ${r.failed}` : `${r.ms.toFixed(0)} ms`,
      Number.isNaN(r.ms) ? "-" : `${r.cpuMs.toFixed(0)} ms`,
      rate(r),
      m ? mb(m.peakRss) : "-",
      String(r.resources),
      r.findings === undefined ? "-" : String(r.findings),
    ]),
  );
  console.log("");
  for (const [key, what] of [
    ["ms", "wall time"],
    ["cpuMs", "CPU time"],
  ]) {
    const r = t.ratios[key];
    // The target is on throughput (resources per second: wall time); CPU time adds V8's helper threads.
    const met = r.oldOverNew >= TARGET_SPEEDUP ? "met" : "NOT met";
    const label = key === "ms" ? `target >= ${TARGET_SPEEDUP}x: ${met}` : "V8's helper threads included";
    console.log(
      `${what}: old path / default ${r.oldOverNew.toFixed(2)}x (${label}); old path / batch by batch ${r.oldOverStreamed.toFixed(2)}x; default / yaml floor ${r.newOverYaml.toFixed(2)}x; default / js-yaml floor ${r.newOverJsyaml.toFixed(2)}x`,
    );
  }
  if (!Number.isNaN(t.monokle.ms))
    console.log(
      `monokle / default: ${(t.monokle.ms / t.pitfall.ms).toFixed(1)}x wall  (monokle ran ${t.monokle.plugins} bundled plugins)`,
    );
  for (const [name, same] of [
    ["default", t.same],
    ["batch by batch", t.sameStreamed],
  ]) {
    const r = name === "default" ? t.pitfall : t.streamed;
    if (same.firstDifference || r.resources !== t.old.resources)
      console.log(
        `DIFFERENT findings: ${name} ${r.resources} resources, old ${t.old.resources}; first difference (pitfall kind namespace name file line column): ${name} ${same.firstDifference?.streamed}, old ${same.firstDifference?.old}`,
      );
    else
      console.log(
        `same findings, ${name} and old path: ${same.findings} (pitfall, object, file, line, column each equal); the JSON reports ${same.identical ? "byte-identical" : "differ elsewhere"}`,
      );
  }
}

async function parent() {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-lint-"));
  const warmDir = mkdtempSync(join(tmpdir(), "pitfall-bench-warm-"));
  try {
    writeCorpus(dir, RESOURCES, PER_FILE);
    writeCorpus(warmDir, WARM_RESOURCES, PER_FILE);
    console.log(
      `timing: each contender in a process of its own, warmed up (${WARM_RESOURCES} resources, then the corpus once), ${ROUNDS} rounds taking turns (median); monokle once`,
    );
    console.log("memory: each contender alone in its own process (peak RSS, node itself included)");
    await benchCorpus(`generated corpus, ${RESOURCES.toLocaleString("en-US")} resources`, dir, warmDir, true);
    if (existsSync(REAL_WORLD))
      await benchCorpus("real-world corpus (../shared/real-world/manifests)", REAL_WORLD, warmDir, false);
    else console.log(`\nskipped: no real-world corpus at ${REAL_WORLD}`);
    await peerTimes(dir, yamlFiles(dir));
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
  const lint = [join(root, "bin/pitfall.js"), "lint", dir, "--zone", "1", "-o", "json"];
  const commands = [
    ["pitfall lint (CLI process)", process.execPath, lint],
    ["pitfall lint, old path (CLI)", process.execPath, lint, { PITFALL_LINT_PATH: "old" }],
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

function timeCommand(bin, args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, args, {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: "1", ...env },
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
  if (commands.length === 2) {
    console.log("  no peer binary installed (npm run peers:install)");
    return;
  }
  const times = commands.map(() => []);
  const failures = new Map();
  for (let round = 0; round < PEER_ROUNDS; round++)
    commands.forEach(([label, bin, args, env], i) => {
      const r = timeCommand(bin, args, env);
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
  printTable(["contender", "time", "resources/s", "time / pitfall"], rows);
  for (const [label, why] of failures) console.log(`note: ${label} failed in a round: ${why}`);
  console.log(
    "(kube-score checks more than pitfall does and kubeconform validates every field against the schema: the ratios compare whole tools on the same input, not equal work)",
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "--timing") await timingChild(args[0], args[1], args[2]);
else if (mode === "--memory") await memoryChild(args[0], args[1], args[2]);
// `--corpus DIR`: write the corpus and stop, for profiling one contender by hand.
else if (mode === "--corpus") writeCorpus(args[0], RESOURCES, PER_FILE);
else await parent();
