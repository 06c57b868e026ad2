// The JSON API: pitfalls, search, findings, explain, lint, adding a pitfall, a scan on request.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import { SEVERITIES, type Severity, severityRank } from "../model/severity.js";
import { STEP_KINDS, type StepKind, type Finding } from "../model/finding.js";
import { pitfallSummary } from "../kb/summary.js";
import { jsonFinding, jsonReport } from "../report/json.js";
import type { Feed } from "./feeds.js";
import { filterFindings, filtersOf, filterUnexplained } from "./filters.js";
import { HttpError, mediaType, parseJsonBody, readBody, requireToken, sendJson } from "./http.js";
import type { WorkQueue } from "./limits.js";

/** What the handlers share; `kb` changes when a pitfall is added. */
export interface ApiContext {
  kb(): KnowledgeBase;
  /** Loads the pages again after the page changed. */
  reloadKb(): Promise<void>;
  search(
    query: string,
    opts: { zone?: string; limit: number },
  ): { id: string; title: string; score: number }[];
  config: Config;
  feed: Feed;
  token?: string;
  page?: string;
  zone?: string;
  maxBodyBytes: number;
  /** Lints run here: one at a time, a few admitted per client and in total. */
  lint: WorkQueue;
}

/** A finding as `scan -o json` shows it, plus the context and zone it was found in. */
export function apiFinding(f: Finding): Record<string, unknown> {
  return {
    ...jsonFinding(f),
    ...(f.context !== undefined ? { context: f.context } : {}),
    ...(f.zone !== undefined ? { zone: f.zone } : {}),
  };
}

export async function listPitfalls(
  ctx: ApiContext,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const { appliesToZone, normalizeZone } = await import("../kb/zones.js");
  const zone = query.get("zone")?.trim() || undefined;
  if (zone && !/^(ALL|\d+)$/.test(normalizeZone(zone)))
    throw new HttpError(400, `unknown zone '${zone}': write a zone number (1, 2) or ALL`);
  const severity = query.get("severity")?.trim().toUpperCase() || undefined;
  if (severity && !(SEVERITIES as readonly string[]).includes(severity))
    throw new HttpError(400, `unknown severity '${severity}': use one of ${SEVERITIES.join(", ")}`);
  const list = ctx
    .kb()
    .pitfalls.filter(
      (p) =>
        appliesToZone(p.zones, zone) &&
        (!severity || severityRank(p.severity) <= severityRank(severity as Severity)),
    );
  sendJson(res, 200, list.map(pitfallSummary));
}

/** The `kb show -o json` shape: the whole pitfall. */
export function showPitfall(ctx: ApiContext, id: string, res: ServerResponse): void {
  const kb = ctx.kb();
  const p = kb.byId.get(id) ?? kb.byId.get(id.toLowerCase());
  if (!p) {
    const near = kb.pitfalls
      .filter((x) => x.id.includes(id.toLowerCase()) || id.toLowerCase().includes(x.id))
      .map((x) => x.id);
    throw new HttpError(404, `no pitfall with id '${id}'`, { near });
  }
  sendJson(res, 200, p);
}

/** Same ranking and shape as `kb search -o json`. */
export function searchApi(ctx: ApiContext, query: URLSearchParams, res: ServerResponse): void {
  const q = query.get("q")?.trim() ?? "";
  if (!q) throw new HttpError(400, "give the symptom as ?q=, e.g. ?q=exit+code+137");
  const limit = Number(query.get("limit") ?? "5");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new HttpError(400, "limit takes a whole number from 1 to 100");
  const zone = query.get("zone")?.trim() || undefined;
  try {
    sendJson(res, 200, ctx.search(q, { ...(zone ? { zone } : {}), limit }));
  } catch (error) {
    if (error instanceof RangeError) throw new HttpError(400, error.message);
    throw error;
  }
}

export function findingsApi(ctx: ApiContext, query: URLSearchParams, res: ServerResponse): void {
  const state = ctx.feed.state();
  const filters = filtersOf(query, true);
  const shown = filterFindings(state.findings, filters);
  sendJson(res, 200, {
    mode: state.mode,
    ready: state.ready,
    ...(state.updatedAt ? { updatedAt: state.updatedAt } : {}),
    ...(state.failure ? { failure: state.failure } : {}),
    targets: state.targets,
    total: state.findings.length,
    findings: shown.map(apiFinding),
    unexplained: filterUnexplained(state.unexplained, filters),
    grouped: (state.grouped ?? []).filter(
      (g) =>
        (filters.namespace === undefined || g.namespace === filters.namespace) &&
        (filters.context === undefined || g.context === filters.context),
    ),
    errors: state.errors
      .filter((d) => d.severity === "error")
      .map((d) => ({ file: d.file, line: d.line, message: d.message })),
    incomplete: state.incomplete,
  });
}

