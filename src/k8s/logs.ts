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
