// Conformance: `pitfall lint` (the built CLI in dist/) against the verdicts peers expect on their own
// fixtures, for the checks both sides have: hostNetwork, requests/limits, the latest tag, the pull policy.
// Reads ../shared/peer-fixtures when present (a fresh clone does not have it). Run: npm run build && npm run conformance.
// Then Popeye against the real kube-apiserver on the fixture clusters (bench/conformance-live.ts).
// Exit 0 when every disagreement is a known, written-down one; 1 when one is not (a regression to look at).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compare, pageReason, pitfallVerdicts } from "./peers/compare.mjs";
import { kubeconform, kubeLinter, kubeScore, polaris } from "./peers/run.mjs";
import { installedPeers } from "./peers/versions.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const peers = resolve(root, "../shared/peer-fixtures");
const corpus = resolve(root, "../shared/real-world/manifests");
const LIST_AT_MOST = Number(process.env.LIST_AT_MOST ?? 4);

const PITFALL = {
  hostNetwork: "hostnetwork-causes-port-conflicts",
  "requests/limits": "resource-starvation",
  "latest tag": "image-pull-failures-zone-1",
  "pull policy": "image-pull-failures-zone-1",
};

/** Why our verdict differs on purpose; keyed by a test over the case. */
const DELIBERATE = [
  {
    when: (c) => c.check === "pull policy",
    why: "the page (Image Pull Failures, zone 1) says imagePullPolicy: Always is wrong in a k3s zone with no registry; the peer requires Always (or an unset policy that defaults to it)",
  },
];

// Expected verdicts, re-encoded from each peer's INDEX.md (their test harnesses are not copied).
// `flag`: the peer reports the object; `fields`: for requests/limits, which fields the peer's check is about.
const KUBE_LINTER = [
  ...["Deployment", "DeploymentConfig"].flatMap((kind) => [
    { file: "host-network.yml", check: "hostNetwork", kind, name: "dont-fire", flag: false },
    { file: "host-network.yml", check: "hostNetwork", kind, name: "app", flag: true },
    { file: "latest-tag.yml", check: "latest tag", kind, name: "dont-fire", flag: false },
    { file: "latest-tag.yml", check: "latest tag", kind, name: "app", flag: true },
  ]),
  // The fixtures put `requests:` / `limit:` beside the container, not under `resources:`: no resources at all.
  {
    file: "unset-cpu-requirements.yml",
    check: "requests/limits",
    kind: "Deployment",
    name: "app1",
    flag: true,
    fields: ["requests.cpu"],
  },
  {
    file: "unset-cpu-requirements.yml",
    check: "requests/limits",
    kind: "DeploymentConfig",
    name: "app2",
    flag: true,
    fields: ["requests.cpu"],
  },
  {
    file: "unset-memory-requirements.yml",
    check: "requests/limits",
    kind: "Deployment",
    name: "app1",
    flag: true,
    fields: ["limits.memory"],
  },
  {
    file: "unset-memory-requirements.yml",
    check: "requests/limits",
    kind: "DeploymentConfig",
    name: "app2",
    flag: true,
    fields: ["limits.memory"],
  },
];

const KUBE_SCORE = [
  // Container Resources: CRITICAL or WARNING flag the object, OK does not (default flags: cpu limits required).
  ["pod-test-resources-none.yaml", "requests/limits", "Pod", "pod-test-1", true],
  ["pod-test-resources-only-limits.yaml", "requests/limits", "Pod", "pod-test-1", true],
  ["pod-test-resources-limits-and-requests.yaml", "requests/limits", "Pod", "pod-test-1", false],
  ["pod-test-resources-limits-and-requests-no-cpu-limit.yaml", "requests/limits", "Pod", "pod-test-1", true],
  ["pod-test-resources-no-limits.yaml", "requests/limits", "Pod", "pod-test-1", true],
  ["deployment-test-resources.yaml", "requests/limits", "Deployment", "deployment-test-1", true],
  ["statefulset-test-resources.yaml", "requests/limits", "StatefulSet", "statefulset-test-1", true],
  ["pod-image-tag-latest.yaml", "latest tag", "Pod", "pod-test-1", true],
  ["pod-image-tag-fixed.yaml", "latest tag", "Pod", "pod-test-1", false],
  ["pod-image-pullpolicy-undefined.yaml", "pull policy", "Pod", "pod-test-1", true],
  ["pod-image-pullpolicy-undefined-latest-tag.yaml", "pull policy", "Pod", "pod-test-1", false],
  ["pod-image-pullpolicy-undefined-no-tag.yaml", "pull policy", "Pod", "pod-test-1", false],
  ["pod-image-pullpolicy-never.yaml", "pull policy", "Pod", "pod-test-1", true],
  ["pod-image-pullpolicy-always.yaml", "pull policy", "Pod", "pod-test-1", false],
].map(([file, check, kind, name, flag]) => ({ file, check, kind, name, flag }));

