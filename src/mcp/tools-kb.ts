// The knowledge-base tools: search, show and list pitfalls, and add one to the team's page.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { SEVERITIES, type Severity } from "../model/severity.js";
import { STEP_KINDS } from "../model/finding.js";
import type { ToolContext } from "./context.js";
import { pitfallSummary, zonesOf } from "../kb/summary.js";
import { pitfallLine } from "./render.js";
import { registerDraftPitfallTool } from "./tools-draft.js";
import { guarded, ToolInputError, toolResult } from "./result.js";

const READ_LOCAL = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

export function registerKbTools(server: McpServer, ctx: ToolContext): void {
  registerSearchPitfallsTool(server, ctx);
  registerShowPitfallTool(server, ctx);
  registerListPitfallsTool(server, ctx);
  registerDraftPitfallTool(server, ctx);
  // --read-only: the one tool that writes is not offered at all.
  if (ctx.deps.readOnly) return;
  registerAddPitfallTool(server, ctx);
}

function registerSearchPitfallsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "search_pitfalls",
    {
      title: "Pitfalls: Search",
      description:
        "Search the team's Kubernetes pitfalls page by symptom, error text or keyword (e.g. 'exit code 137', 'ImagePullBackOff zone 1', 'connection refused 10.43.0.1'). Returns the best-matching pitfalls, best first, with id, severity and zone. Call show_pitfall with an id for its full runbook. Use this before debugging a cluster problem by hand: the team has likely met it before.",
      inputSchema: {
        query: z
          .string()
          .min(1)
          .max(2000)
          .describe("Symptom, error message or keywords, e.g. 'OOMKilled exit code 137'"),
        zone: z
          .string()
          .max(20)
          .optional()
          .describe("Only pitfalls that apply to this zone: '1' (k3s), '2', '3' or 'ALL'"),
        limit: z.number().int().min(1).max(50).optional().describe("Most hits to return (default 5)"),
      },
      annotations: { title: "Pitfalls: Search", ...READ_LOCAL },
    },
    ({ query, zone, limit }) =>
      guarded(async () => {
        const kb = await ctx.kb();
        const { buildSearchIndex, searchPitfalls } = await import("../kb/search.js");
        const hits = searchPitfalls(buildSearchIndex(kb.pitfalls), query, {
          ...(zone ? { zone } : {}),
          limit: limit ?? 5,
        });
        const rows = hits.map((h) => ({ ...pitfallSummary(kb.byId.get(h.id)!), score: h.score }));
        const text = rows.length
          ? rows.map((r, i) => `${i + 1}. ${pitfallLine(kb.byId.get(r.id)!)}  score ${r.score}`).join("\n") +
            "\n\nCall show_pitfall with an id for its steps."
          : `no pitfall matches "${query}". Try other words from the error message, or list_pitfalls to see them all.`;
        return toolResult(text, { query, hits: rows });
      }),
  );
}

function registerShowPitfallTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "show_pitfall",
    {
      title: "Pitfalls: Show",
      description:
        "Show one pitfall whole: what goes wrong, its IF/THEN/RUN/CHECK/FIX steps verbatim (RUN lines have {placeholders} to fill), anti-patterns and where it was met (ADDED_FROM). Get ids from search_pitfalls or list_pitfalls.",
      inputSchema: {
        id: z.string().min(1).max(200).describe("Pitfall id, e.g. 'oomkilled' or 'crashloopbackoff'"),
      },
      annotations: { title: "Pitfalls: Show", ...READ_LOCAL },
    },
    ({ id }) =>
      guarded(async () => {
        const kb = await ctx.kb();
        const p = kb.byId.get(id) ?? kb.byId.get(id.toLowerCase());
        if (!p) {
          const want = id.toLowerCase();
          const near = kb.pitfalls.filter((x) => x.id.includes(want) || want.includes(x.id)).map((x) => x.id);
          throw new ToolInputError(
            `no pitfall with id '${id}'${near.length ? `; did you mean ${near.join(", ")}?` : "."} Use search_pitfalls or list_pitfalls to find ids.`,
          );
        }
        const { printPitfall } = await import("../kb/print.js");
        return toolResult(
          `${printPitfall(p, "text")}\n\n(id ${p.id}, from ${p.source.file}:${p.source.line})`,
          {
            ...pitfallSummary(p),
            steps: p.steps.map((s) => ({ kind: s.kind, text: s.text })),
            addedFrom: p.addedFrom.map((a) => ({
              incident: a.incident,
              ...(a.note ? { note: a.note } : {}),
            })),
            detect: p.detect.map((d) => d.expr),
            ...(p.guard.length ? { guard: p.guard.map((g) => g.expr) } : {}),
          },
        );
      }),
  );
}

function registerListPitfallsTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "list_pitfalls",
    {
      title: "Pitfalls: List",
      description:
        "List every pitfall on the loaded pages (id, severity, zones, title), optionally only those of one zone or at least one severity.",
      inputSchema: {
        zone: z
          .string()
          .max(20)
          .optional()
          .describe("Only pitfalls that apply to this zone: '1', '2', '3' or 'ALL'"),
        severity: z.enum(SEVERITIES).optional().describe("Only this severity or worse"),
      },
      annotations: { title: "Pitfalls: List", ...READ_LOCAL },
    },
    ({ zone, severity }) =>
      guarded(async () => {
        const kb = await ctx.kb();
        const { appliesToZone, normalizeZone } = await import("../kb/zones.js");
        const { severityRank } = await import("../model/severity.js");
        if (zone && !/^(ALL|\d+)$/.test(normalizeZone(zone)))
          throw new ToolInputError(`unknown zone '${zone}': give a zone number ('1', '2') or 'ALL'`);
        const list = kb.pitfalls.filter(
          (p) =>
            appliesToZone(p.zones, zone) && (!severity || severityRank(p.severity) <= severityRank(severity)),
        );
        const text = list.length ? list.map(pitfallLine).join("\n") : "no pitfalls match";
        return toolResult(text, { pitfalls: list.map(pitfallSummary) });
      }),
  );
}

