// Go-style durations (`1h30m`, `500ms`) as Kubernetes and operators write them; `d` accepted too.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PART = "(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h|d)";

/** Milliseconds, or undefined when the text is not a duration. `0` alone is allowed, as in Go. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return undefined;
  // A sticky regex keeps its position between calls, so each call gets its own.
  const part = new RegExp(PART, "y");
  let total = 0;
  while (part.lastIndex < s.length) {
    const m = part.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

const STEPS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/**
 * `1h`, `15m`, `3d4h`, `45s`, `1s500ms`: largest units first, zero parts left out. `maxParts` keeps only the
 * first few parts (rounded down), as ages are shown: `formatDuration(ms, 2)` → `3d4h`, `10s` (never `10s529ms`).
 */
export function formatDuration(ms: number, maxParts = Number.POSITIVE_INFINITY): string {
  if (!Number.isFinite(ms)) return "";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return "0s";
  // An age (a few parts) of a second or more never shows milliseconds: `5m12s`, not `5m12s529ms`.
  const steps = Number.isFinite(maxParts) && rest >= 1000 ? STEPS.slice(0, -1) : STEPS;
  let out = "";
  let parts = 0;
  for (const [unit, size] of steps) {
    if (parts >= maxParts) break;
    const n = Math.floor(rest / size);
    if (n === 0) {
      // Once a part is written, a gap still counts toward the limit: `3d0h5m` at two parts is `3d`.
      if (parts > 0) parts++;
      continue;
    }
    out += `${n}${unit}`;
    rest -= n * size;
    parts++;
  }
  return sign + out;
}

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
