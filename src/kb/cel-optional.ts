// CEL's optional field selection (`a.?b.?c.orValue(d)`, `a.?b.hasValue()`, `m[?'k']`) for a CEL library that does
// not parse it (@bufbuild/cel 0.6): each chain is rewritten into `has()` tests before parsing, so a missing field
// reads as absent instead of failing the whole expression.

/** Text with, for every character, the offset in the expression as written (for error columns). */
interface Mapped {
  text: string;
  src: number[];
}

export interface OptionalRewrite {
  ok: true;
  text: string;
  /** 0-based offset in the original expression of a 0-based offset in `text`. */
  sourceOffset(offset: number): number;
}

export interface OptionalFailure {
  ok: false;
  message: string;
  /** 1-based column in the original expression. */
  column: number;
}

const IDENT = /[A-Za-z0-9_]/;

/** The expression with every optional chain rewritten; unchanged when it has none. */
export function rewriteOptionals(expr: string): OptionalRewrite | OptionalFailure {
  let cur: Mapped = { text: expr, src: [...expr].map((_, i) => i) };
  // Each pass rewrites the first optional chain left; the arguments inside it are rewritten first.
  for (let guard = 0; guard < 1000; guard++) {
    const strings = stringMask(cur.text);
    const at = firstOptional(cur.text, strings);
    if (at < 0) {
      const src = cur.src;
      return { ok: true, text: cur.text, sourceOffset: (o) => src[Math.min(o, src.length - 1)] ?? 0 };
    }
    const result = rewriteChainAt(cur, at, strings);
    if ("message" in result)
      return { ok: false, message: result.message, column: (cur.src[result.at] ?? 0) + 1 };
    cur = result;
  }
  return { ok: false, message: "too many optional selections", column: 1 };
}

/** True for offsets inside a string or bytes literal (quotes included). */
function stringMask(text: string): boolean[] {
  const mask = new Array<boolean>(text.length).fill(false);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== "'" && c !== '"') {
      i++;
      continue;
    }
    // A raw prefix (r'…', rb"…") turns escapes off.
    let p = i - 1;
    let raw = false;
    while (p >= 0 && /[rRbB]/.test(text[p]!)) {
      if (/[rR]/.test(text[p]!)) raw = true;
      p--;
    }
    if (p >= 0 && IDENT.test(text[p]!)) raw = false;
    const triple = text.startsWith(c.repeat(3), i);
    const close = triple ? c.repeat(3) : c;
    let j = i + close.length;
    while (j < text.length && !text.startsWith(close, j)) j += !raw && text[j] === "\\" ? 2 : 1;
    const end = Math.min(text.length, j + close.length);
    for (let k = i; k < end; k++) mask[k] = true;
    i = end;
  }
  return mask;
}

/** Offset of the first `.?` or `[?` outside strings, or -1. */
function firstOptional(text: string, strings: boolean[]): number {
  for (let i = 0; i + 1 < text.length; i++) {
    if (strings[i]) continue;
    if ((text[i] === "." || text[i] === "[") && text[i + 1] === "?") return i;
  }
  return -1;
}

/** The offset of the bracket matching the one at `at`, searching in `dir`, skipping strings; -1 if none. */
function matching(text: string, strings: boolean[], at: number, dir: 1 | -1): number {
  const open = text[at]!;
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}", ")": "(", "]": "[", "}": "{" };
  const close = pairs[open]!;
  let depth = 0;
  for (let i = at; i >= 0 && i < text.length; i += dir) {
    if (strings[i]) continue;
    if (text[i] === open) depth++;
    else if (text[i] === close && --depth === 0) return i;
  }
  return -1;
}

/** Start of the operand that ends right before `at`: `a.b[0].c(x)`, `(…)`, `[…]`, `{…}`. */
function operandStart(text: string, strings: boolean[], at: number): number {
  let j = at;
  for (;;) {
    const prev = text[j - 1];
    if (prev === undefined) return j;
    if (IDENT.test(prev) && !strings[j - 1]) {
      while (j > 0 && IDENT.test(text[j - 1]!) && !strings[j - 1]) j--;
      if (text[j - 1] === "." && !strings[j - 1]) {
        j--;
        continue;
      }
      return j;
    }
    if ((prev === ")" || prev === "]" || prev === "}") && !strings[j - 1]) {
      const open = matching(text, strings, j - 1, -1);
      if (open < 0) return j;
      j = open;
      const before = text[j - 1];
      // `f(…)`, `x[…]`, `x.f(…)[…]` go on; a bare `(…)`, list or map literal is the operand's start.
      if (before !== undefined && !strings[j - 1] && (IDENT.test(before) || before === ")" || before === "]"))
        continue;
      return j;
    }
    if (strings[j - 1]) {
      // A string literal as the operand: `'a'.?x` makes no sense, but keep the literal whole.
      while (j > 0 && strings[j - 1]) j--;
      return j;
    }
    return j;
  }
}

