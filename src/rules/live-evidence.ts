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

// Views of a list the lookup gave (one list per object and run, never changed once given), made once: a rule
// reads a failing pod's events more than once.
const views = new WeakMap<readonly KubeObject[], EventView[]>();
const NO_EVENTS: readonly EventView[] = [];

/**
 * The events of an object as views, oldest first (the lookup's order). The same list for every call on a list the
 * lookup gave: read it, never change it (a failing pod's hundred events are read by several rules).
 */
export function eventsOf(
  lookup: { eventsFor(o: KubeObject): KubeObject[] },
  object: KubeObject,
): readonly EventView[] {
  const events = lookup.eventsFor(object);
  if (!events.length) return NO_EVENTS;
  let seen = views.get(events);
  if (!seen) {
    seen = events.map(eventView);
    views.set(events, seen);
  }
  return seen;
}
