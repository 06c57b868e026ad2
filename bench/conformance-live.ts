// The live half of `npm run conformance`: each fixture cluster loaded into the real kube-apiserver (test/cluster),
// then `pitfall scan` and `popeye -A` against it. For the checks both have, verdicts side by side per object (a
// Deployment stands for its ReplicaSets and pods); each disagreement with the reason the page gives, and Popeye's
// own checks the page has no entry for counted apart. Exit 1 when a disagreement has no reason; one line and exit
// 0 when Popeye or the server is not built.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../src/model/kube.js";
import { loadCluster } from "../test/sim/index.js";
import { spawnCollect } from "../test/support/cli.js";
import { harness, type Json, peers, popeyeSections, ROOT } from "./real-server.js";

const FIXTURES = join(ROOT, "test/fixtures/clusters");
const LIST_AT_MOST = Number(process.env.LIST_AT_MOST ?? 4);

interface Ref {
  kind: string;
  namespace?: string;
  name: string;
}
interface PopeyeIssue {
  kind: string;
  key: string;
  level: number;
  code: string;
  message: string;
}
interface PitfallFinding {
  pitfall: string;
  kind?: string;
  object: Ref;
  message: string;
}
interface Scan {
  findings: PitfallFinding[];
  unexplained?: { pod: Ref; reason: string }[];
}
/** One check both tools have: which of Popeye's issues and which of pitfall's findings say it, about what. */
interface Check {
  name: string;
  kinds: string[];
  popeye: (i: PopeyeIssue) => boolean;
  pitfall: (f: PitfallFinding) => boolean;
  /** pitfall's unexplained failures count as its verdict. */
  unexplained?: boolean;
}
interface Case {
  fixture: string;
  check: string;
  unit: string;
  peer: string[];
  ours: string[];
  object?: KubeObject;
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];
const code =
  (...codes: number[]) =>
  (i: PopeyeIssue) =>
    codes.some((c) => i.code === `POP-${c}`);

const CHECKS: Check[] = [
  {
    name: "workload failing now",
    kinds: WORKLOADS,
    // Errors on a pod (waiting, not ready, unhappy phase) and on its controllers (fewer available than desired).
    popeye: (i) => i.level >= 3 && ["Pod", "ReplicaSet", ...WORKLOADS].includes(i.kind),
    // A latent risk (a manifest rule or a risk on a running object) is no failure yet.
    pitfall: (f) => WORKLOADS.includes(f.object.kind) && f.kind !== "latent",
    unexplained: true,
  },
  {
    name: "node short of memory or CPU",
    kinds: ["Node"],
    popeye: (i) => i.kind === "Node" && /insufficient (memory|cpu)/i.test(i.message),
    pitfall: (f) => f.object.kind === "Node" && f.pitfall === "resource-starvation",
  },
  {
    name: "Ingress backend",
    kinds: ["Ingress"],
    popeye: code(1401, 1402),
    pitfall: (f) => f.object.kind === "Ingress" && f.pitfall === "traefik-ingress-not-updating",
  },
  {
    name: "requests and limits",
    kinds: WORKLOADS,
    popeye: code(106, 107),
    pitfall: (f) => f.pitfall === "resource-starvation" && /has no (requests|limits)/.test(f.message),
  },
];

/** Why a verdict differs on purpose: the page's reason, keyed by a test over the case. */
const DELIBERATE: { when: (c: Case) => boolean; why: string }[] = [
  {
    when: (c) => c.peer.length > 0 && annotation(c.object, "pitfall.io/ignore") !== undefined,
    why: "the object carries pitfall.io/ignore: the team said it is known (pitfall lists it under suppressed)",
  },
  {
    when: (c) => c.peer.some((m) => /Pending/.test(m)) && ageMs(c.object) < 5 * 60_000,
    why: "Pending for less than the config's expect.pendingAfter (5m by default): the scheduler may still place it, so pitfall does not call it stuck yet",
  },
  {
    when: (c) =>
      c.peer.some((m) => /\(Failed\)/.test(m)) && /Evicted/.test(JSON.stringify(c.object?.status ?? {})),
    why: "an evicted pod: the page's Resource Starvation entry reports the eviction on its node, where the fix is",
  },
  {
    when: (c) => c.ours.some((m) => /no ready endpoints|which has no ready/.test(m)),
    why: "the Service exists but has no ready endpoints, so Traefik serves 404/503 (the page's entry); Popeye checks only that the backend exists",
  },
  {
    when: (c) => c.ours.some((m) => /was created .* ago: Traefik can take/.test(m)),
    why: "just created: the page says Traefik can take up to 60 s to pick an Ingress up; Popeye has no such wait",
  },
  {
    when: (c) => c.check === "requests and limits" && c.ours.length > 0 && c.peer.length === 0,
    why: "the page asks for limits as well as requests (a pod without limits can take all of a node's memory); Popeye's POP-107 is only info",
  },
];

