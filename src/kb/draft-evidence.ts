// What an unexplained failure says in its own words: the line that tells what went wrong (a log line, the status or
// event message), the phrase in it that names the error, and the words a page entry would have to use to explain it.
import { redact } from "../model/redact.js";
import { visible } from "../model/sanitize.js";
import type { Unexplained } from "../model/unexplained.js";
import { termsOf } from "./search.js";

/** Words that say something went wrong (in a log line or a Kubernetes message). */
const ERROR_WORDS =
  /\b(errors?|fail(?:ed|ure|s|ing)?|refused|denied|not|no such|cannot|can't|unable|invalid|panic|fatal|exception|timed? ?out|unreachable|killed|forbidden|unauthori[sz]ed|missing|didn't|insufficient|exceeded|unknown (?:host|command|flag))\b/i;
/** Kubernetes' own back-off notice says nothing about the cause. */
const BACK_OFF = /^back-?off /i;
/** Reasons whose cause is in the container's log rather than in the status message. */
const LOG_FIRST = new Set(["CrashLoopBackOff", "Error", "OOMKilled"]);
/** Words every failure has, which tell no two failures apart. */
const GENERIC = new Set(
  termsOf(
    "error errors fail failed failure container containers pod pods back off backoff restart restarting starting start unknown exit code message status warning",
  ),
);

export interface FailureEvidence {
  /** The line that tells what went wrong, redacted and on one line; absent when there is none. */
  line?: string;
  /** Where the line was read: `previous log`, `status message`. */
  from?: string;
  /** The part of the line that names the error (`exec format error`); absent when none stands out. */
  phrase?: string;
  /** The words of the line that a page entry explaining it would use (names of the failing objects left out). */
  terms: string[];
}

/** The evidence of a failure: its telling line, the error phrase in it and its words. */
export function evidenceOf(u: Unexplained): FailureEvidence {
  const message = u.message && !isBackOff(u.message) ? u.message : undefined;
  const logs = [...(u.logs?.lines ?? [])].reverse();
  const fromLogs = logs.map((l) => [l, u.logs!.source] as const);
  const fromMessage = message ? [[message, messageSource(u)] as const] : [];
  const order = LOG_FIRST.has(u.reason) ? [...fromLogs, ...fromMessage] : [...fromMessage, ...fromLogs];
  const hit = order.find(([l]) => ERROR_WORDS.test(l)) ?? order[0];
  if (!hit) return { terms: [] };
  const line = oneLine(hit[0]);
  const phrase = phraseOf(line);
  const names = new Set(
    termsOf(
      [u.pod.name, u.pod.namespace, u.owner?.name, u.container].filter((n) => n !== undefined).join(" "),
    ),
  );
  const terms = termsOf(withoutPaths(line)).filter((t) => !GENERIC.has(t) && !names.has(t));
  return { line, from: hit[1], ...(phrase ? { phrase } : {}), terms };
}

/** Kubernetes' back-off notice (`back-off 5m0s restarting failed container=…`): no cause in it. */
export function isBackOff(message: string): boolean {
  return BACK_OFF.test(message);
}

function messageSource(u: Unexplained): string {
  return u.source.startsWith("event ") ? `${u.source} message` : "status message";
}

/**
 * The error-naming part of a line: split at `: ` (how Go and kubelet chain errors), the last part with an error
 * word, with a bare number after it kept (`statuscode: 503`).
 */
export function phraseOf(line: string): string | undefined {
  const parts = line
    .split(/\s*:\s+/)
    .map((p) => p.trim())
    .filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    if (!ERROR_WORDS.test(part)) continue;
    const next = parts[i + 1];
    const whole = next && /^\d+$/.test(next) ? `${part}: ${next}` : part;
    const cut = whole.replace(/^["'`(\s]+|["'`).,;\s]+$/g, "");
    return cut.length > 80 ? `${cut.slice(0, 79)}…` : cut;
  }
  return undefined;
}

/** Untrusted text made one line, redacted, with every control character shown as an escape. */
export function oneLine(text: string, max = 300): string {
  const t = visible(redact(text)).replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Paths (`/usr/local/bin/app`) are one binary's or volume's: their parts are no words to match a page on. */
function withoutPaths(line: string): string {
  return line.replace(/(?:^|\s)\S*\/\S*/g, " ");
}