/** Polaris encodes the verdict in the file name: failure* flags, success* does not; mutated* are fix outputs. */
const POLARIS_DIRS = {
  hostNetworkSet: { check: "hostNetwork" },
  cpuRequestsMissing: { check: "requests/limits", fields: ["requests.cpu"] },
  cpuLimitsMissing: { check: "requests/limits", fields: ["limits.cpu"] },
  memoryRequestsMissing: { check: "requests/limits", fields: ["requests.memory"] },
  memoryLimitsMissing: { check: "requests/limits", fields: ["limits.memory"] },
  tagNotSpecified: { check: "latest tag" },
  pullPolicyNotAlways: { check: "pull policy" },
};

function polarisCases(dir) {
  const out = [];
  for (const [sub, spec] of Object.entries(POLARIS_DIRS)) {
    const folder = join(dir, sub);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).sort()) {
      const flag = name.startsWith("failure") ? true : name.startsWith("success") ? false : undefined;
      if (flag === undefined) continue;
      // Each of these files holds one pod-running object; it is matched by file alone.
      out.push({
        file: `${sub}/${name}`,
        check: spec.check,
        flag,
        ...(spec.fields ? { fields: spec.fields } : {}),
      });
    }
  }
  return out;
}

async function loadCli() {
  const entry = join(root, "dist/cli/main.js");
  if (!existsSync(entry)) {
    console.error("conformance: dist/ is missing; run `npm run build` first");
    process.exit(2);
  }
  return (await import(pathToFileURL(entry).href)).main;
}

/** One `pitfall lint --zone 1 -o json` over the files, in-process, through the CLI's own entry point. */
async function lint(main, cwd, files) {
  let out = "";
  let err = "";
  const env = { NO_COLOR: "1" };
  const io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    cwd,
    readStdin: async () => "",
    stdoutIsTTY: false,
    stderrIsTTY: false,
  };
  const code = await main(["lint", ...files, "--zone", "1", "-o", "json"], env, io);
  if (code === 2) throw new Error(`pitfall lint failed (exit 2): ${err}`);
  return JSON.parse(out);
}

/** Our verdict for one case: a finding of the check's pitfall on the object (and, for resources, on its fields). */
function ourVerdict(c, findings) {
  const mine = findings.filter(
    (f) =>
      f.file === c.file &&
      f.pitfall === PITFALL[c.check] &&
      (c.kind === undefined || f.object.kind === c.kind) &&
      (c.name === undefined || f.object.name === c.name),
  );
  if (!c.fields) return mine.length > 0;
  const missing = mine.flatMap((f) => (f.evidence ?? []).map((e) => e.text)).join(" ");
  return c.fields.some((field) => missing.includes(field));
}

function pct(a, b) {
  return b ? `${Math.round((a / b) * 100)}%` : "-";
}

