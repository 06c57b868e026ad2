// draft_pitfall: a failure that scan lists as unexplained, turned into a page entry (or the ADDED_FROM line for the
// pitfall that explains it). Read-only: it reads the target as scan does, with the same reach, and writes nothing.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { Unexplained } from "../model/unexplained.js";
import type { Paint } from "../report/types.js";
import type { DraftSource } from "../service/draft.js";
import { type DraftPick, UNEXPLAINED_SCHEMA } from "../service/draft-input.js";
import type { ToolContext } from "./context.js";
import { guarded, ToolInputError, toolResult } from "./result.js";
import { bounded, scanRequestOf } from "./target.js";

const plain: Paint = (_s, t) => t;

export function registerDraftPitfallTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "draft_pitfall",
    {
      title: "Pitfalls: Draft an entry from a failure",
      description:
        "Turn a failure that scan lists under `unexplained` (a failing pod no pitfall explains) into a new entry for the team's page, in the page's format: title from the reason, severity from the impact, the observed facts (redacted), IF/THEN, RUN lines with {placeholders}, a DETECT line over the pod's status when one can be written, and ADDED_FROM. It searches the page first: when a pitfall already explains the failure it returns the ADDED_FROM line to record on it instead (action 'record'). Give `failure` (one entry of scan's `unexplained`, as is), or `pod` ('namespace/name') to read the target, or `index` (the Nth unexplained failure of a scan of the target, 1 first). Read-only: pass the returned `draft.markdown` (or `record.entry`) to add_pitfall as `entry` to write it. Over HTTP (pitfall serve /mcp) without the server's token it reads only the server's own target: `context` must be one of the server's and `from` is refused.",
      inputSchema: {
        failure: UNEXPLAINED_SCHEMA.optional().describe(
          "One entry of scan's `unexplained` list, as scan returned it; nothing is read from the cluster then",
        ),
        pod: z
          .string()
          .min(1)
          .max(320)
          .optional()
          .describe("The failing pod, 'namespace/name': the target is scanned (that namespace) for it"),
        container: z.string().min(1).max(253).optional().describe("The failing container, when several fail"),
        index: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .optional()
          .describe("The Nth unexplained failure of a scan of the target (1 is the first)"),
        namespace: z.string().min(1).max(63).optional().describe("With `index`: scan only this namespace"),
        incident: z
          .string()
          .min(1)
          .max(80)
          .optional()
          .describe("ADDED_FROM's incident id (default: <context>-<date>)"),
        context: z
          .string()
          .min(1)
          .max(253)
          .optional()
          .describe("Kube context (default: the server's); another one needs the server's token over HTTP"),
        from: z
          .string()
          .min(1)
          .max(4096)
          .optional()
          .describe(
            "A dump path on the server instead of a cluster (over HTTP only with the server's token)",
          ),
      },
      annotations: {
        title: "Pitfalls: Draft an entry from a failure",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    (args) =>
      guarded(async () => {
        const { DraftInputError, podOf } = await import("../service/draft-input.js");
        const given = [args.failure && "failure", args.pod && "pod", args.index && "index"].filter(Boolean);
        if (given.length !== 1)
          throw new ToolInputError(
            `give one of failure (an entry of scan's unexplained list), pod ('namespace/name') or index${given.length ? ` (given: ${given.join(", ")})` : ""}`,
          );
        let pick: DraftPick;
        let source: DraftSource;
        let signal: AbortSignal | undefined;
        try {
          pick = {
            ...(args.pod ? { pod: podOf(args.pod) } : {}),
            ...(args.index ? { index: args.index } : {}),
            ...(args.container ? { container: args.container } : {}),
          };
          if (args.failure) source = { kind: "failure", failure: args.failure as Unexplained };
          else {
            if (pick.pod && !pick.pod.namespace) throw new ToolInputError("give the pod as 'namespace/name'");
            const request = await scanRequestOf(ctx, {
              context: args.context,
              from: args.from,
              namespace: pick.pod?.namespace ?? args.namespace,
            });
            signal = request.signal;
            source = { kind: "scan", request };
          }
        } catch (e) {
          if (e instanceof DraftInputError) throw new ToolInputError(e.message);
          throw e;
        }
        const { draftPitfall } = await import("../service/draft.js");
        const kb = await ctx.kb();
        const result = await bounded(ctx, signal, () =>
          draftPitfall({ kb, source, pick, ...(args.incident ? { incident: args.incident } : {}) }),
        ).catch((e: unknown) => {
          throw e instanceof DraftInputError ? new ToolInputError(e.message) : e;
        });
        const { draftJson, draftNotes } = await import("../report/draft.js");
        const notes = draftNotes(result, plain, ctx.deps.page).join("\n");
        const body =
          result.action === "draft"
            ? `\n\nThe entry (give it to add_pitfall as \`entry\`):\n\n${result.drafted.markdown}`
            : `\n\nTo record it (add_pitfall with \`entry\`):\n\n${result.record.entry}`;
        return toolResult(notes + body, draftJson(result));
      }),
  );
}
