// A page entry drafted from an unexplained failure: a title from its reason, a severity from its impact, the zone
// it was seen in, prose that states only what was observed, an IF from the symptom, RUN lines that gather the
// evidence with `{placeholders}` for the names, a DETECT when the status shows the failure, and ADDED_FROM.
import { parseDuration } from "../k8s/duration.js";
import type { Severity } from "../model/severity.js";
import type { Unexplained } from "../model/unexplained.js";
import type { EntryFields } from "./add.js";
import { type DraftDetect, detectFor } from "./draft-detect.js";
import { evidenceOf, type FailureEvidence, isBackOff, oneLine } from "./draft-evidence.js";
import { slugOf } from "./parse.js";

export interface DraftInput {
  failure: Unexplained;
  /** The pods of the same workload failing the same way (the failure's own included). */
  pods: string[];
  /** When it was seen: the snapshot's time; else `since` plus `for`; else now. */
  seenAt?: Date;
  /** The target's name when it has no kube context (a dump folder). */
  target?: string;
  distribution?: string;
  /** `ADDED_FROM`'s incident id, instead of `<context>-<date>`. */
  incident?: string;
  /** Ids on the loaded pages: the draft's own must differ. */
  takenIds: ReadonlySet<string>;
}

export interface Draft {
  entry: EntryFields;
  severity: { level: Severity; why: string };
  detect: DraftDetect;
  /** The ADDED_FROM value: `<incident>, <summary>`. */
  addedFrom: string;
  evidence: FailureEvidence;
}

const DAY = 86_400_000;
const TITLE_MAX = 100;

export function draftEntry(input: DraftInput): Draft {
  const u = input.failure;
  const evidence = evidenceOf(u);
  const severity = severityOf(u, input.pods.length);
  const detect = detectFor(u);
  const addedFrom = addedFromOf(input, evidence);
  const title = titleOf(u, evidence);
  const slug = slugOf(title);
  let id: string | undefined;
  for (let n = 2; input.takenIds.has(id ?? slug); n++) id = `${slug}-${n}`;
  const entry: EntryFields = {
    title,
    severity: severity.level,
    zone: u.zone ? `${u.zone}${input.distribution ? ` (${input.distribution})` : ""}` : "ALL",
    ...(id ? { id } : {}),
    text: factsOf(input, evidence),
    steps: stepsOf(u, evidence),
    addedFrom: [addedFrom],
    ...(detect.expr ? { detect: [detect.expr] } : {}),
  };
  return { entry, severity, detect, addedFrom, evidence };
}

/** CRITICAL from 5 pods or a week; HIGH from 2 pods, a day or 50 restarts; MEDIUM from an hour or 5 restarts. */
export function severityOf(u: Unexplained, pods: number): { level: Severity; why: string } {
  const ms = parseDuration(u.for) ?? 0;
  const many = `${pods} pods fail the same way`;
  const long = `failing for ${u.for}`;
  const restarts = `${u.restarts} restart${u.restarts === 1 ? "" : "s"}`;
  if (pods >= 5) return { level: "CRITICAL", why: many };
  if (ms >= 7 * DAY) return { level: "CRITICAL", why: long };
  if (pods >= 2) return { level: "HIGH", why: many };
  if (ms >= DAY) return { level: "HIGH", why: long };
  if (u.restarts >= 50) return { level: "HIGH", why: restarts };
  if (ms >= DAY / 24) return { level: "MEDIUM", why: long };
  if (u.restarts >= 5) return { level: "MEDIUM", why: restarts };
  const what = [`1 pod`, u.for ? `for ${u.for}` : "", u.restarts ? restarts : ""].filter(Boolean);
  return { level: "LOW", why: what.join(", ") };
}

/** `CrashLoopBackOff in ge-thumbnailer: exec format error`. */
function titleOf(u: Unexplained, e: FailureEvidence): string {
  const base = oneLine(`${u.reason} in ${u.owner?.name ?? u.pod.name}`, TITLE_MAX);
  const full = e.phrase ? `${base}: ${e.phrase}` : base;
  const cut = full.length > TITLE_MAX ? full.slice(0, TITLE_MAX - 1).trimEnd() : full;
  // A rendered page takes a line ending in punctuation for prose, not a title.
  return cut.replace(/[\s.:,;…]+$/, "");
}

/** `a pod of Deployment web`, or `pod web-0` when it has no controller. */
function podsOf(u: Unexplained): string {
  return u.owner ? `a pod of ${workloadOf(u)}` : workloadOf(u);
}

function workloadOf(u: Unexplained): string {
  return oneLine(u.owner ? `${u.owner.kind} ${u.owner.name}` : `pod ${u.pod.name}`, 200);
}

