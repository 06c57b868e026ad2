// Whether a k3s upgrade crosses etcd 3.5 → 3.6 and what must happen first, with the page's etcd-upgrade-path steps.
// Reads only the nodes (a dump's, or one list call to the cluster). Used by `pitfall upgrade-check` and MCP.
import type { KnowledgeBase } from "../kb/load.js";
import type { KubeAccess } from "../sources/kubeconfig.js";
import type { Severity } from "../model/severity.js";
import { type StepKind, formatMessage } from "../model/finding.js";
import type { KubeObject } from "../model/kube.js";
import type { Paint } from "../report/types.js";
import {
  ETCD_PITFALL,
  ETCD_STEP_MESSAGES,
  etcdOfK3s,
  nodesEtcd,
  planEtcdUpgrade,
  type RouteStep,
} from "../rules/etcd-upgrade.js";

export interface NodeSource extends KubeAccess {
  cwd: string;
  /** Dump files or folders; when given, no cluster is read. */
  from?: string[];
  context?: string;
  timeoutMs?: number;
  /** Stops reading a dump (a walk of a big folder). */
  signal?: AbortSignal;
}

export interface UpgradeCheck {
  to: string;
  /** The k3s versions the nodes run, oldest first. */
  from: string[];
  /** `needs-steps`: the upgrade crosses etcd 3.5 → 3.6; `safe`: etcd stays on its line; `not-k3s`: no k3s node. */
  verdict: "needs-steps" | "safe" | "not-k3s";
  nodes: { name: string; k3s: string; etcd: string; etcdMember: boolean }[];
  /** The plan, as sentences, in order. */
  plan: { messageId: string; text: string }[];
  /** Each release in turn from the oldest node to `to`, one minor at a time, with the etcd it bundles. */
  route: RouteStep[];
  /** The loaded page's entry for the etcd upgrade path, when it has one. */
  pitfall?: { id: string; title: string; severity: Severity; steps: { kind: StepKind; text: string }[] };
  context?: string;
}

/** `--to` is not a k3s version. */
export class UpgradeTargetError extends Error {
  override name = "UpgradeTargetError";
}

export function checkUpgrade(nodes: KubeObject[], to: string, kb: KnowledgeBase): UpgradeCheck {
  if (!etcdOfK3s(to))
    throw new UpgradeTargetError(`'${to}' is not a k3s version: write one like v1.34.1+k3s1 (or 1.34)`);
  const plan = planEtcdUpgrade(nodes, to);
  if (plan.downgrade)
    throw new UpgradeTargetError(
      `${to} is a downgrade: node ${plan.downgrade.node} runs ${plan.downgrade.version}. k3s does not downgrade (etcd's data does not go back); restore an etcd snapshot taken before the upgrade instead, or give a version at or above ${plan.downgrade.version}`,
    );
  const { all, etcdMembers } = nodesEtcd(nodes);
  const members = new Set(etcdMembers.map((n) => n.name));
  const check: UpgradeCheck = {
    to,
    from: plan.from,
    verdict: plan.crosses ? "needs-steps" : all.length ? "safe" : "not-k3s",
    nodes: all.map((n) => ({ name: n.name, k3s: n.k3s, etcd: n.etcd, etcdMember: members.has(n.name) })),
    route: plan.route,
    plan: plan.steps.map((s) => ({
      messageId: s.messageId,
      text: formatMessage(ETCD_STEP_MESSAGES[s.messageId] ?? s.messageId, s.data),
    })),
  };
  const p = kb.byId.get(ETCD_PITFALL);
  if (p)
    check.pitfall = {
      id: p.id,
      title: p.title,
      severity: p.severity,
      steps: p.steps.map((s) => ({ kind: s.kind, text: s.text })),
    };
  return check;
}

export function formatUpgradeCheck(u: UpgradeCheck, paint: Paint): string {
  const out: string[] = [];
  const head =
    u.verdict === "needs-steps"
      ? paint("red", `upgrading to ${u.to} crosses etcd 3.5 → 3.6: steps are needed first`)
      : u.verdict === "safe"
        ? paint("green", `upgrading to ${u.to} does not cross etcd 3.5 → 3.6`)
        : `no node runs k3s: the k3s etcd upgrade path does not apply to ${u.to}`;
  out.push(paint("bold", head));
  if (u.nodes.length) {
    out.push("", paint("bold", "Nodes"));
    const width = Math.max(4, ...u.nodes.map((n) => n.name.length));
    for (const n of u.nodes)
      out.push(
        `  ${n.name.padEnd(width)}  ${n.k3s}  etcd ${n.etcd}${n.etcdMember ? paint("dim", "  (etcd member)") : ""}`,
      );
    out.push(`  ${"target".padEnd(width)}  ${u.to}  etcd ${etcdOfK3s(u.to) ?? "?"}`);
  }
  out.push("", paint("bold", "Plan"));
  for (const [i, s] of u.plan.entries()) out.push(`  ${i + 1}. ${s.text}`);
  if (u.pitfall && u.verdict === "needs-steps") {
    out.push(
      "",
      `${paint("bold", u.pitfall.title)} ${paint("dim", `(${u.pitfall.id}, ${u.pitfall.severity})`)}`,
    );
    for (const s of u.pitfall.steps)
      out.push(`  ${paint(s.kind === "RUN" ? "cyan" : "green", `${s.kind}:`)} ${s.text}`);
  }
  return `${out.join("\n")}\n`;
}

/** The nodes of a dump, or of the cluster of a context (one paged list call). */
export async function readNodes(src: NodeSource): Promise<{ nodes: KubeObject[]; context?: string }> {
  if (src.from?.length) {
    const { readDump } = await import("../sources/dump.js");
    const snapshot = await readDump(src.from, {
      cwd: src.cwd,
      ...(src.signal ? { signal: src.signal } : {}),
    });
    const unread = snapshot.diagnostics.filter(
      (d) => d.code === "input-missing" || d.code === "input-unreadable",
    );
    if (unread.length && !snapshot.objects.length) throw new Error(unread.map((d) => d.message).join("; "));
    const out: { nodes: KubeObject[]; context?: string } = {
      nodes: snapshot.objects.map((o) => o.object).filter((o) => o.kind === "Node"),
    };
    if (snapshot.target.context) out.context = snapshot.target.context;
    return out;
  }
  const { kubeAccessOf, loadKubeConfig } = await import("../sources/kubeconfig.js");
  const { createKubeApi } = await import("../sources/kube-api.js");
  const { listPages, NODES, resourcePath, withKind } = await import("../sources/kube-read.js");
  const kc = await loadKubeConfig({ ...kubeAccessOf(src), ...(src.context ? { context: src.context } : {}) });
  const api = await createKubeApi(kc);
  const signal = AbortSignal.timeout(src.timeoutMs ?? 30_000);
  const list = await listPages(
    (path, query) => api.getJson(path, { ...(query ? { query } : {}), signal }),
    resourcePath(NODES),
    { pageSize: 500 },
  );
  return {
    nodes: list.items.map((n) => withKind(NODES, n)).filter((n) => n !== undefined),
    context: kc.getCurrentContext(),
  };
}
