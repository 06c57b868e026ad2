// The dashboard: findings grouped by severity and zone, each with its evidence and filled steps; the knowledge
// base to browse and search. Server-rendered; /app.js only swaps in fresh fragments and copies commands.
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { SEVERITIES } from "../model/severity.js";
import type { Finding, RunbookStep } from "../model/finding.js";
import type { FeedState } from "./feeds.js";
import { type FindingFilters, filterFindings, filterQuery, filterUnexplained } from "./filters.js";
import type { Unexplained } from "../model/unexplained.js";
import { type Html, html } from "./html.js";

export interface SearchHitView {
  id: string;
  title: string;
  score: number;
}

export interface DashboardInput {
  state: FeedState;
  kb: KnowledgeBase;
  filters: FindingFilters;
  query?: string;
  hits?: SearchHitView[];
  version: string;
}

function severityClass(severity: string): string {
  return `sev-${severity.toLowerCase()}`;
}

function objectText(f: Finding): string {
  const o = f.object;
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

function stepsText(steps: readonly RunbookStep[]): string {
  return steps.map((s) => `${s.kind}: ${s.text}`).join("\n");
}

function stepItem(s: { kind: string; text: string; unfilled?: string[] }): Html {
  const run = s.kind === "RUN";
  return html`<li class="step step-${s.kind.toLowerCase()}"><span class="step-kind">${s.kind}</span>${
    run
      ? html`<code>${s.text}</code><button type="button" class="copy" data-copy="${s.text}">Copy</button>`
      : html`<span>${s.text}</span>`
  }${s.unfilled?.length ? html`<small class="unfilled">not filled: ${s.unfilled.join(", ")}</small>` : ""}</li>`;
}

/** Stable across refreshes, so the page can keep a card's open steps open. */
function cardKey(f: Finding): string {
  return [f.context, f.pitfall, f.rule, objectText(f), f.container, f.messageId]
    .map((x) => x ?? "")
    .join("|");
}

function findingCard(f: Finding, pitfall: Pitfall | undefined): Html {
  const steps = f.runbook?.length
    ? f.runbook
    : (pitfall?.steps.map((s) => ({ kind: s.kind, text: s.text })) ?? []);
  const where = [
    f.container ? `container ${f.container}` : "",
    f.context ? `context ${f.context}` : "",
    f.file ? `${f.file}:${f.line ?? 0}` : "",
  ].filter(Boolean);
  // Steps start open only where it is most urgent; the evidence, which says why, is always shown.
  const stepsOpen = f.severity === "CRITICAL";
  return html`<article class="finding ${severityClass(f.severity)}" data-key="${cardKey(f)}" data-pitfall="${f.pitfall}" data-object="${objectText(f)}">
<header><span class="badge ${severityClass(f.severity)}">${f.severity}</span> <a class="title" href="#p-${f.pitfall}">${pitfall?.title ?? f.pitfall}</a></header>
<p class="object"><strong>${objectText(f)}</strong>${where.length ? html` <span class="muted">· ${where.join(" · ")}</span>` : ""}</p>
<p class="message">${f.message}</p>
${
  f.evidence?.length
    ? html`<details class="evidence" open><summary>Evidence</summary><ul>${f.evidence.map(
        (e) =>
          html`<li><span class="evidence-kind">${e.kind}</span>${e.source ? html` <small class="muted">${e.source}</small>` : ""}<pre>${e.text}</pre></li>`,
      )}</ul></details>`
    : ""
}
${
  steps.length
    ? html`<details class="steps"${stepsOpen ? html` open` : ""}><summary>Steps <span class="count">${steps.length}</span> <button type="button" class="copy copy-all" data-copy="${stepsText(steps)}">Copy all</button></summary><ol>${steps.map(stepItem)}</ol></details>`
    : ""
}
</article>`;
}

/** The findings, grouped by severity, then zone. Also served alone at /partials/findings for live refresh. */
export function findingsSection(state: FeedState, kb: KnowledgeBase, filters: FindingFilters): Html {
  const shown = filterFindings(state.findings, filters);
  const counts = SEVERITIES.map((severity) => ({
    severity,
    n: shown.filter((f) => f.severity === severity).length,
  })).filter((c) => c.n > 0);
  const summary = counts.length
    ? html`<nav class="summary" aria-label="Findings by severity">${counts.map(
        (c) =>
          html`<a class="badge ${severityClass(c.severity)}" href="#sev-${c.severity.toLowerCase()}">${c.severity} ${c.n}</a>`,
      )}</nav>`
    : "";
  const groups = SEVERITIES.map((severity) => {
    const list = shown.filter((f) => f.severity === severity);
    if (!list.length) return "";
    const zones = [...new Set(list.map((f) => f.zone ?? ""))].sort((a, b) =>
      a === "" ? 1 : b === "" ? -1 : a.localeCompare(b, "en", { numeric: true }),
    );
    return html`<section class="group ${severityClass(severity)}" id="sev-${severity.toLowerCase()}"><h3>${severity} <span class="count">${list.length}</span></h3>${zones.map(
      (zone) =>
        html`<h4 class="zone">${zone ? `Zone ${zone}` : "No zone"}</h4><div class="cards">${list
          .filter((f) => (f.zone ?? "") === zone)
          .map((f) => findingCard(f, kb.byId.get(f.pitfall)))}</div>`,
    )}</section>`;
  });
  const status = !state.ready
    ? html`<p class="notice">${state.failure ? `The scan failed: ${state.failure}` : "Reading the cluster…"}</p>`
    : shown.length === 0
      ? html`<p class="notice ok">No findings${state.findings.length ? " match these filters" : ""}.</p>`
      : "";
  const incomplete = state.incomplete.length
    ? html`<details class="incomplete"><summary>Not checked (${state.incomplete.length})</summary><ul>${state.incomplete.map(
        (i) => html`<li><strong>${i.resource}</strong>: ${i.reason}</li>`,
      )}</ul></details>`
    : "";
  const unexplained = unexplainedSection(filterUnexplained(state.unexplained, filters));
  const grouped = state.grouped?.length
    ? html`<details class="incomplete"><summary>System namespaces: latent risks counted, not listed (${state.grouped.reduce((n, g) => n + g.findings, 0)})</summary><ul>${state.grouped.map(
        (g) =>
          html`<li><strong>${g.context ? `${g.context}: ` : ""}${g.namespace}</strong>: ${g.findings} (${Object.entries(
            g.severities,
          )
            .map(([s, n]) => `${n} ${s}`)
            .join(", ")}): ${g.pitfalls.join(", ")}</li>`,
      )}</ul></details>`
    : "";
  return html`<div id="findings-list" data-count="${shown.length}" data-total="${state.findings.length}" data-updated="${state.updatedAt ?? ""}">${status}${summary}${incomplete}${grouped}${groups}${unexplained}</div>`;
}

/** Failing pods no pitfall explains: what fails, the evidence, the commands that gather more. */
function unexplainedSection(list: readonly Unexplained[]): Html | string {
  if (!list.length) return "";
  const card = (u: Unexplained) => {
    const where = [
      u.container ? `${u.role === "init" ? "init container" : "container"} ${u.container}` : "",
      u.owner ? `owner ${u.owner.kind} ${u.owner.name}` : "",
      u.context ? `context ${u.context}` : "",
    ].filter(Boolean);
    const head = [u.reason, u.for ? `for ${u.for}` : "", u.restarts ? `${u.restarts} restarts` : ""].filter(
      Boolean,
    );
    return html`<article class="finding unexplained" data-object="Pod ${u.pod.namespace ?? ""}/${u.pod.name}">
<header><span class="badge sev-unexplained">FAILING</span> <span class="title">${head.join(", ")}</span></header>
<p class="object"><strong>Pod ${u.pod.namespace ? `${u.pod.namespace}/` : ""}${u.pod.name}</strong>${where.length ? html` <span class="muted">· ${where.join(" · ")}</span>` : ""}</p>
${u.message ? html`<p class="message">${u.message}</p>` : ""}
<details class="evidence" open><summary>Evidence</summary><ul><li><span class="evidence-kind">status</span><pre>${u.status}</pre></li>${u.events.map(
      (e) => html`<li><span class="evidence-kind">${e.kind}</span><pre>${e.text}</pre></li>`,
    )}${u.logs ? html`<li><span class="evidence-kind">${u.logs.source}</span><pre>${u.logs.lines.join("\n")}</pre></li>` : ""}</ul></details>
<details class="steps"><summary>Gather more <span class="count">${u.commands.length}</span></summary><ol>${u.commands.map((c) => stepItem({ kind: "RUN", text: c }))}</ol></details>
</article>`;
  };
  return html`<section class="group unexplained" id="unexplained"><h3>Unexplained failures <span class="count">${list.length}</span></h3><p class="muted">Failing now, and no pitfall on the pages explains it: each is a candidate for a new entry.</p><div class="cards">${list.map(card)}</div></section>`;
}

function pitfallItem(p: Pitfall): Html {
  const zones = p.zones.all ? "ALL" : p.zones.text || p.zones.zones.join("+");
  return html`<details class="pitfall" id="p-${p.id}"><summary><span class="badge ${severityClass(p.severity)}">${p.severity}</span> <span class="pitfall-title">${p.title}</span> <small class="muted">zone ${zones}</small></summary>
<div class="pitfall-body">${p.blocks.map((b) =>
    b.type === "prose"
      ? html`<p>${b.text}</p>`
      : b.type === "code"
        ? html`<pre>${b.text}</pre>`
        : html`${b.intro ? html`<p>${b.intro}</p>` : ""}<ul>${b.items.map((i) => html`<li>${i}</li>`)}</ul>`,
  )}
${p.steps.length ? html`<ol class="steps">${p.steps.map((s) => stepItem(s))}</ol>` : ""}
${p.addedFrom.length ? html`<p class="muted">Added from: ${p.addedFrom.map((a) => `${a.incident}${a.note ? ` (${a.note})` : ""}`).join("; ")}</p>` : ""}
<p class="muted"><code>${p.id}</code> · ${p.source.file}:${p.source.line}</p></div></details>`;
}

/** Search results; also served alone at /partials/search. */
export function searchResults(query: string | undefined, hits: readonly SearchHitView[] | undefined): Html {
  if (!query) return html`<ol id="search-results" class="hits"></ol>`;
  if (!hits?.length)
    return html`<ol id="search-results" class="hits"><li class="muted">No pitfall matches “${query}”.</li></ol>`;
  return html`<ol id="search-results" class="hits">${hits.map(
    (h) =>
      html`<li><a href="#p-${h.id}" data-open="p-${h.id}">${h.title}</a> <small class="muted">${h.id} · ${h.score.toFixed(2)}</small></li>`,
  )}</ol>`;
}

function filterForm(state: FeedState, filters: FindingFilters): Html {
  const contexts = [...new Set(state.targets.map((t) => t.context).filter((c): c is string => !!c))];
  const zones = [...new Set(state.findings.map((f) => f.zone).filter((z): z is string => !!z))].sort();
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === (current ?? "") ? html` selected` : ""}>${label}</option>`;
  return html`<form class="filters" method="get" action="/">
<label>Severity <select name="severity">${option("", "any", filters.severity)}${SEVERITIES.map((s) => option(s, `${s} or worse`, filters.severity))}</select></label>
<label>Zone <select name="zone">${option("", "any", filters.zone)}${zones.map((z) => option(z, `zone ${z}`, filters.zone))}</select></label>
${contexts.length > 1 ? html`<label>Context <select name="context">${option("", "any", filters.context)}${contexts.map((c) => option(c, c, filters.context))}</select></label>` : ""}
<label>Namespace <input name="namespace" value="${filters.namespace ?? ""}" placeholder="all" autocomplete="off" spellcheck="false"></label>
<button type="submit">Filter</button></form>`;
}

function targetLine(state: FeedState): Html {
  const targets = state.targets.map(
    (t) =>
      `${t.context ?? t.name}${t.zone ? ` · zone ${t.zone}` : ""}${t.distribution ? ` (${t.distribution})` : ""}`,
  );
  const mode = state.mode === "watch" ? "live (watching)" : "scan";
  return html`<p class="target"><span>${targets.join(", ") || "no target yet"}</span> <span class="muted">· ${mode}</span> <span id="live-status" class="live-status" data-mode="${state.mode}">${state.updatedAt ? `updated ${state.updatedAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}` : ""}</span></p>`;
}

export function dashboardPage(input: DashboardInput): string {
  const { state, kb, filters } = input;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pitfall</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top"><h1><a href="/">pitfall</a></h1>${targetLine(state)}</header>
<main>
<section id="findings" aria-labelledby="findings-h" data-partial="/partials/findings${filterQuery(filters)}">
<h2 id="findings-h">Findings <span id="findings-count" class="count">${filterFindings(state.findings, filters).length}</span></h2>
${filterForm(state, filters)}
${findingsSection(state, kb, filters)}
</section>
<section id="kb" aria-labelledby="kb-h">
<h2 id="kb-h">Knowledge base <span class="count">${kb.pitfalls.length}</span></h2>
<form id="search" class="search" method="get" action="/" role="search">
<input id="search-input" type="search" name="q" value="${input.query ?? ""}" placeholder="Describe the symptom, e.g. exit code 137" autocomplete="off" aria-label="Search the pitfalls">
<button type="submit">Search</button>
</form>
${searchResults(input.query, input.hits)}
<div class="pitfalls">${kb.pitfalls.map(pitfallItem)}</div>
</section>
</main>
<footer class="muted">pitfall ${input.version} · <a href="/api/findings">findings JSON</a> · <a href="/api/pitfalls">pitfalls JSON</a> · <a href="/metrics">metrics</a></footer>
</body>
</html>
`;
  return page.value;
}
