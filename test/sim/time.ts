// Time as the API shows it: RFC 3339 seconds, relative placeholders in fixtures, kubectl-style ages.

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `2026-03-26T10:00:00Z`, the form the API server writes timestamps in. */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const PLACEHOLDER = /\{\{now(?:([+-])((?:\d+[smhd])+))?\}\}/g;

/** Replaces `{{now}}`, `{{now-30d}}`, `{{now-5m12s}}`, `{{now+1h}}` with timestamps relative to `nowMs`. */
export function resolvePlaceholders(text: string, nowMs: number): string {
  return text.replace(PLACEHOLDER, (_all, sign: string | undefined, span: string | undefined) => {
    const seconds = span ? parseSpan(span) : 0;
    return rfc3339(nowMs + (sign === "-" ? -seconds : seconds) * 1000);
  });
}

function parseSpan(span: string): number {
  let total = 0;
  for (const m of span.matchAll(/(\d+)([smhd])/g)) total += Number(m[1]) * (UNIT_SECONDS[m[2]!] ?? 0);
  return total;
}

/** kubectl's short age: `10s`, `5m12s`, `3h`, `30d`, `2y`. */
export function humanAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Age of an RFC 3339 timestamp at `nowMs`, `<unknown>` when there is none. */
export function ageOf(timestamp: unknown, nowMs: number): string {
  const t = typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(t) ? "<unknown>" : humanAge((nowMs - t) / 1000);
}