async function main() {
  if (!existsSync(peers)) {
    console.log(
      `conformance: ${relative(root, peers)} is not here (a fresh clone has no peer fixtures); nothing to compare.`,
    );
    return 0;
  }
  const cli = await loadCli();
  const suites = [
    { peer: "kube-linter", cases: KUBE_LINTER },
    { peer: "polaris", cases: polarisCases(join(peers, "polaris")) },
    { peer: "kube-score", cases: KUBE_SCORE },
  ];
  const rows = [];
  const disagreements = [];
  const notes = [];
  let unexplained = 0;
  for (const { peer, cases } of suites) {
    const dir = join(peers, peer);
    if (!existsSync(dir) || !cases.length) continue;
    const files = [...new Set(cases.map((c) => c.file))].filter((f) => existsSync(join(dir, f)));
    const report = await lint(cli, dir, files);
    const byCheck = new Map();
    for (const c of cases) {
      if (!files.includes(c.file)) continue;
      const ours = ourVerdict(c, report.findings);
      const agree = ours === c.flag;
      const stat = byCheck.get(c.check) ?? { agree: 0, total: 0, deliberate: 0 };
      stat.total++;
      if (agree) {
        stat.agree++;
        // Both flag an unset policy on an untagged image: the peer because it is not Always, the page because it defaults to Always.
        if (c.check === "pull policy" && c.flag)
          notes.push(
            `  ${peer} · ${c.check} · ${c.file}: both flag it, for opposite reasons (the unset policy defaults to Always)`,
          );
      } else {
        const why = DELIBERATE.find((d) => d.when(c))?.why ?? pageReason(dir, c);
        if (why) stat.deliberate++;
        else unexplained++;
        const what = c.kind ? `${c.kind}/${c.name}` : "";
        disagreements.push(
          `  ${peer} · ${c.check} · ${c.file}${what ? ` ${what}` : ""}: peer ${c.flag ? "flags" : "passes"}, pitfall ${ours ? "flags" : "passes"}\n` +
            `      ${why ? `deliberate: ${why}` : "NOT EXPLAINED: look at this one"}`,
        );
      }
      byCheck.set(c.check, stat);
    }
    for (const [check, s] of byCheck) rows.push({ peer, check, ...s });
  }

  console.log("pitfall lint --zone 1 against the peers' expected verdicts (overlapping checks only)\n");
  const header = ["peer", "check", "agree/total", "ratio", "deliberate", "agree or deliberate"];
  const table = rows.map((r) => [
    r.peer,
    r.check,
    `${r.agree}/${r.total}`,
    pct(r.agree, r.total),
    String(r.deliberate),
    pct(r.agree + r.deliberate, r.total),
  ]);
  const sum = rows.reduce(
    (a, r) => ({
      agree: a.agree + r.agree,
      total: a.total + r.total,
      deliberate: a.deliberate + r.deliberate,
    }),
    {
      agree: 0,
      total: 0,
      deliberate: 0,
    },
  );
  table.push([
    "all",
    "",
    `${sum.agree}/${sum.total}`,
    pct(sum.agree, sum.total),
    String(sum.deliberate),
    pct(sum.agree + sum.deliberate, sum.total),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of table) console.log(line(r));
  if (disagreements.length) {
    console.log(`\ndisagreements (${disagreements.length}):`);
    for (const d of disagreements) console.log(d);
  }
  if (notes.length) {
    console.log(`\nagreements on the verdict only (${notes.length}):`);
    for (const n of notes) console.log(n);
  }
  console.log(
    unexplained
      ? `\n${unexplained} disagreement(s) not explained: either a regression or a new deliberate choice to write down here.`
      : "\nevery disagreement is a deliberate one.",
  );
  const peerUnexplained = await realPeers(cli);
  return unexplained || peerUnexplained ? 1 : 0;
}

function manifestFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...manifestFiles(p));
    else if (/\.(ya?ml|json)$/.test(name) && name !== "INDEX.md") out.push(p);
  }
  return out;
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

/**
 * The peers' own binaries (npm run peers:install) on the peer fixtures and the real-world corpus, next to pitfall
 * on the same files: verdicts per object and check, each disagreement with the page's reason. Returns how many
 * disagreements no reason explains.
 */