type Op =
  | { type: "select"; field: string; optional: boolean }
  | { type: "index"; key: Mapped; optional: boolean };

function slice(m: Mapped, from: number, to: number): Mapped {
  return { text: m.text.slice(from, to), src: m.src.slice(from, to) };
}

function lit(text: string, at: number): Mapped {
  return { text, src: new Array<number>(text.length).fill(at) };
}

function join(...parts: Mapped[]): Mapped {
  return { text: parts.map((p) => p.text).join(""), src: parts.flatMap((p) => p.src) };
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Rewrite the chain whose first optional operator is at `at`; or where and why it cannot be. */
function rewriteChainAt(
  cur: Mapped,
  at: number,
  strings: boolean[],
): Mapped | { message: string; at: number } {
  const text = cur.text;
  const start = operandStart(text, strings, at);
  if (start === at)
    return { message: "an optional selection needs something to select from, e.g. `object.?spec`", at };
  const base = slice(cur, start, at);
  const ops: Op[] = [];
  let i = at;
  let end: { kind: "orValue"; value: Mapped } | { kind: "hasValue" | "value" } | undefined;
  while (i < text.length && !end) {
    i = skipSpaces(text, i);
    if (text[i] === "." || (text[i] === "[" && !strings[i])) {
      if (text[i] === "[") {
        const optional = text[i + 1] === "?";
        const close = matching(text, strings, i, 1);
        if (close < 0) return { message: "`[` is never closed", at: i };
        const inner = rewriteOptionals(text.slice(i + (optional ? 2 : 1), close));
        if (!inner.ok) return { message: inner.message, at: i };
        const key = lit(inner.text, cur.src[i] ?? 0);
        ops.push({
          type: "index",
          key: join(lit("(", cur.src[i] ?? 0), key, lit(")", cur.src[i] ?? 0)),
          optional,
        });
        i = close + 1;
        continue;
      }
      const optional = text[i + 1] === "?";
      let j = skipSpaces(text, i + (optional ? 2 : 1));
      const nameStart = j;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      const name = text.slice(nameStart, j);
      if (!name) return { message: "a field name must follow `.?`", at: i };
      const after = skipSpaces(text, j);
      if (text[after] === "(" && !optional) {
        const close = matching(text, strings, after, 1);
        if (close < 0) return { message: "`(` is never closed", at: after };
        const args = text.slice(after + 1, close).trim();
        if (name === "orValue") {
          const inner = rewriteOptionals(args);
          if (!inner.ok) return { message: inner.message, at: after };
          if (!inner.text.trim())
            return { message: "orValue needs the value to use when the field is absent", at: i };
          end = { kind: "orValue", value: lit(inner.text, cur.src[after] ?? 0) };
        } else if ((name === "hasValue" || name === "value") && args === "") end = { kind: name };
        else
          return {
            message: `after an optional selection write .orValue(<default>) or .hasValue(), not .${name}(…): optional values cannot be used otherwise here`,
            at: i,
          };
        i = close + 1;
        continue;
      }
      ops.push({ type: "select", field: name, optional });
      i = j;
      continue;
    }
    break;
  }
  if (!end)
    return {
      message:
        "an optional selection must end with .orValue(<default>) or .hasValue(), e.g. `podSpec.?hostNetwork.orValue(false)`",
      at,
    };
  const here = cur.src[at] ?? 0;
  let acc = base;
  const guards: Mapped[] = [];
  for (const op of ops) {
    if (op.type === "select") {
      const next = join(acc, lit(`.${op.field}`, here));
      if (op.optional) guards.push(join(lit("has(", here), next, lit(")", here)));
      acc = next;
    } else {
      if (op.optional)
        guards.push(
          join(
            lit("(type(", here),
            acc,
            lit(") == list ? ", here),
            op.key,
            lit(" >= 0 && ", here),
            op.key,
            lit(" < size(", here),
            acc,
            lit(") : ", here),
            op.key,
            lit(" in ", here),
            acc,
            lit(")", here),
          ),
        );
      acc = join(acc, lit("[", here), op.key, lit("]", here));
    }
  }
  const test = guards.length
    ? guards.reduce((a, g, k) => (k === 0 ? g : join(a, lit(" && ", here), g)))
    : lit("true", here);
  const replacement =
    end.kind === "orValue"
      ? join(lit("((", here), test, lit(") ? ", here), acc, lit(" : (", here), end.value, lit("))", here))
      : end.kind === "hasValue"
        ? join(lit("(", here), test, lit(")", here))
        : acc;
  return join(slice(cur, 0, start), replacement, slice(cur, i, text.length));
}
