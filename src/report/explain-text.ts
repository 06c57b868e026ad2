// `pitfall explain` as text: header, status, owners, containers, conditions, events, log excerpt, findings.
import type { Pitfall } from "../kb/model.js";
import { ageMs, ageText } from "../k8s/duration.js";
import type { ObjectStatus } from "../k8s/status-summary.js";
import type { Finding } from "../model/finding.js";
import type { ObjectRef } from "../model/kube.js";
import { clip } from "../model/redact.js";
import { visibleDeep } from "../model/sanitize.js";
import { findingBlock } from "./finding-block.js";
import { objectLabel as label } from "./labels.js";
import type { Paint } from "./types.js";

export interface EventStory {
  /** The object the event is about, e.g. `Pod ge-agents/web-1`. */
  object: string;
  type?: string;
  reason?: string;
  message: string;
  count: number;
  first?: string;
  last?: string;
}

export interface LogExcerpt {
  pod: string;
  container: string;
  /** The instance before the current one (`kubectl logs --previous`). */
  previous: boolean;
  lines: string[];
  /** Lines before the excerpt that are left out. */
  omitted: number;
}

export interface Explanation {
  object: ObjectRef;
  context?: string;
  zone?: string;
  /** When the snapshot was taken; ages are measured from it. */
  takenAt?: string;
  status: ObjectStatus;
  /** Controllers above the object, nearest first: ReplicaSet, then Deployment. */
  owners: ObjectRef[];
  /** For workloads: the pods they control (through ReplicaSets or Jobs). */
  pods: ObjectRef[];
  /** Newest last. */
  events: EventStory[];
  logs: LogExcerpt[];
  findings: Finding[];
}

/** `5m ago`, for event and termination times; empty when the time is unknown. */
function agoText(timestamp: string | undefined, now: Date): string {
  const ms = ageMs(timestamp, now);
  return ms === undefined ? "" : `${ageText(ms)} ago`;
}

/** The story as text: header, status, owners, containers, conditions, events, log excerpt, findings. */
export function formatExplanation(
  given: Explanation,
  paint: Paint,
  pitfall: (id: string) => Pitfall | undefined = () => undefined,
): string {
  // What came from the cluster (messages, log lines) is shown, never interpreted, and stays on its line.
  const e = visibleDeep(given);
  const now = e.takenAt ? new Date(e.takenAt) : new Date();
  const where = [e.context ? `context ${e.context}` : "", e.zone ? `zone ${e.zone}` : ""]
    .filter(Boolean)
    .join(", ");
  const out = [
    `${paint("bold", label(e.object))}${where ? paint("dim", `  (${where})`) : ""}`,
    `  ${e.status.summary}`,
  ];
  const section = (title: string) => out.push("", paint("bold", title));
  if (e.owners.length) {
    section("Owners");
    out.push(`  ${[label(e.object), ...e.owners.map(label)].join(" → ")}`);
  }
  if (e.pods.length) {
    section(`Pods (${e.pods.length})`);
    for (const p of e.pods) out.push(`  ${p.name}`);
  }
  if (e.status.containers.length) {
    section("Containers");
    for (const c of e.status.containers) {
      const role = c.role === "regular" ? "" : ` (${c.role})`;
      const ready = c.ready === undefined ? "" : c.ready ? " · ready" : " · not ready";
      out.push(`  ${paint("bold", c.name)}${role}  ${c.state}${ready} · restarts ${c.restarts}`);
      if (c.stateMessage) out.push(`    ${paint("dim", c.stateMessage)}`);
      const t = c.lastTermination;
      if (t) {
        const facts = [
          t.reason ?? "terminated",
          t.exitCode !== undefined ? `exit code ${t.exitCode}` : "",
          t.finishedAt ? `finished ${agoText(t.finishedAt, now)}` : "",
        ].filter(Boolean);
        out.push(
          `    last run: ${facts.join(", ")}${t.message ? paint("dim", ` — ${clip(t.message)}`) : ""}`,
        );
      }
    }
  }
  const conditions = e.status.conditions;
  if (conditions.length) {
    section("Conditions");
    for (const c of conditions) {
      const status = c.status === undefined ? "Unknown" : c.status ? "True" : "False";
      const why = [c.reason, c.message].filter(Boolean).join(": ");
      out.push(`  ${c.type} ${status}${why ? paint("dim", `  ${why}`) : ""}`);
    }
  }
  section(`Events${e.events.length ? " (newest last)" : ""}`);
  if (!e.events.length)
    out.push(paint("dim", "  none in the snapshot (events expire after an hour by default)"));
  for (const ev of e.events) {
    const count = ev.count > 1 ? ` x${ev.count}` : "";
    const when = agoText(ev.last ?? ev.first, now);
    const about = ev.object === label(e.object) ? "" : paint("dim", ` [${ev.object}]`);
    out.push(
      `  ${ev.type ?? ""} ${ev.reason ?? ""}${count}${when ? paint("dim", ` (${when})`) : ""}${about}: ${ev.message}`.replace(
        /^ {3}/,
        "  ",
      ),
    );
  }
  for (const log of e.logs) {
    const what = log.previous ? "Previous log" : "Current log";
    section(
      `${what} of ${log.pod}/${log.container}${log.omitted ? ` (last ${log.lines.length} lines)` : ""}`,
    );
    for (const line of log.lines) out.push(`  ${paint("dim", "|")} ${line}`);
  }
  section(`Findings (${e.findings.length})`);
  if (!e.findings.length) out.push(paint("dim", "  no pitfall matches this object"));
  for (const f of e.findings) out.push(...findingBlock(f, pitfall(f.pitfall), { paint, indent: "  " }), "");
  return `${out.join("\n").trimEnd()}\n`;
}