async function realPeers(cli) {
  console.log("\n\nthe peers' own binaries on the same files (pitfall lint --zone 1), per object and check");
  const { found, missing } = installedPeers();
  for (const m of missing) console.log(`  skipped: ${m}`);
  const sets = [
    {
      name: "peer fixtures",
      base: peers,
      files: ["kube-score", "kube-linter", "polaris"].flatMap((d) =>
        existsSync(join(peers, d)) ? manifestFiles(join(peers, d)) : [],
      ),
    },
    ...(existsSync(corpus)
      ? [{ name: "real-world corpus", base: corpus, files: manifestFiles(corpus) }]
      : []),
  ];
  let unexplained = 0;
  for (const set of sets) {
    const rel = (f) => relative(set.base, resolve(set.base, f));
    const report = await lint(cli, set.base, set.files.map(rel));
    const ours = pitfallVerdicts(report, rel);
    console.log(
      `\n${set.name}: ${set.files.length} files, pitfall reads all but ${ours.invalid.size} (input errors)`,
    );
    const results = [
      ["kube-score", found["kube-score"] && kubeScore(set.files, set.base)],
      ["kube-linter", found["kube-linter"] && kubeLinter(set.files, set.base)],
      ["polaris", found.polaris && polaris(set.base, set.base)],
    ].filter(([, r]) => r);
    const rows = [];
    const all = [];
    for (const [peer, result] of results) {
      const { rows: byCheck, disagreements } = compare(peer, result, ours, set.base);
      for (const [check, r] of byCheck)
        rows.push([
          peer,
          check,
          r.both + r.neither + r.peerOnly + r.pitfallOnly,
          r.both,
          r.neither,
          r.peerOnly,
          r.pitfallOnly,
          r.deliberate,
          r.unexplained,
        ]);
      all.push(...disagreements);
      if (result.invalid?.size) {
        const both = [...result.invalid.keys()].filter((f) => ours.invalid.has(f)).length;
        console.log(
          `  ${peer}: cannot parse ${result.invalid.size} file(s); pitfall reports input errors in ${both} of them`,
        );
      }
    }
    const kc = found.kubeconform && kubeconform(set.files, set.base);
    if (kc?.skipped) console.log(`  kubeconform: skipped, ${kc.skipped}`);
    else if (kc) {
      // Validity per file: kubeconform's errors (unparsable) and invalid (schema) against pitfall's input errors.
      const bad = new Map();
      for (const r of kc.resources)
        if (r.status === "error" || r.status === "invalid") bad.set(r.file, bad.get(r.file) ?? r);
      const files = set.files.map(rel);
      const row = { both: 0, neither: 0, peerOnly: 0, pitfallOnly: 0, deliberate: 0, unexplained: 0 };
      for (const f of files) {
        const peerBad = bad.has(f);
        const mine = ours.invalid.has(f);
        if (peerBad && mine) row.both++;
        else if (!peerBad && !mine) row.neither++;
        else {
          const r = bad.get(f);
          const reason =
            peerBad && r.status === "invalid"
              ? "schema validation is not a pitfall: pitfall reads what it needs and leaves the API schema to kubeconform or `kubectl apply --dry-run=server`"
              : peerBad && /unknown escape character/.test(r.msg)
                ? "a known gap: kubectl's decoder (go-yaml, YAML 1.1) refuses `\\/` in a double-quoted string, which YAML 1.2 reads as `/`; pitfall reads it as YAML 1.2 does and says nothing"
                : peerBad && /missing 'kind' key/.test(r.msg)
                  ? "not a Kubernetes object (no kind: an app config or a Prometheus rules file): pitfall leaves documents without a kind alone"
                  : undefined;
          if (peerBad) row.peerOnly++;
          else row.pitfallOnly++;
          if (reason) row.deliberate++;
          else row.unexplained++;
          all.push({
            peer: "kubeconform",
            file: f,
            kind: r?.kind ?? "",
            name: r?.name ?? "",
            check: "valid input",
            flag: peerBad,
            pitfall: mine,
            reason,
            detail: peerBad
              ? [r.msg, ...r.errors].filter(Boolean).join("; ").slice(0, 160)
              : "pitfall reports an input error",
          });
        }
      }
      rows.push([
        "kubeconform",
        "valid input (per file)",
        files.length,
        row.both,
        row.neither,
        row.peerOnly,
        row.pitfallOnly,
        row.deliberate,
        row.unexplained,
      ]);
    }
    if (!rows.length) {
      console.log("  no peer binary to run");
      continue;
    }
    printTable(
      [
        "peer",
        "check",
        "compared",
        "both flag",
        "both pass",
        "peer only",
        "pitfall only",
        "deliberate",
        "unexplained",
      ],
      rows,
    );
    // Disagreements grouped by reason, a few examples each.
    const groups = new Map();
    for (const d of all) {
      const k = `${d.peer} · ${d.check} · ${d.reason ? `deliberate: ${d.reason}` : "NOT EXPLAINED: look at these"}`;
      groups.set(k, [...(groups.get(k) ?? []), d]);
    }
    if (groups.size) console.log(`\n  disagreements (${all.length}), by reason:`);
    for (const [k, list] of groups) {
      console.log(`  ${list.length} × ${k}`);
      for (const d of list.slice(0, LIST_AT_MOST))
        console.log(
          `      ${d.file} ${d.kind}/${d.name}: peer ${d.flag ? "flags" : "passes"}, pitfall ${d.pitfall ? "flags" : "passes"}${d.detail ? ` (${d.detail.slice(0, 140)})` : ""}`,
        );
      if (list.length > LIST_AT_MOST) console.log(`      … and ${list.length - LIST_AT_MOST} more`);
    }
    unexplained += all.filter((d) => !d.reason).length;
  }
  return unexplained;
}

/** Popeye against the real API server on the fixture clusters (bench/conformance-live.ts, built with the bench). */
function live() {
  const build = spawnSync("npm", ["run", "-s", "bench:build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) return 1;
  const run = spawnSync(
    process.execPath,
    [join(root, ".pitfall-tmp/bench-build/bench/conformance-live.js")],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  return run.status ?? 1;
}

const fromLint = await main();
process.exitCode = live() || fromLint;
