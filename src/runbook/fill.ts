// Fill a pitfall's steps with the names from a finding, so the commands can be pasted as they are.
import type { Step } from "../kb/model.js";
import type { RunbookStep } from "../model/finding.js";

/** `{pod-name}`, `{image}`: lower-case words joined by `-` or `_`. Not `${VAR}` (shell). */
export const PLACEHOLDER = /(?<!\$)\{([a-z][a-z0-9]*(?:[-_][a-z0-9]+)*)\}/g;

/** Placeholders whose value is always a whole real name: a page prefix such as `ge-{namespace}` gives way to it. */
const WHOLE_NAMES = new Set(["namespace"]);

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** Quote for a POSIX shell, outside any quotes. */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Escape for use inside a double-quoted shell string. */
function doubleQuoteEscape(value: string): string {
  return value.replace(/[\\$`"]/g, (c) => `\\${c}`);
}

export interface FillResult {
  text: string;
  unfilled: string[];
}

/**
 * Replace `{name}` placeholders with values. In a shell command (`shell: true`) each value is quoted for
 * the spot it lands in, so no name, image or log text can add a command.
 */
export function fillText(
  text: string,
  values: Record<string, string | undefined>,
  shell: boolean,
  whole: ReadonlySet<string> = WHOLE_NAMES,
): FillResult {
  const unfilled: string[] = [];
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const key = m[1]!;
    const start = m.index!;
    const value = values[key];
    if (value === undefined || value === "") {
      if (!unfilled.includes(key)) unfilled.push(key);
      continue;
    }
    // A literal prefix glued to the placeholder, e.g. `ge-` in `ge-{namespace}`.
    const prefix = /[A-Za-z0-9]+[-.]$/.exec(text.slice(last, start))?.[0] ?? "";
    let from = start;
    let replacement: string = value;
    if (prefix && (value.startsWith(prefix) || whole.has(key))) from = start - prefix.length;
    if (shell) {
      const inDouble = insideDoubleQuotes(text, from);
      replacement = inDouble ? doubleQuoteEscape(replacement) : shellQuote(replacement);
    }
    out += text.slice(last, from) + replacement;
    last = start + m[0].length;
  }
  out += text.slice(last);
  return { text: out, unfilled };
}

function insideDoubleQuotes(text: string, at: number): boolean {
  let dq = false;
  let sq = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (c === "\\" && !sq) i++;
    else if (c === '"' && !sq) dq = !dq;
    else if (c === "'" && !dq) sq = !sq;
  }
  return dq;
}

/**
 * A pitfall's steps, filled. RUN steps are shell commands; the others are prose. `whole` names placeholders
 * whose values are complete names (a stream key for `triggers.{agent}`), so a prefix glued to them gives way.
 */
export function fillSteps(
  steps: Step[],
  values: Record<string, string | undefined>,
  whole: string[] = [],
): RunbookStep[] {
  const wholeNames = whole.length ? new Set([...WHOLE_NAMES, ...whole]) : WHOLE_NAMES;
  return steps.map((s) => {
    const r = fillText(s.text, values, s.kind === "RUN", wholeNames);
    const step: RunbookStep = { kind: s.kind, text: r.text };
    if (r.unfilled.length) step.unfilled = r.unfilled;
    return step;
  });
}
