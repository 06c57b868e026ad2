// The cluster tools: scan a namespace or cluster, explain one object, check a k3s upgrade. All read-only.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { visibleDeep } from "../model/sanitize.js";
import type { Paint } from "../report/types.js";
import type { ToolContext } from "./context.js";
import { findingsText, nothingRead, notReadLines } from "./render.js";
import { guarded, ToolInputError, toolResult } from "./result.js";
import { bounded, nodeSourceOf, scanRequestOf } from "./target.js";

const READ_CLUSTER = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;
const plain: Paint = (_s, t) => t;

const context = z
  .string()
  .min(1)
  .max(253)
  .optional()
  .describe(
    "Kube context of the server's kubeconfig (default: the server's --context, else the current one). Over HTTP, a context other than the server's own needs the server's bearer token; without it the call is refused and nothing is contacted.",
  );
const from = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .describe(
    "Path of a dump (kubectl get -o json files or a folder) on the server, under its working directory or a folder it was started with (--from, --allow-path); over HTTP only with the server's bearer token. The walk stops at the server's --timeout.",
  );
/** What the cluster tools' descriptions say about reach. */
const REACH =
  " Over HTTP (pitfall serve /mcp) without the server's token it reads only the server's own target: `context` must be one of the server's and `from` is refused.";

export function registerClusterTools(server: McpServer, ctx: ToolContext): void {
  registerScanTool(server, ctx);
  registerExplainTool(server, ctx);
  registerUpgradeCheckTool(server, ctx);
}

function registerScanTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "scan",
    {
      title: "Cluster: Scan for pitfalls",
      description:
        "Diagnose a live cluster (or a dump) against the team's pitfalls: crash loops, OOMKilled, image pulls, port conflicts, node pressure, secret sync, ingress backends, in-cluster API access. Returns one block per finding, most severe first: severity, pitfall, object, what is wrong, the evidence (status, events, log lines) and the runbook with RUN commands already filled in for that object, ready to paste. Read-only. Give a namespace to keep it quick on big clusters." +
        REACH,
      inputSchema: {
        namespace: z
          .string()
          .min(1)
          .max(63)
          .optional()
          .describe("Only this namespace (default: all namespaces)"),
        context,
        from,
        max_findings: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe("Most findings to return (default 30)"),
      },
      annotations: { title: "Cluster: Scan for pitfalls", ...READ_CLUSTER },
    },
    (args) =>
      guarded(async () => {
        const req = await scanRequestOf(ctx, args);
        const { scan } = await import("../service/scan.js");
        const report = await bounded(ctx, req.signal, () => scan(req));
        const empty = report.snapshots.every((snap) => !snap.objects.length)
          ? nothingRead(targetName(report.targets), report.incomplete)
          : undefined;
        if (empty) throw new ToolInputError(empty);
        const kb = req.kb;
        // A dump is read whole; the namespace then narrows what is reported.
        const findings =
          args.namespace && req.from
            ? report.findings.filter((f) => f.object.namespace === args.namespace)
            : report.findings;
        const limit = args.max_findings ?? 30;
        const { jsonFinding } = await import("../report/json.js");
        const head = report.targets.map(
          (t) =>
            `${t.kind} ${t.context ?? t.name}${args.namespace ? ` namespace ${args.namespace}` : ""}: ${t.objects} objects; ${t.zone ? `zone ${t.zone}` : "no zone"}${t.distribution ? ` (${t.distribution})` : ""}`,
        );
        const notRead = notReadLines(report.incomplete);
        const unexplained =
          args.namespace && req.from
            ? report.unexplained.filter((u) => u.pod.namespace === args.namespace)
            : report.unexplained;
        const { unexplainedLines } = await import("../report/unexplained.js");
        const failing = unexplainedLines(visibleDeep(unexplained.slice(0, limit)), (_style, t) => t);
        // An unreadable cluster must not look like a clean one.
        const warning = report.incomplete.length
          ? [
              `INCOMPLETE: ${report.incomplete.length} resources could not be read (see the end); findings may be missing`,
            ]
          : [];
        const text = [
          ...warning,
          ...head,
          findingsText(
            findings,
            kb,
            limit,
            args.namespace ? "raise max_findings" : "give a namespace, or raise max_findings",
          ),
          ...(failing.length ? ["", ...failing] : []),
          ...report.grouped.map(
            (g) =>
              `${g.namespace}: ${g.findings} latent risks of a system namespace counted, not listed (${g.pitfalls.join(", ")})`,
          ),
          ...(notRead.length ? ["", ...notRead] : []),
        ].join("\n");
        return toolResult(text, {
          targets: report.targets,
          total: findings.length,
          findings: findings.slice(0, limit).map(jsonFinding),
          unexplained: unexplained.slice(0, limit),
          grouped: report.grouped,
          incomplete: report.incomplete,
          inputErrors: report.errors.filter((d) => d.severity === "error").length,
        });
      }),
  );
}

function registerExplainTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "explain",
    {
      title: "Cluster: Explain one object",
      description:
        "The whole story of one object: status (phase, conditions, each container's state, restarts and last termination), owner chain (Pod → ReplicaSet → Deployment), recent events (newest last), the previous container log tail, and the pitfalls it (or its pods or owners) shows with filled runbooks. Use it on a pod or deployment that scan reported, or that a user asks about. Read-only; reads only the object's namespace." +
        REACH,
      inputSchema: {
        kind: z
          .string()
          .min(1)
          .max(63)
          .describe(
            "pod, deployment, statefulset, daemonset, replicaset, job, cronjob, service, ingress, externalsecret, node (kubectl short names work: po, deploy, sts, ds, ing)",
          ),
        name: z.string().min(1).max(253).describe("The object's name"),
        namespace: z
          .string()
          .min(1)
          .max(63)
          .optional()
          .describe("The object's namespace (required for namespaced kinds on a live cluster)"),
        context,
        from,
      },
      annotations: { title: "Cluster: Explain one object", ...READ_CLUSTER },
    },
    (args) =>
      guarded(async () => {
        const { kindOf, knownKinds } = await import("../service/object-ref.js");
        const kind = kindOf(args.kind);
        if (!kind)
          throw new ToolInputError(`unknown kind '${args.kind}': give one of ${knownKinds().join(", ")}`);
        const namespace = kind.namespaced ? args.namespace : undefined;
        const req = await scanRequestOf(ctx, { ...args, namespace, logs: kind.namespaced });
        if (req.live && kind.namespaced && !namespace)
          throw new ToolInputError(
            `give the ${kind.kind}'s namespace: explain reads one namespace of a live cluster`,
          );
        const { scan } = await import("../service/scan.js");
        const report = await bounded(ctx, req.signal, () => scan(req));
        const snapshot = report.snapshots[0];
        if (!snapshot) throw new ToolInputError("nothing was read from the target");
        const empty = snapshot.objects.length
          ? undefined
          : nothingRead(targetName(report.targets), report.incomplete);
        if (empty) throw new ToolInputError(empty);
        const { explainObject } = await import("../service/explain.js");
        const { formatExplanation } = await import("../report/explain-text.js");
        const zone = report.targets[0]?.zone;
        const e = explainObject({
          snapshot,
          kb: req.kb,
          config: req.config,
          ref: { kind: kind.kind, name: args.name, ...(namespace ? { namespace } : {}) },
          findings: report.findings,
          ...(zone ? { zone } : {}),
        });
        const { jsonFinding } = await import("../report/json.js");
        const notRead = notReadLines(report.incomplete);
        const text =
          formatExplanation(e, plain, (id) => req.kb.byId.get(id)) +
          (notRead.length ? `\n${notRead.join("\n")}\n` : "");
        return toolResult(text, { ...e, findings: e.findings.map(jsonFinding) } as unknown as Record<
          string,
          unknown
        >);
      }),
  );
}

function registerUpgradeCheckTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "upgrade_check",
    {
      title: "Cluster: k3s upgrade check (etcd path)",
      description:
        "Before upgrading k3s: whether going from the nodes' current k3s versions to `to` moves embedded etcd from 3.5 to 3.6, which is only safe from etcd v3.5.26 and after a backup. Returns the verdict (needs-steps / safe / not-k3s), the nodes with their etcd, the ordered plan and the page's etcd-upgrade-path steps. Read-only: lists the nodes." +
        REACH,
      inputSchema: {
        to: z
          .string()
          .min(1)
          .max(64)
          .describe("The k3s version to upgrade to, e.g. 'v1.34.1+k3s1' or '1.34'"),
        context,
        from,
      },
      annotations: { title: "Cluster: k3s upgrade check (etcd path)", ...READ_CLUSTER },
    },
    (args) =>
      guarded(async () => {
        const svc = await import("../service/upgrade-check.js");
        const kb = await ctx.kb();
        svc.checkUpgrade([], args.to, kb);
        const source = await nodeSourceOf(ctx, args);
        const { nodes, context: read } = await bounded(ctx, source.signal, () => svc.readNodes(source));
        if (!nodes.length)
          throw new ToolInputError(
            "the target has no Node objects: upgrade_check needs the nodes' versions (a dump needs kubectl get nodes -o json)",
          );
        const check = svc.checkUpgrade(nodes, args.to, kb);
        if (read) check.context = read;
        const next =
          check.verdict === "needs-steps"
            ? "\nDo not upgrade yet: do the plan's steps first, in order."
            : "\nNo etcd step is needed for this upgrade.";
        return toolResult(
          svc.formatUpgradeCheck(check, plain) + next,
          check as unknown as Record<string, unknown>,
        );
      }),
  );
}

function targetName(targets: { kind: string; name: string; context?: string }[]): string {
  return targets.map((t) => `${t.kind} ${t.context ?? t.name}`).join(", ") || "the target";
}