function annotation(o: KubeObject | undefined, key: string): string | undefined {
  return (o?.metadata?.annotations as Record<string, string> | undefined)?.[key];
}

function ageMs(o: KubeObject | undefined): number {
  const t = Date.parse(String(o?.metadata?.creationTimestamp ?? ""));
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : Date.now() - t;
}

const keyOf = (r: Ref) => `${r.kind}/${r.namespace ? `${r.namespace}/` : ""}${r.name}`;

/** Each object's unit: a pod and a ReplicaSet stand for their top controller, as a user names the workload. */
function unitsOf(objects: readonly KubeObject[]): (ref: Ref) => string {
  const byKey = new Map(objects.map((o) => [keyOf(refOf(o)), o]));
  const up = (ref: Ref, seen = 0): Ref => {
    const owner = (byKey.get(keyOf(ref))?.metadata?.ownerReferences as Ref[] | undefined)?.find(
      (r) => (r as { controller?: boolean }).controller,
    );
    if (!owner || seen > 4) return ref;
    return up({ kind: owner.kind, namespace: ref.namespace, name: owner.name }, seen + 1);
  };
  return (ref) => keyOf(up(ref));
}

function refOf(o: KubeObject): Ref {
  const m = o.metadata ?? {};
  return {
    kind: String(o.kind),
    ...(m.namespace ? { namespace: String(m.namespace) } : {}),
    name: String(m.name),
  };
}

const KIND_OF_SECTION: Record<string, string> = {
  pods: "Pod",
  deployments: "Deployment",
  replicasets: "ReplicaSet",
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  jobs: "Job",
  cronjobs: "CronJob",
  nodes: "Node",
  ingresses: "Ingress",
};

/** Popeye's issues above OK, each with the kind of its section and the object's key ("ns/name" or "name"). */
function popeyeIssues(report: Json | undefined): PopeyeIssue[] {
  const out: PopeyeIssue[] = [];
  for (const s of popeyeSections(report)) {
    const kind = KIND_OF_SECTION[String(s.linter)] ?? String(s.linter);
    for (const [key, list] of Object.entries((s.issues as Json | undefined) ?? {}))
      for (const i of Array.isArray(list) ? (list as Json[]) : []) {
        const message = String(i.message ?? "");
        const level = Number(i.level);
        if (level > 0)
          out.push({ kind, key, level, code: /\[(POP-\d+)\]/.exec(message)?.[1] ?? "", message });
      }
  }
  return out;
}

function popeyeRef(i: PopeyeIssue): Ref {
  const [a, b] = i.key.split("/");
  return b === undefined ? { kind: i.kind, name: a! } : { kind: i.kind, namespace: a!, name: b };
}

/** Both verdicts per unit for each check on one fixture. */
function compareFixture(fixture: string, objects: KubeObject[], scan: Scan, issues: PopeyeIssue[]): Case[] {
  const unitOf = unitsOf(objects);
  const object = new Map(objects.map((o) => [unitOf(refOf(o)), o]));
  const cases: Case[] = [];
  for (const check of CHECKS) {
    const peer = new Map<string, string[]>();
    const ours = new Map<string, string[]>();
    const add = (m: Map<string, string[]>, unit: string, text: string) =>
      m.set(unit, [...(m.get(unit) ?? []), text]);
    for (const i of issues) if (check.popeye(i)) add(peer, unitOf(popeyeRef(i)), i.message);
    for (const f of scan.findings)
      if (check.pitfall(f)) add(ours, unitOf(f.object), `${f.pitfall}: ${f.message}`);
    if (check.unexplained)
      for (const u of scan.unexplained ?? []) add(ours, unitOf(u.pod), `unexplained: ${u.reason}`);
    const units = new Set(
      objects
        .filter((o) => check.kinds.includes(String(o.kind)))
        .map((o) => unitOf(refOf(o)))
        .filter((u) => check.kinds.includes(u.split("/")[0]!)),
    );
    for (const u of [...peer.keys(), ...ours.keys()]) units.add(u);
    for (const unit of [...units].sort())
      cases.push({
        fixture,
        check: check.name,
        unit,
        peer: peer.get(unit) ?? [],
        ours: ours.get(unit) ?? [],
        object: object.get(unit),
      });
  }
  return cases;
}

