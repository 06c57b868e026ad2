// Text that came from a cluster, a log or a page, made safe to show on a terminal: control characters and
// escape sequences are shown as `\x1b`, `\n`, `\u202e`, never interpreted, and a one-line field stays on one line.
// Tabs stay (they move the cursor forward only). Renderers apply this to what they did not write themselves, so
// their own colours keep working.

// C0 controls but tab, DEL, C1 controls, line and paragraph separators, and the bidirectional overrides that
// reorder what a reader sees (Trojan Source).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, "g");
const CONTROLS_BUT_NEWLINE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\u001b": "\\x1b" };

function shown(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line: every control character shown as an escape (`\n`, `\x1b`), nothing interpreted. */
export function visible(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, shown) : text;
}

/** Several lines (a log excerpt, page prose): newlines kept, every other control character shown. */
export function visibleLines(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS_BUT_NEWLINE, shown) : text;
}

/** A value with every string in it made visible on one line; the shape is kept. For data a text renderer prints. */
export function visibleDeep<T>(value: T): T {
  return deep(value, 0) as T;
}

function deep(value: unknown, depth: number): unknown {
  if (typeof value === "string") return visible(value);
  if (typeof value !== "object" || value === null || depth > 200) return value;
  if (Array.isArray(value)) return value.map((v) => deep(v, depth + 1));
  // Only plain records: a Map, a class instance or a function is passed on as it is.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = deep(v, depth + 1);
  return out;
}
