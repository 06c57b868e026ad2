// Container log text as the kubelet serves it.

/** Log text as lines, carriage returns dropped. */
export function logLines(text: string | undefined): string[] {
  return typeof text === "string" && text !== "" ? text.split("\n").map((l) => l.replace(/\r$/, "")) : [];
}
