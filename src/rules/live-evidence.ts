// Readers the live detectors share: ages, events, log lines, and JSON paths as people read them.
import { formatDuration } from "../k8s/duration.js";
import { asInteger, asRecord, asString } from "../k8s/fields.js";
import type { KubeObject } from "../model/kube.js";
import { redact } from "../model/redact.js";
import type { Evidence } from "../model/finding.js";

/** Milliseconds from an RFC 3339 timestamp to `now`; undefined when there is no usable timestamp. */
export function ageMs(timestamp: unknown, now: Date): number | undefined {
  if (typeof timestamp !== "string" || timestamp === "") return undefined;
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? undefined : now.getTime() - t;
}

/** `3d4h`, `5m12s`: two parts at most, never negative (clock skew between nodes). */
export function ageText(ms: number): string {
  return formatDuration(Math.max(0, ms), 2);
}

/** `status.containerStatuses[0].state.waiting`. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** An Event in either shape (core/v1 or events.k8s.io/v1), every field checked. */
export interface EventView {
  type?: string;
  reason?: string;
  message: string;
  count?: number;
  /** When it was first seen. */
  first?: string;
  /** When it was last seen. */
  last?: string;
  /** `spec.containers{app}` when the event is about one container. */
  fieldPath?: string;
}

export function eventView(event: unknown): EventView {
  const e = asRecord(event);
  const series = asRecord(e?.series);
  const involved = asRecord(e?.involvedObject) ?? asRecord(e?.regarding);
  const view: EventView = { message: asString(e?.message) ?? asString(e?.note) ?? "" };
  const type = asString(e?.type);
  const reason = asString(e?.reason);
  const count = asInteger(series?.count) ?? asInteger(e?.count) ?? asInteger(e?.deprecatedCount);
  const first =
    nonEmpty(e?.firstTimestamp) ?? nonEmpty(e?.deprecatedFirstTimestamp) ?? nonEmpty(e?.eventTime);
  const last =
    nonEmpty(series?.lastObservedTime) ??
    nonEmpty(e?.lastTimestamp) ??
    nonEmpty(e?.deprecatedLastTimestamp) ??
    nonEmpty(e?.eventTime) ??
    first;
  const fieldPath = asString(involved?.fieldPath);
  if (type) view.type = type;
  if (reason) view.reason = reason;
  if (count !== undefined) view.count = count;
  if (first) view.first = first;
  if (last) view.last = last;
  if (fieldPath) view.fieldPath = fieldPath;
  return view;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The container an event names in its field path (`spec.initContainers{migrate}` → `migrate`). */
export function eventContainer(view: EventView): string | undefined {
  return /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]*)\}$/.exec(
    view.fieldPath ?? "",
  )?.[1];
}

/** `Warning BackOff (x8421 over 30d, last 1m ago): Back-off restarting failed container …`. */
export function eventEvidence(view: EventView, now: Date): Evidence {
  const first = ageMs(view.first, now);
  const last = ageMs(view.last, now);
  const when: string[] = [];
  if (view.count !== undefined && view.count > 1) {
    when.push(first !== undefined ? `x${view.count} over ${ageText(first)}` : `x${view.count}`);
  }
  if (last !== undefined) when.push(`last ${ageText(last)} ago`);
  const head = [view.type, view.reason].filter(Boolean).join(" ");
  const text = `${head}${when.length ? ` (${when.join(", ")})` : ""}: ${clip(view.message)}`;
  return { kind: "event", text, source: `event ${view.reason ?? "(no reason)"}` };
}

/** The events of an object as views, oldest first (the lookup's order). */
export function eventsOf(
  lookup: { eventsFor(o: KubeObject): KubeObject[] },
  object: KubeObject,
): EventView[] {
  return lookup.eventsFor(object).map(eventView);
}

/** Log text as lines, carriage returns dropped. */
export function logLines(text: string | undefined): string[] {
  return typeof text === "string" && text !== "" ? text.split("\n").map((l) => l.replace(/\r$/, "")) : [];
}

const MAX_TEXT = 400;

/** Long log lines and messages cut to a readable length; redacted first, so a cut never leaves half a secret. */
export function clip(text: string): string {
  const t = redact(text).trim();
  return t.length > MAX_TEXT ? `${t.slice(0, MAX_TEXT - 1)}…` : t;
}