function registerAddPitfallTool(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    "add_pitfall",
    {
      title: "Pitfalls: Add",
      description:
        "Add a new pitfall to the team's page after you hit a problem that is not on it yet (search_pitfalls first). Give title, severity, zone, ordered steps and added_from (incident id and what happened), or the whole entry as `entry` text in the page format. The entry is validated; the page is written atomically. If the id (slug of the title) is already on the page, only the new ADDED_FROM is recorded, and the steps the page lacks are listed as kept out (merge_steps: true appends them). Refused when the server has no page configured; over HTTP (pitfall serve /mcp) it needs the server's bearer token. Not offered by a server started with --read-only.",
      inputSchema: {
        title: z
          .string()
          .min(3)
          .max(120)
          .optional()
          .describe("Title, e.g. 'PVC Stuck Terminating' (required unless `entry` is given)"),
        severity: z
          .enum(SEVERITIES)
          .optional()
          .describe("CRITICAL, HIGH, MEDIUM or LOW (required unless `entry`)"),
        zone: z
          .string()
          .max(40)
          .optional()
          .describe("Where it applies: 'ALL', '1 (k3s)', '2+3' (required unless `entry`)"),
        steps: z
          .array(z.object({ kind: z.enum(STEP_KINDS), text: z.string().min(1).max(1000) }))
          .max(40)
          .optional()
          .describe(
            "Ordered steps: IF (condition), THEN (action), RUN (shell command; {placeholders} like {pod-name}, {namespace}), CHECK, FIX, ANTI_PATTERN, READ_ALSO",
          ),
        added_from: z
          .string()
          .min(3)
          .max(300)
          .optional()
          .describe(
            "Where it was met: 'incident-id, what happened', e.g. 'storage-2026-04, PVC blocked a redeploy'",
          ),
        text: z.string().max(4000).optional().describe("A paragraph explaining the pitfall"),
        detect: z
          .array(z.string().min(1).max(2000))
          .max(10)
          .optional()
          .describe("CEL expressions over `object` that show the pitfall in a manifest or live object"),
        entry: z
          .string()
          .max(20000)
          .optional()
          .describe("Instead of the fields: the whole entry in the page format"),
        merge_steps: z
          .boolean()
          .optional()
          .describe(
            "When the id is already on the page: append the steps it lacks (default: list them only)",
          ),
      },
      annotations: {
        title: "Pitfalls: Add",
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (args) =>
      guarded(async () => {
        if (!ctx.caller.trusted)
          throw new ToolInputError(
            "add_pitfall writes the team's page: it needs the server's bearer token (Authorization: Bearer <token>). Nothing was written.",
          );
        const page = ctx.deps.page;
        if (!page)
          throw new ToolInputError(
            "no page is configured to add to: the server must be started with --page <file> (the team's pitfalls page). Nothing was written.",
          );
        const add = await import("../kb/add.js");
        let entry: ReturnType<typeof add.parseEntry>;
        try {
          entry = add.parseEntry(entryTextOf(args, add.entryText), "<entry>");
        } catch (e) {
          if (e instanceof add.EntryError) throw new ToolInputError(entryProblem(e));
          throw e;
        }
        let result: Awaited<ReturnType<typeof add.addEntry>>;
        try {
          result = await add.addEntry(page, entry, args.merge_steps ? { mergeSteps: true } : {});
        } catch (e) {
          if (e instanceof add.EntryError) throw new ToolInputError(entryProblem(e));
          if ((e as NodeJS.ErrnoException).code === "ENOENT")
            throw new ToolInputError(`the configured page ${page} does not exist; nothing was written`);
          throw e;
        }
        ctx.reloadKb();
        const lint = await lintOf(page);
        const what =
          result.action === "added"
            ? `added ${result.id} ("${result.title}") at ${page}:${result.line}`
            : result.action === "merged"
              ? `${result.id} was already on the page: appended ${result.merged?.length} steps at ${page}:${result.line}`
              : result.action === "recorded"
                ? `${result.id} was already on the page: recorded the new ADDED_FROM at ${page}:${result.line}`
                : `${result.id} already records this incident: nothing changed`;
        const kept = result.keptOut?.length
          ? `\nkept out ${result.keptOut.length} steps ${result.id} does not have (call again with merge_steps: true to append them): ${result.keptOut.map((st) => `${st.kind}: ${st.text}`).join(" | ")}`
          : "";
        const lintText = lint.errors.length
          ? `\nthe page has ${lint.errors.length} lint errors: ${lint.errors.map((d) => `${d.line}: ${d.message}`).join("; ")}`
          : "\nthe page lints clean";
        return toolResult(`${what}${kept}${lintText}`, {
          page,
          action: result.action,
          id: result.id,
          title: result.title,
          line: result.line,
          ...(result.keptOut ? { keptOut: result.keptOut } : {}),
          ...(result.merged ? { merged: result.merged } : {}),
          zones: zonesOf(entry),
          lint,
        });
      }),
  );
}

interface AddArgs {
  title?: string | undefined;
  severity?: Severity | undefined;
  zone?: string | undefined;
  steps?: { kind: (typeof STEP_KINDS)[number]; text: string }[] | undefined;
  added_from?: string | undefined;
  text?: string | undefined;
  detect?: string[] | undefined;
  entry?: string | undefined;
  merge_steps?: boolean | undefined;
}

function entryTextOf(args: AddArgs, entryText: typeof import("../kb/add.js").entryText): string {
  const fields = ["title", "severity", "zone", "steps", "added_from", "text", "detect"] as const;
  if (args.entry !== undefined) {
    const extra = fields.filter((f) => args[f] !== undefined);
    if (extra.length)
      throw new ToolInputError(
        `give either \`entry\` or the fields, not both (also given: ${extra.join(", ")})`,
      );
    return args.entry;
  }
  const missing = (["title", "severity", "zone", "added_from"] as const).filter((f) => !args[f]);
  if (!args.steps?.length) missing.push("steps" as never);
  if (missing.length)
    throw new ToolInputError(
      `missing ${missing.join(", ")}: give title, severity, zone, steps and added_from (or the whole entry as \`entry\`)`,
    );
  return entryText({
    title: args.title!,
    severity: args.severity!,
    zone: args.zone!,
    steps: args.steps!,
    addedFrom: [args.added_from!],
    ...(args.text ? { text: [args.text] } : {}),
    ...(args.detect?.length ? { detect: args.detect } : {}),
  });
}

function entryProblem(e: Error & { diagnostics: { line: number; message: string }[] }): string {
  const details = e.diagnostics.map((d) => `line ${d.line}: ${d.message}`);
  return `${e.message}${details.length ? `:\n${details.join("\n")}` : ""}\nFix the entry and call add_pitfall again; nothing was written.`;
}

async function lintOf(page: string) {
  const { readFile } = await import("node:fs/promises");
  const { parsePage } = await import("../kb/parse.js");
  const { lintPage } = await import("../kb/lint.js");
  const diagnostics = lintPage(parsePage(await readFile(page, "utf8"), page));
  const pick = (severity: string) =>
    diagnostics
      .filter((d) => d.severity === severity)
      .map((d) => ({ line: d.line, code: d.code, message: d.message }));
  return { errors: pick("error"), warnings: pick("warning").length };
}