export async function explainApi(
  ctx: ApiContext,
  parts: { kind: string; namespace: string; name: string },
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const { kindOf, knownKinds } = await import("../service/object-ref.js");
  const { explainObject, ObjectNotFoundError } = await import("../service/explain.js");
  const kind = kindOf(parts.kind);
  if (!kind) throw new HttpError(400, `unknown kind '${parts.kind}': use one of ${knownKinds().join(", ")}`);
  const snapshots = ctx.feed.snapshots();
  const context = query.get("context")?.trim() || undefined;
  const snapshot = context ? snapshots.find((s) => s.target.context === context) : snapshots[0];
  if (!snapshot) {
    if (context)
      throw new HttpError(404, `no context '${context}' is served here`, {
        contexts: snapshots.map((s) => s.target.context),
      });
    throw new HttpError(503, "no snapshot yet: the first scan has not finished", {}, { "Retry-After": "5" });
  }
  // `-` (or `_`) stands for no namespace: cluster-scoped kinds, or "wherever it is".
  const namespace = parts.namespace === "-" || parts.namespace === "_" ? undefined : parts.namespace;
  const findings = ctx.feed.state().findings.filter((f) => f.context === snapshot.target.context);
  try {
    const e = explainObject({
      snapshot,
      kb: ctx.kb(),
      config: ctx.config,
      ref: { kind: kind.kind, name: parts.name, ...(namespace && kind.namespaced ? { namespace } : {}) },
      findings,
      ...(ctx.zone ? { zone: ctx.zone } : {}),
    });
    sendJson(res, 200, { ...e, findings: e.findings.map(apiFinding) });
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      throw new HttpError(404, error.message, { candidates: error.candidates });
    throw error;
  }
}

/**
 * `lint -o json` for the manifests in the body. Admitted (429 past the limits) before the body is read; the
 * lint itself waits its turn in the queue, so the synchronous work never overlaps.
 */
export async function lintApi(
  ctx: ApiContext,
  req: IncomingMessage,
  client: string,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const free = ctx.lint.slots.take(client);
  try {
    const text = await readBody(req, ctx.maxBodyBytes);
    if (!text.trim())
      throw new HttpError(400, "the body is empty: send the manifests (YAML or JSON) as the body");
    const lint = await import("../service/lint.js");
    const zone = query.get("zone")?.trim() || undefined;
    const file = query.get("file")?.trim() || "manifest.yaml";
    const kb = ctx.kb();
    const target = { kb, config: ctx.config, ...(zone ? { zone } : {}) };
    let resolved: ReturnType<typeof lint.lintZone>;
    try {
      resolved = lint.lintZone(target);
    } catch (error) {
      if (error instanceof lint.ZoneError) throw new HttpError(400, error.message);
      throw error;
    }
    const report = await ctx.lint.run(() => {
      const result = lint.lintText(text, file, target, resolved);
      return jsonReport({
        findings: result.findings,
        diagnostics: result.problems,
        suppressed: result.suppressed,
        pitfall: (id) => kb.byId.get(id),
      });
    });
    sendJson(res, 200, report, { "X-Pitfall-Zone": resolved.zone ?? "none" });
  } finally {
    free();
  }
}

const ENTRY_HINT =
  'give the entry as {"entry": "<page text>"}, or as title, severity, zone, steps and addedFrom (with text, id, detect as you need)';

/** JSON fields (as `kb add`'s flags) turned into an entry in the page format. */
async function entryFromJson(body: unknown): Promise<string> {
  const { ENTRY_AS_FIELDS, ENTRY_AS_TEXT, parseBody } = await import("./bodies.js");
  if (typeof body === "object" && body !== null && !Array.isArray(body) && "entry" in body)
    return parseBody(ENTRY_AS_TEXT, body, ENTRY_HINT).entry;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new HttpError(400, `the body must be a JSON object; ${ENTRY_HINT}`);
  const o = parseBody(ENTRY_AS_FIELDS, body, ENTRY_HINT);
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : typeof v === "string" ? [v] : v);
  const addedFrom = list(o.addedFrom);
  if (!addedFrom.length)
    throw new HttpError(400, 'say where the pitfall was met: "addedFrom": "incident-id, what happened"');
  const steps = (o.steps ?? []).map((step, i) => {
    const kind = step.kind.toUpperCase();
    if (!(STEP_KINDS as readonly string[]).includes(kind))
      throw new HttpError(400, `steps[${i}] needs a kind (${STEP_KINDS.join(", ")}) and a text`);
    return { kind: kind as StepKind, text: step.text };
  });
  const { entryText } = await import("../kb/add.js");
  return entryText({
    title: o.title,
    severity: o.severity,
    zone: o.zone,
    ...(o.id !== undefined ? { id: o.id } : {}),
    text: list(o.text),
    steps,
    addedFrom,
    detect: list(o.detect),
  });
}

/** Adds a pitfall to the page named at startup, as `kb add` does: validated, atomic, locked. */
export async function addPitfallApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  requireToken(req, ctx.token);
  if (!ctx.page) throw new HttpError(409, "no page to add to: start serve with --page <file>");
  const body = await readBody(req, ctx.maxBodyBytes);
  const { addEntry, parseEntry, EntryError } = await import("../kb/add.js");
  try {
    // Inside the try: a field that breaks the page (a newline in a one-line field) is an EntryError too.
    const text = mediaType(req) === "application/json" ? await entryFromJson(parseJsonBody(body)) : body;
    if (!text.trim())
      throw new HttpError(400, "the body is empty: send the entry in the page format, or JSON fields");
    const entry = parseEntry(text, "<request>");
    const result = await addEntry(ctx.page, entry);
    if (result.action !== "unchanged") await ctx.reloadKb();
    sendJson(res, result.action === "added" ? 201 : 200, { page: ctx.page, ...result });
  } catch (error) {
    if (error instanceof EntryError)
      throw new HttpError(422, error.message, {
        diagnostics: error.diagnostics.map((d) => ({
          line: d.line,
          ...(d.column ? { column: d.column } : {}),
          code: d.code,
          message: d.message,
        })),
      });
    throw error;
  }
}

export function scanApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): void {
  requireToken(req, ctx.token);
  void ctx.feed.refresh();
  sendJson(res, 202, { status: "started", mode: ctx.feed.mode, events: "/api/events" });
}