function printTable(head: string[], rows: (string | number)[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) =>
    `  ${r.map((c, i) => (typeof c === "number" ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join("  ")}`;
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
}

async function scanJson(kubeconfig: string): Promise<Scan> {
  const r = await spawnCollect(
    process.execPath,
    [join(ROOT, "bin/pitfall.js"), "scan", "--kubeconfig", kubeconfig, "--include-system", "-o", "json"],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } },
  );
  try {
    return JSON.parse(r.out) as Scan;
  } catch {
    throw new Error(`pitfall scan printed no JSON (exit ${r.code}): ${r.err.trim().split("\n")[0]}`);
  }
}

async function main(): Promise<number> {
  console.log("\n== Popeye against the real kube-apiserver, on the fixture clusters");
  const p = await peers();
  if (!p.installedPeers().found.popeye) {
    console.log("  skipped: Popeye is not installed (npm run peers:install popeye)");
    return 0;
  }
  const h = await harness();
  const why = h.clusterUnavailable();
  if (why) {
    console.log(`  skipped: ${why}`);
    return 0;
  }
  const cases: Case[] = [];
  const hygiene = new Map<string, number>();
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const now = new Date();
    const fixture = loadCluster(join(FIXTURES, file), { now });
    const cluster = await h.startCluster();
    try {
      await h.loadFixture(cluster, fixture);
      const scan = await scanJson(cluster.kubeconfig);
      const run = p.popeye(cluster.kubeconfig);
      if (!run.report) throw new Error(`popeye: ${run.skipped}`);
      const issues = popeyeIssues(run.report);
      cases.push(...compareFixture(file, fixture.objects, scan, issues));
      for (const i of issues) {
        if (i.level < 2 || CHECKS.some((c) => c.popeye(i))) continue;
        // The message without its code and the object-specific tail: "POP-300 Uses "default" ServiceAccount".
        const label = `${i.code} ${i.message.replace(/^\[POP-\d+\]\s*/, "").replace(/\s*[(:].*$/, "")}`;
        hygiene.set(label, (hygiene.get(label) ?? 0) + 1);
      }
    } finally {
      await cluster.stop();
    }
  }
  return report(cases, hygiene);
}

function report(cases: Case[], hygiene: Map<string, number>): number {
  const rows: (string | number)[][] = [];
  const disagreements: (Case & { why?: string })[] = [];
  for (const check of CHECKS) {
    const of = cases.filter((c) => c.check === check.name);
    const differ = of.filter((c) => c.peer.length > 0 !== c.ours.length > 0);
    const explained = differ.map((c) => ({ ...c, why: DELIBERATE.find((d) => d.when(c))?.why }));
    disagreements.push(...explained);
    rows.push([
      check.name,
      of.length,
      of.filter((c) => c.peer.length && c.ours.length).length,
      of.filter((c) => !c.peer.length && !c.ours.length).length,
      differ.filter((c) => c.peer.length).length,
      differ.filter((c) => c.ours.length).length,
      explained.filter((c) => c.why).length,
      explained.filter((c) => !c.why).length,
    ]);
  }
  printTable(
    [
      "check",
      "compared",
      "both flag",
      "both pass",
      "Popeye only",
      "pitfall only",
      "deliberate",
      "unexplained",
    ],
    rows,
  );
  const groups = new Map<string, typeof disagreements>();
  for (const d of disagreements) {
    const k = `${d.check} · ${d.why ? `deliberate: ${d.why}` : "NOT EXPLAINED: look at these"}`;
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  if (groups.size) console.log(`\n  disagreements (${disagreements.length}), by reason:`);
  for (const [k, list] of groups) {
    console.log(`  ${list.length} × ${k}`);
    for (const d of list.slice(0, LIST_AT_MOST))
      console.log(`      ${d.fixture} ${d.unit}: ${(d.peer[0] ?? d.ours[0] ?? "").slice(0, 140)}`);
    if (list.length > LIST_AT_MOST) console.log(`      … and ${list.length - LIST_AT_MOST} more`);
  }
  console.log(
    "\n  Popeye's warnings the page has no entry for (hygiene, not a failure mode the team hit; pitfall leaves them to Popeye and kube-linter):",
  );
  for (const [k, n] of [...hygiene].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(5)} × ${k}`);
  return disagreements.some((d) => !d.why) ? 1 : 0;
}

process.exitCode = await main();