/** `<context>-<date>, <workload> in <reason> for <for> (<n> restarts): <phrase>`. */
function addedFromOf(input: DraftInput, e: FailureEvidence): string {
  const u = input.failure;
  const seen = input.seenAt ?? seenFrom(u) ?? new Date();
  const where = (u.context ?? input.target ?? "cluster").replace(/[^A-Za-z0-9._-]+/g, "-");
  const incident = input.incident ?? `${where}-${seen.toISOString().slice(0, 10)}`;
  const how = [u.for ? `for ${u.for}` : "", u.restarts ? `${u.restarts} restarts` : ""].filter(Boolean);
  const summary = `${workloadOf(u)} in ${u.reason}${how.length ? ` (${how.join(", ")})` : ""}${e.phrase ? `: ${e.phrase}` : ""}`;
  return `${oneLine(incident, 80).replace(/,/g, "-")}, ${oneLine(summary, 200)}`;
}

function seenFrom(u: Unexplained): Date | undefined {
  const since = u.since ? Date.parse(u.since) : Number.NaN;
  if (Number.isNaN(since)) return undefined;
  return new Date(since + (parseDuration(u.for) ?? 0));
}

/** One paragraph per observed fact; every line begins with our words, so no log line can read as a field. */
function factsOf(input: DraftInput, e: FailureEvidence): string[] {
  const u = input.failure;
  const where =
    u.context && u.zone ? `${u.context} (zone ${u.zone})` : (u.context ?? (u.zone ? `zone ${u.zone}` : ""));
  const seen = input.seenAt ?? seenFrom(u);
  const who = `${u.container ? `${u.role === "init" ? "init container" : "container"} ${u.container} of ` : ""}pod ${u.pod.namespace ? `${u.pod.namespace}/` : ""}${u.pod.name}${u.owner ? ` (${u.owner.kind} ${u.owner.name})` : ""}`;
  const how = [u.for ? ` for ${u.for}` : "", u.restarts ? `, after ${u.restarts} restarts` : ""].join("");
  const out = [
    `Seen${where ? ` in ${where}` : ""}${seen ? ` on ${seen.toISOString().slice(0, 10)}` : ""}: ${who} showed ${u.reason}${how}.`,
  ];
  if (input.pods.length > 1)
    out.push(
      `Seen on ${input.pods.length} pods of ${workloadOf(u)} at once: ${input.pods.slice(0, 5).map(code).join(", ")}${input.pods.length > 5 ? ", …" : ""}.`,
    );
  out.push(`The pod's status read ${code(u.status)}.`);
  if (u.message && !isBackOff(u.message)) out.push(`Read from ${u.source}: ${code(u.message)}.`);
  if (u.logs?.lines.length)
    out.push(`The last lines of its ${u.logs.source}: ${u.logs.lines.slice(-3).map(code).join(", ")}.`);
  const events = u.events.filter((ev) => !u.message || !ev.text.includes(u.message)).slice(-2);
  if (events.length) out.push(`Its last events: ${events.map((ev) => code(ev.text)).join(", ")}.`);
  if (e.phrase && !u.logs?.lines.length && !u.message) out.push(`The error it gave: ${code(e.phrase)}.`);
  // Names and contexts are the cluster's words too: each fact stays one line.
  return out.map((line) => oneLine(line, 2000));
}

/** Untrusted text as inline code on one line: redacted, escapes shown, no backtick to end it early. */
function code(text: string): string {
  return `\`${oneLine(text, 240).replace(/`/g, "'")}\``;
}

/** IF from the symptom, THEN gather, RUN the commands with placeholders for the names. */
function stepsOf(u: Unexplained, e: FailureEvidence): EntryFields["steps"] {
  const where = u.container ? ` in ${u.role === "init" ? "init container" : "container"} ${u.container}` : "";
  const said = e.phrase ? ` and its ${e.from ?? "status"} says "${e.phrase.replace(/"/g, "'")}"` : "";
  const logs = u.commands.find((c) => /^kubectl logs\b/.test(c));
  const steps: EntryFields["steps"] = [
    { kind: "IF", text: braceless(`${podsOf(u)} shows ${u.reason}${where}${said}`, 400) },
    {
      kind: "THEN",
      text: `read what its ${logs ? "status, events and logs" : "status and events"} say before changing anything`,
    },
    { kind: "RUN", text: "kubectl describe pod {pod-name} -n {namespace}" },
  ];
  if (logs && u.container)
    steps.push({
      kind: "RUN",
      text: `kubectl logs {pod-name} -n {namespace} -c {container}${/\s--previous\b/.test(logs) ? " --previous" : ""}`,
    });
  steps.push({
    kind: "RUN",
    text: "kubectl get events -n {namespace} --field-selector involvedObject.name={pod-name}",
  });
  return steps;
}

/** Untrusted text in a step: one line, and braces (which read as placeholders) shown as parentheses. */
function braceless(text: string, max: number): string {
  return oneLine(text, max).replace(/\{/g, "(").replace(/\}/g, ")");
}
