// A cheap first look at a GUARD line, without loading CEL: the line is a chain of `&&`, and when one link is
// plainly false for this command (`command.verb == 'cp'` for a `get`, `'memory' in command.limits` when it sets
// none, `command.files.exists(…)` when it sends no file), CEL would say false too. Anything it cannot read is a
// "maybe", so CEL decides; the guard runs before every agent command and should not pay for CEL on a `kubectl get`.

type Value = unknown;
const UNKNOWN = Symbol("unknown");

/** False only when the line cannot hold for this command; true means CEL must decide. */
export function mayMatch(expr: string, command: Record<string, unknown>): boolean {
  for (const part of conjuncts(expr)) if (conjunct(part.trim(), command) === false) return false;
  return true;
}

/** The top-level `&&` links, outside strings, parentheses and brackets; one link when there is a top-level `||`. */
function conjuncts(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && expr.startsWith("||", i)) return [expr];
    else if (depth === 0 && expr.startsWith("&&", i)) {
      out.push(expr.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(expr.slice(start));
  return out;
}

const STRING = String.raw`'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"`;
const PATH = String.raw`command((?:\.\??[A-Za-z_][A-Za-z0-9_]*)+)`;
const OR_VALUE = String.raw`(?:\.orValue\((${STRING}|true|false|-?\d+)\))?`;

const EQUALS = new RegExp(`^${PATH}${OR_VALUE}\\s*(==|!=)\\s*(?:${STRING}|(true|false))$`);
const IN_LIST = new RegExp(`^${PATH}\\s+in\\s+\\[([^\\]]*)\\]$`);
const KEY_IN = new RegExp(`^(?:${STRING})\\s+in\\s+${PATH}$`);
const EXISTS = new RegExp(`^${PATH}\\.exists\\(`);

/** true, false, or undefined when this link is not one the prefilter reads. */
function conjunct(part: string, command: Record<string, unknown>): boolean | undefined {
  let m = EQUALS.exec(part);
  if (m) {
    const [, path, literalDefault, dq1, dq2, op, s1, s2, bool] = m;
    const value = valueAt(
      command,
      path!,
      literalDefault === undefined ? UNKNOWN : literal(literalDefault, dq1, dq2),
    );
    // Only strings and booleans compare here as in CEL; other types (a list against a string) are CEL's to judge.
    if (typeof value !== "string" && typeof value !== "boolean") return undefined;
    const want: Value = bool !== undefined ? bool === "true" : unquote(s1 ?? s2 ?? "");
    return op === "==" ? value === want : value !== want;
  }
  m = IN_LIST.exec(part);
  if (m) {
    const value = valueAt(command, m[1]!, UNKNOWN);
    const items = [...m[2]!.matchAll(new RegExp(STRING, "g"))].map((i) => unquote(i[1] ?? i[2] ?? ""));
    if (value === UNKNOWN || typeof value !== "string") return undefined;
    return items.includes(value);
  }
  m = KEY_IN.exec(part);
  if (m) {
    const map = valueAt(command, m[3]!, UNKNOWN);
    if (typeof map !== "object" || map === null || Array.isArray(map)) return undefined;
    return Object.hasOwn(map, unquote(m[1] ?? m[2] ?? ""));
  }
  m = EXISTS.exec(part);
  if (m) {
    const list = valueAt(command, m[1]!, UNKNOWN);
    // Nothing exists in an empty list, whatever the predicate.
    if (Array.isArray(list) && list.length === 0) return false;
  }
  return undefined;
}

function literal(text: string, dq1: string | undefined, dq2: string | undefined): Value {
  if (dq1 !== undefined || dq2 !== undefined) return unquote(dq1 ?? dq2 ?? "");
  if (text === "true" || text === "false") return text === "true";
  return UNKNOWN; // numbers: CEL ints, left to CEL
}

function unquote(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

/** `.a.?b.c` on the command; a missing optional step gives `fallback`, a missing plain step is unknown. */
function valueAt(command: Record<string, unknown>, path: string, fallback: Value | typeof UNKNOWN): Value {
  let cur: unknown = command;
  for (const step of path.split(/(?=\.)/)) {
    const optional = step.startsWith(".?");
    const key = step.slice(optional ? 2 : 1);
    const rec =
      typeof cur === "object" && cur !== null && !Array.isArray(cur)
        ? (cur as Record<string, unknown>)
        : undefined;
    if (!rec || !Object.hasOwn(rec, key)) return optional ? fallback : UNKNOWN;
    cur = rec[key];
  }
  if (fallback === UNKNOWN && /\.\?/.test(path)) return UNKNOWN; // an optional chain without orValue is not a plain value
  return cur;
}
