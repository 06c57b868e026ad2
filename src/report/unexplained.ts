// Failing pods no pitfall explains, as text: what fails, since when, the events and log lines, the commands.
import type { Unexplained } from "../model/unexplained.js";
import { objectLabel, plural } from "./labels.js";
import type { Paint } from "./types.js";

const INDENT = "    ";

/** The heading and one block per failure; nothing when there are none. */
export function unexplainedLines(list: readonly Unexplained[], paint: Paint): string[] {
  if (!list.length) return [];
  const out = [
    paint("bold", "unexplained failures"),
    paint(
      "dim",
      "  failing now, and no pitfall on the pages explains it: each is a candidate for a new entry",
    ),
  ];
  for (const u of list) out.push(...blockOf(u, paint));
  out.push("");
  return out;
}

function blockOf(u: Unexplained, paint: Paint): string[] {
  const where = [
    `${u.context ? `${u.context}: ` : ""}${objectLabel(u.pod)}`,
    u.container ? `${u.role === "init" ? "init container" : "container"} ${u.container}` : undefined,
    u.owner ? `owner ${objectLabel(u.owner)}` : undefined,
  ].filter(Boolean);
  const head = [
    u.reason,
    u.for ? `for ${u.for}` : undefined,
    u.restarts ? plural(u.restarts, "restart") : undefined,
  ].filter(Boolean);
  const lines = [`  ${paint("red", "FAILING ")} ${paint("cyan", where.join(" · "))}`];
  const reported = u.reportedAs.length
    ? ` (reported as ${u.reportedAs.join(", ")} without a known cause)`
    : "";
  lines.push(`${INDENT}${head.join(", ")}${reported}${u.message ? `: ${u.message}` : ""}`);
  lines.push(`${INDENT}${paint("dim", "status:")} ${u.status}`);
  for (const e of u.events) lines.push(`${INDENT}${paint("dim", `${e.kind}:`)} ${e.text}`);
  if (u.logs) {
    lines.push(`${INDENT}${paint("dim", `${u.logs.source}, last ${plural(u.logs.lines.length, "line")}:`)}`);
    for (const l of u.logs.lines) lines.push(`${INDENT}${paint("dim", "|")} ${l}`);
  }
  for (const c of u.commands) lines.push(`${INDENT}${paint("cyan", "RUN:")} ${c}`);
  return lines;
}
