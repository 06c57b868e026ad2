// Container log text as the kubelet serves it.

/** Log text as lines, carriage returns dropped. */
export function logLines(text: string | undefined): string[] {
  return typeof text === "string" && text !== "" ? text.split("\n").map((l) => l.replace(/\r$/, "")) : [];
}

/** The last `count` lines of a log, trailing blank lines dropped; indentation kept, very long lines cut. */
export function lastLines(
  text: string | undefined,
  count: number,
  maxLine = 400,
): { lines: string[]; omitted: number } {
  const lines = logLines(text);
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  const tail = lines
    .slice(-count)
    .map((l) => (l.length > maxLine ? `${l.slice(0, maxLine - 1)}…` : l.trimEnd()));
  return { lines: tail, omitted: lines.length - tail.length };
}

/**
 * When a log line says it was written: an RFC 3339 time in it (`2022-12-20T23:41:04Z`, logrus' `time="…"`), or
 * klog's `E1220 23:41:04.436134` header (its year taken from `now`, the year before when that would be later).
 * Undefined when the line carries no time; a time without a zone is read as UTC.
 */
export function lineTime(line: string, now: Date): Date | undefined {
  const iso = /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?/.exec(line);
  if (iso) {
    const t = new Date(`${iso[1]}T${iso[2]}${iso[3] ?? "Z"}`);
    return Number.isNaN(t.getTime()) ? undefined : t;
  }
  const klog = /^[IWEF](\d{2})(\d{2}) (\d{2}:\d{2}:\d{2})/.exec(line);
  if (!klog) return undefined;
  const at = (year: number) => new Date(`${year}-${klog[1]}-${klog[2]}T${klog[3]}Z`);
  const t = at(now.getUTCFullYear());
  if (Number.isNaN(t.getTime())) return undefined;
  return t.getTime() > now.getTime() ? at(now.getUTCFullYear() - 1) : t;
}
