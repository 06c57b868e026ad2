// The short JSON of a pitfall, the same wherever pitfalls are listed: `kb list -o json`, the API, MCP.
import type { Pitfall } from "./model.js";

/** `["ALL"]` or the zone numbers as strings. */
export function zonesOf(p: Pitfall): string[] {
  return p.zones.all ? ["ALL"] : p.zones.zones.map(String);
}

export function pitfallSummary(p: Pitfall) {
  return {
    id: p.id,
    title: p.title,
    severity: p.severity,
    zones: zonesOf(p),
    source: { file: p.source.file, line: p.source.line },
  };
}
