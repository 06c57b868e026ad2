// etcd upgrade path: whether a k3s upgrade moves embedded etcd from 3.5 to 3.6, and what must happen first.
import { compareVersions, isK3sNode, type K8sVersion, parseK8sVersion } from "../k8s/distribution.js";
import { asRecord, asString, metaMap, metaString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import type { SourcedObject } from "../model/snapshot.js";
import { formatMessage } from "../model/finding.js";
import { defineRule, type ReportOf } from "./types.js";

export const ETCD_PITFALL = "etcd-upgrade-path";

/** The only etcd 3.5 release from which 3.6 is safe (the page; etcd.io blog "zombie members", Dec 2025). */
const SAFE_ETCD_35 = "3.5.26";

export interface EtcdRelease {
  /** First k3s release that bundles this etcd, e.g. `v1.34.0` or `v1.33.7+k3s3`. */
  since: string;
  /** The etcd it bundles: a line (`3.6`) or an exact release (`3.5.26`). */
  etcd: string;
  /** Also true of later minor lines; else only of later patches of `since`'s own line. */
  laterLines?: boolean;
  /** Where the fact comes from. */
  source: string;
}

/**
 * Which etcd each k3s release bundles, newest facts first to read. Releases before every entry bundle etcd 3.5
 * older than 3.5.26. Keep this as data: correct it here when the release notes say otherwise.
 */
const K3S_ETCD: readonly EtcdRelease[] = [
  { since: "v1.34.0", etcd: "3.6", laterLines: true, source: "the page: k3s v1.34+ bundles etcd 3.6" },
  // Doubtful boundary: k3s-io/k3s#13493 put etcd v3.5.26 on release-1.33 (merged 2026-01-23); users report
  // v1.33.7+k3s3 running 3.5.26. Earlier 1.33 patches bundle an older 3.5.
  { since: "v1.33.7+k3s3", etcd: SAFE_ETCD_35, source: "k3s-io/k3s#13493 (release-1.33: etcd v3.5.26)" },
];

/** What a k3s release older than every table entry bundles: 3.5 before 3.5.26. */
const ETCD_BEFORE_TABLE = "3.5";

export interface EtcdStep {
  messageId: string;
  data: Record<string, string | number>;
}

/** One release on the way: a minor line (its latest patch) or the target itself, with the etcd it bundles. */
export interface RouteStep {
  version: string;
  etcd: string;
  /** For an intermediate minor: the first patch of that line with the etcd shown (`v1.33.7+k3s3`), when it matters. */
  atLeast?: string;
}

export interface EtcdUpgradePlan {
  /** The upgrade takes embedded etcd from 3.5 to 3.6 on some server. */
  crosses: boolean;
  /** `to` is older than what some node runs: k3s (and etcd) do not go back. */
  downgrade?: { node: string; version: string };
  /** Every release in turn from the oldest node to `to`, one minor at a time (the target last). */
  route: RouteStep[];
  /** The k3s versions the nodes run now, oldest first. */
  from: string[];
  to: string;
  steps: EtcdStep[];
}

/** The etcd a k3s release bundles, by the table; undefined for a version that does not parse. */
export function etcdOfK3s(
  version: string | K8sVersion,
  table: readonly EtcdRelease[] = K3S_ETCD,
): string | undefined {
  const v = typeof version === "string" ? parseK8sVersion(version) : version;
  if (!v) return undefined;
  let best: { entry: EtcdRelease; since: K8sVersion } | undefined;
  for (const entry of table) {
    const since = parseK8sVersion(entry.since);
    if (!since || (compareVersions(v, since) ?? -1) < 0) continue;
    if (!entry.laterLines && (since.major !== v.major || since.minor !== v.minor)) continue;
    if (!best || (compareVersions(since, best.since) ?? 0) > 0) best = { entry, since };
  }
  return best?.entry.etcd ?? ETCD_BEFORE_TABLE;
}

/** `3.5` of `3.5.26`. */
function etcdLine(etcd: string): string {
  return etcd.split(".").slice(0, 2).join(".");
}

/** Numeric comparison of dotted etcd versions; a missing part counts as lower (`3.5` < `3.5.26`). */
function compareEtcd(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

export interface NodeEtcd {
  node: KubeObject;
  name: string;
  k3s: string;
  etcd: string;
}

/** k3s nodes with their bundled etcd; `etcdMembers` are the ones labelled with the etcd role. */
export function nodesEtcd(
  nodes: readonly KubeObject[],
  table: readonly EtcdRelease[] = K3S_ETCD,
): { all: NodeEtcd[]; etcdMembers: NodeEtcd[] } {
  const all: NodeEtcd[] = [];
  for (const node of Array.isArray(nodes) ? nodes : []) {
    if (!isK3sNode(node)) continue;
    const k3s = asString(asRecord(asRecord(node.status)?.nodeInfo)?.kubeletVersion)?.trim();
    const etcd = k3s ? etcdOfK3s(k3s, table) : undefined;
    if (!k3s || !etcd) continue;
    all.push({ node, name: metaString(node, "name") ?? "", k3s, etcd });
  }
  const etcdMembers = all.filter((n) => metaMap(n.node, "labels")["node-role.kubernetes.io/etcd"] === "true");
  return { all, etcdMembers };
}

/** Nodes whose etcd goes from 3.5 to 3.6 (or later) by upgrading to a release bundling `toEtcd`. */
function crossingNodes(nodes: readonly NodeEtcd[], toEtcd: string): NodeEtcd[] {
  if (compareEtcd(etcdLine(toEtcd), "3.6") < 0) return [];
  return nodes.filter((n) => etcdLine(n.etcd) === "3.5");
}

function safeRelease(table: readonly EtcdRelease[]): string | undefined {
  return table.find((e) => etcdLine(e.etcd) === "3.5" && compareEtcd(e.etcd, SAFE_ETCD_35) >= 0)?.since;
}

/**
 * What upgrading the nodes' k3s to `to` means for etcd: whether it crosses 3.5 → 3.6 and the steps to take
 * before (etcd at v3.5.26 and healthy, a backup) and the upgrade itself.
 */
export function planEtcdUpgrade(
  nodes: KubeObject[],
  to: string,
  table: readonly EtcdRelease[] = K3S_ETCD,
): EtcdUpgradePlan {
  const { all, etcdMembers } = nodesEtcd(nodes, table);
  const from = [...new Set(all.map((n) => n.k3s))].sort(
    (a, b) => compareVersions(a, b) ?? a.localeCompare(b),
  );
  const plan: EtcdUpgradePlan = { crosses: false, from, to, route: [], steps: [] };
  const toEtcd = etcdOfK3s(to, table);
  const target = parseK8sVersion(to);
  if (!toEtcd || !target) {
    plan.steps.push({ messageId: "invalid-target", data: { to } });
    return plan;
  }
  if (!all.length) {
    plan.steps.push({ messageId: "no-k3s-nodes", data: { to } });
    return plan;
  }
  const newer = all.find((n) => isDowngrade(n.k3s, target));
  if (newer) {
    plan.downgrade = { node: newer.name, version: newer.k3s };
    plan.steps.push({ messageId: "downgrade", data: { node: newer.name, version: newer.k3s, to } });
    return plan;
  }
  plan.route = routeOf(from[0]!, target, toEtcd, table);
  const hops = plan.route.length - 1;
  if (hops > 0) return plannedRoute(plan, { all, etcdMembers, from, to, toEtcd, table });
  // Only servers with the etcd role run etcd; without the label anywhere, every node is counted.
  const members = etcdMembers.length ? etcdMembers : all;
  const crossing = crossingNodes(members, toEtcd);
  if (!crossing.length) {
    plan.steps.push({ messageId: "no-etcd-change", data: { from: from.join(", "), to, etcd: toEtcd } });
    return plan;
  }
  plan.crosses = true;
  if (!etcdMembers.length) plan.steps.push({ messageId: "datastore-check", data: {} });
  const behind = crossing.filter((n) => compareEtcd(n.etcd, SAFE_ETCD_35) < 0);
  if (behind.length) {
    plan.steps.push({
      messageId: "upgrade-etcd-first",
      data: {
        nodes: behind.map((n) => n.name).join(", "),
        from: [...new Set(behind.map((n) => n.k3s))].join(", "),
        safe: SAFE_ETCD_35,
        release: safeRelease(table) ?? "a release that bundles it",
      },
    });
  } else {
    plan.steps.push({
      messageId: "etcd-ready",
      data: { nodes: crossing.map((n) => n.name).join(", "), safe: SAFE_ETCD_35 },
    });
  }
  plan.steps.push({ messageId: "backup-etcd", data: {} });
  plan.steps.push({ messageId: "upgrade-k3s", data: { to, etcd: toEtcd } });
  return plan;
}

/** `to` is older than `node`'s version: a lower minor, or a lower patch given on the same line. */
function isDowngrade(node: string, to: K8sVersion): boolean {
  const v = parseK8sVersion(node);
  if (!v || v.major !== to.major) return false;
  if (to.minor !== v.minor) return to.minor < v.minor;
  return to.patch !== undefined && (compareVersions(to, v) ?? 0) < 0;
}

/**
 * The releases from `from` to `to`, one minor version at a time as Kubernetes' version skew policy wants: each
 * intermediate line at its latest patch (the first patch that bundles its etcd named when the line has one), then
 * the target. Just the target when it is at most one minor away.
 */
export function routeOf(
  from: string,
  to: K8sVersion,
  toEtcd: string,
  table: readonly EtcdRelease[] = K3S_ETCD,
): RouteStep[] {
  const start = parseK8sVersion(from);
  const route: RouteStep[] = [];
  if (start && start.major === to.major)
    for (let minor = start.minor + 1; minor < to.minor; minor++) {
      // The line's latest patch: later than any patch the table names.
      const latest = parseK8sVersion(`v${to.major}.${minor}.9999+k3s99`)!;
      const step: RouteStep = {
        version: `v${to.major}.${minor}`,
        etcd: etcdOfK3s(latest, table) ?? ETCD_BEFORE_TABLE,
      };
      const sameLine = table.find((e) => {
        const v = parseK8sVersion(e.since);
        return v?.major === to.major && v.minor === minor && !e.laterLines;
      });
      if (sameLine) step.atLeast = sameLine.since;
      route.push(step);
    }
  route.push({ version: to.text, etcd: toEtcd });
  return route;
}

/**
 * A jump of more than one minor: each release in turn, with the etcd steps (v3.5.26, healthy members, a backup)
 * before the hop that takes etcd from 3.5 to 3.6.
 */
function plannedRoute(
  plan: EtcdUpgradePlan,
  o: {
    all: NodeEtcd[];
    etcdMembers: NodeEtcd[];
    from: string[];
    to: string;
    toEtcd: string;
    table: readonly EtcdRelease[];
  },
): EtcdUpgradePlan {
  const members = o.etcdMembers.length ? o.etcdMembers : o.all;
  plan.crosses = crossingNodes(members, o.toEtcd).length > 0;
  const between = plan.route.slice(0, -1);
  plan.steps.push({
    messageId: "skew-policy",
    data: {
      from: o.from.join(", "),
      to: o.to,
      minors: between.map((r) => r.version).join(", "),
      count: between.length,
    },
  });
  if (plan.crosses && !o.etcdMembers.length) plan.steps.push({ messageId: "datastore-check", data: {} });
  let line = etcdLine(members.map((n) => n.etcd).sort(compareEtcd)[0] ?? ETCD_BEFORE_TABLE);
  let etcd = members.map((n) => n.etcd).sort(compareEtcd)[0] ?? ETCD_BEFORE_TABLE;
  for (const [i, hop] of plan.route.entries()) {
    if (line === "3.5" && compareEtcd(etcdLine(hop.etcd), "3.6") >= 0) {
      // The hop to etcd 3.6: only from v3.5.26, healthy, and after a backup.
      plan.steps.push(
        compareEtcd(etcd, SAFE_ETCD_35) >= 0
          ? {
              messageId: "etcd-ready",
              data: { nodes: members.map((n) => n.name).join(", "), safe: SAFE_ETCD_35 },
            }
          : {
              messageId: "upgrade-etcd-first",
              data: {
                nodes: members.map((n) => n.name).join(", "),
                from: [...new Set(members.map((n) => n.k3s))].join(", "),
                safe: SAFE_ETCD_35,
                release: safeRelease(o.table) ?? "a release that bundles it",
              },
            },
      );
      plan.steps.push({ messageId: "backup-etcd", data: {} });
    }
    const last = i === plan.route.length - 1;
    plan.steps.push(
      last
        ? { messageId: "upgrade-k3s", data: { to: hop.version, etcd: hop.etcd } }
        : {
            messageId: "upgrade-minor",
            data: {
              version: hop.version,
              patch: hop.atLeast ? `its latest patch, ${hop.atLeast} or later` : "its latest patch",
              etcd: hop.etcd,
            },
          },
    );
    line = etcdLine(hop.etcd);
    etcd = hop.etcd;
  }
  return plan;
}

/** Templates of the plan's steps, by message id (`upgrade-check` prints the steps with these and `formatMessage`). */
export const ETCD_STEP_MESSAGES: Record<string, string> = {
  "invalid-target": "{{to}} is not a version; give one like v1.34.1+k3s1",
  "no-k3s-nodes": "no node runs k3s, so the k3s etcd upgrade path does not apply to {{to}}",
  "no-etcd-change": "k3s {{from}} → {{to}} keeps etcd on {{etcd}}: no etcd step is needed",
  "datastore-check":
    "no node has the etcd role (node-role.kubernetes.io/etcd): if the servers use SQLite or an external datastore, the etcd steps do not apply; check before skipping them",
  "upgrade-etcd-first":
    "first move {{nodes}} (k3s {{from}}) to a k3s release with etcd v{{safe}} ({{release}} or a later patch of that line) and wait until every etcd member is healthy",
  "etcd-ready": "{{nodes}} already run etcd v{{safe}} or later; confirm every etcd member is healthy",
  "backup-etcd":
    "back up etcd before the upgrade: k3s etcd-snapshot save on a server, then copy the snapshot off the node",
  "upgrade-k3s": "then upgrade k3s to {{to}} (etcd {{etcd}}), one server at a time",
  downgrade:
    "node {{node}} runs k3s {{version}}, newer than {{to}}: k3s does not downgrade (etcd's data does not go back); restore an etcd snapshot taken before the upgrade instead",
  "skew-policy":
    "k3s {{from}} → {{to}} skips {{count}} minor version(s) ({{minors}}): Kubernetes' version skew policy allows one minor version at a time, so apply each in turn",
  "upgrade-minor":
    "upgrade k3s to {{version}} ({{patch}}; etcd {{etcd}}), one server at a time, and wait until every node is Ready",
};

const MESSAGES = {
  "upgrade-risk":
    "node {{node}} runs k3s {{version}} with etcd {{etcd}}; upgrading to {{to}} moves it to etcd {{toEtcd}}, which is safe only from etcd v{{safe}} and after a backup",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const etcdUpgradeRule = defineRule({
  meta: {
    id: "etcd-upgrade",
    pitfall: ETCD_PITFALL,
    runs: ["live"],
    distribution: "k3s",
    description:
      "With a planned upgrade target (upgrade-check --to), the k3s servers whose embedded etcd would go from 3.5 to 3.6 without the v3.5.26 step.",
    looksAt:
      "Node status.nodeInfo.kubeletVersion, node-role.kubernetes.io/etcd; the k3s → etcd release table",
    kinds: ["Node"],
    messages: MESSAGES,
  },
  checkAll(ctx) {
    const to = ctx.target.upgradeTo;
    if (!to) return [];
    const nodes = ctx.lookup.byKind("Node");
    const plan = planEtcdUpgrade(
      nodes.map((n) => n.object),
      to,
    );
    if (!plan.crosses) return [];
    const toEtcd = etcdOfK3s(to) ?? "";
    const { all, etcdMembers } = nodesEtcd(nodes.map((n) => n.object));
    const out: (Reported & { object: SourcedObject })[] = [];
    for (const n of crossingNodes(etcdMembers.length ? etcdMembers : all, toEtcd)) {
      const object = nodes.find((o) => o.object === n.node);
      if (!object) continue;
      out.push({
        messageId: "upgrade-risk",
        data: { node: n.name, version: n.k3s, etcd: n.etcd, to, toEtcd, safe: SAFE_ETCD_35 },
        path: ["status", "nodeInfo", "kubeletVersion"],
        evidence: [
          {
            kind: "status",
            text: `kubeletVersion ${n.k3s}: bundles etcd ${compareEtcd(n.etcd, SAFE_ETCD_35) < 0 ? `${n.etcd} (before v${SAFE_ETCD_35})` : n.etcd}`,
            source: "status.nodeInfo.kubeletVersion",
          },
          {
            kind: "status",
            text: `target ${to} bundles etcd ${toEtcd}`,
            source: "k3s release table (etcd-upgrade.ts)",
          },
          ...plan.steps.map((s) => ({
            kind: "status",
            text: formatMessage(ETCD_STEP_MESSAGES[s.messageId] ?? s.messageId, s.data),
            source: "upgrade plan",
          })),
        ],
        object,
      });
    }
    return out;
  },
});
