// A page's `redis-cli` steps pointed at the Redis the check actually read: its host and port (and TLS and
// database), whatever the page wrote, so the command reaches the server the findings are about.
import type { RunbookStep } from "../model/finding.js";
import { shellQuote } from "./fill.js";

export interface RedisServer {
  host: string;
  port: number;
  tls?: boolean;
  db?: number;
}

/** Options the connected server replaces (with their value), and the one without a value. */
const REPLACED_WITH_VALUE = new Set(["-h", "-p", "-n", "-u"]);
const REPLACED_FLAG = new Set(["--tls"]);
/** Options kept as the page wrote them, with the value that follows them. */
const KEPT_WITH_VALUE = new Set(["-a", "--user", "--pass", "--cacert", "--cert", "--key", "--sni"]);

export function redisStepsAt(steps: RunbookStep[], server: RedisServer): RunbookStep[] {
  return steps.map((s) =>
    s.kind === "RUN" && /\bredis-cli\b/.test(s.text) ? { ...s, text: pointed(s.text, server) } : s,
  );
}

function pointed(text: string, server: RedisServer): string {
  const words = text.split(/\s+/);
  const at = words.indexOf("redis-cli");
  if (at < 0) return text;
  const kept: string[] = [];
  let i = at + 1;
  while (i < words.length && words[i]!.startsWith("-")) {
    const w = words[i]!;
    if (REPLACED_WITH_VALUE.has(w)) i += 2;
    else if (REPLACED_FLAG.has(w)) i += 1;
    else if (KEPT_WITH_VALUE.has(w)) {
      kept.push(w, ...(words[i + 1] !== undefined ? [words[i + 1]!] : []));
      i += 2;
    } else {
      kept.push(w);
      i += 1;
    }
  }
  const target = ["-h", shellQuote(server.host), "-p", String(server.port)];
  if (server.tls) target.push("--tls");
  if (server.db) target.push("-n", String(server.db));
  return [...words.slice(0, at + 1), ...target, ...kept, ...words.slice(i)].join(" ");
}
