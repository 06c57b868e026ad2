// Evidence the live detectors share: an event as one line, the events of an object.
import { ageMs, ageText } from "../k8s/duration.js";
import { type EventView, eventView } from "../k8s/events.js";
import type { Evidence } from "../model/finding.js";
import type { KubeObject } from "../model/kube.js";
import { clip } from "../model/redact.js";

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
