// Events in either API shape (core/v1 and events.k8s.io/v1), read field by field.
import { ownCopy } from "../model/own-copy.js";
import { asInteger, asRecord, asString } from "./fields.js";

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
  const fieldPath = view.fieldPath ?? "";
  let container = containers.get(fieldPath);
  if (container === undefined) {
    // What is kept for the process is a copy, not a slice of the text the event was read from.
    const kept = containers.size < REMEMBER_AT_MOST;
    const own = kept ? ownCopy(fieldPath) : fieldPath;
    container = CONTAINER_PATH.exec(own)?.[1] ?? NONE;
    if (kept) containers.set(own, container);
  }
  return container === NONE ? undefined : container;
}

const CONTAINER_PATH = /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]*)\}$/;
// Rules filter a failing pod's events by container again and again, and a cluster's events name few field paths.
// Bounded, and pure results only, so sharing it across runs is safe.
const containers = new Map<string, string | typeof NONE>();
const NONE = Symbol("no container");
const REMEMBER_AT_MOST = 4096;
