// lint_manifests: YAML (or JSON) manifests checked against the pitfalls before they are applied.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolContext } from "./context.js";
import { findingsText } from "./render.js";
import { guarded, ToolInputError, toolResult } from "./result.js";

const now = <T>(work: () => T): Promise<T> => Promise.resolve(work());

export function registerLintTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "lint_manifests",
    {
      title: "Manifests: Lint",
      description:
        "Check Kubernetes manifests (YAML or JSON text, several documents allowed, e.g. helm template output) against the team's pitfalls before applying them: hostNetwork, missing requests/limits, imagePullPolicy in zone 1, in-cluster API use on k3s, Redis port, ExternalSecret refresh. Each finding gives the line and column of the offending field and what to change. Give the zone the manifests go to for zone-specific pitfalls.",
      inputSchema: {
        yaml: z
          .string()
          .min(1)
          .max(2_000_000)
          .describe("The manifests as text (over HTTP the server's --max-body bounds the request)"),
        zone: z
          .string()
          .max(20)
          .optional()
          .describe("The zone the manifests are deployed to: '1' (k3s), '2', '3'"),
        filename: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("Name to show in locations (default manifest.yaml)"),
      },
      annotations: {
        title: "Manifests: Lint",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ yaml, zone, filename }) =>
      guarded(async () => {
        const kb = await ctx.kb();
        const lint = await import("../service/lint.js");
        const target = { kb, config: ctx.deps.config, ...(zone ? { zone } : {}) };
        let resolved: ReturnType<typeof lint.lintZone>;
        try {
          resolved = lint.lintZone(target);
        } catch (e) {
          if (e instanceof lint.ZoneError) throw new ToolInputError(e.message);
          throw e;
        }
        const file = filename ?? "manifest.yaml";
        // Parsing and the engine are CPU-bound: over HTTP they wait their turn in the server's lint queue.
        const result = await (ctx.caller.heavy ?? now)(() => lint.lintText(yaml, file, target, resolved));
        const problems = result.input.map(
          (d) => `${d.severity} ${d.file}:${d.line}${d.column ? `:${d.column}` : ""}: ${d.message}`,
        );
        if (!result.objects)
          throw new ToolInputError(
            `no Kubernetes objects in the text (each document needs apiVersion and kind)${problems.length ? `:\n${problems.join("\n")}` : ""}`,
          );
        const { jsonFinding } = await import("../report/json.js");
        const head = `${result.objects} objects; ${resolved.zone !== undefined ? `zone ${resolved.zone}` : "no zone (zone-specific pitfalls skipped: give zone)"}`;
        const text = [
          head,
          findingsText(result.findings, kb, 100, "split the manifests", "fix"),
          ...(problems.length ? ["", ...problems] : []),
        ].join("\n");
        return toolResult(text, {
          objects: result.objects,
          ...(resolved.zone !== undefined ? { zone: resolved.zone } : {}),
          findings: result.findings.map(jsonFinding),
          problems: result.input.map((d) => ({
            severity: d.severity,
            line: d.line,
            message: d.message,
          })),
        });
      }),
  );
}
