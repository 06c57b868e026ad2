// Reading fields of objects that came from user YAML or a live cluster: every value is `unknown` until checked.

/** A JSON path inside an object, e.g. `["spec", "containers", 0, "image"]`. */
export type JsonPath = (string | number)[];

/** The value when it is a plain object (not an array, not null). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The value when it is an array, else an empty list. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A whole, finite number; strings like `"3"` are not numbers here (the API server rejects them too). */
export function asInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** Walk `path` through nested objects and arrays; undefined as soon as a step does not fit. */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (typeof key === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[key];
    } else {
      const rec = asRecord(cur);
      if (!rec || !Object.hasOwn(rec, key)) return undefined;
      cur = rec[key];
    }
  }
  return cur;
}

/** `metadata.name` etc. as a string, whatever the object holds. */
export function metaString(obj: unknown, key: string): string | undefined {
  return asString(asRecord(asRecord(obj)?.metadata)?.[key]);
}

/** `metadata.labels` or `metadata.annotations`, keeping only string values. */
export function metaMap(obj: unknown, key: "labels" | "annotations"): Record<string, string> {
  const out: Record<string, string> = {};
  const map = asRecord(asRecord(asRecord(obj)?.metadata)?.[key]);
  if (!map) return out;
  for (const [k, v] of Object.entries(map)) if (typeof v === "string") out[k] = v;
  return out;
}

/** `status.containerStatuses[0].state.waiting`. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
