// Go's time.ParseDuration, which operators use for fields such as an ExternalSecret's `refreshInterval`
// (metav1.Duration): `1h30m`, `500ms`, `.5s`, `-5m`; no `d`, no spaces. Errors carry Go's own wording.

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 1n << 63n;
const DIGIT = /[0-9]/;

export type GoDuration = { ns: bigint; ms: number } | { error: string };

function fail(message: string, orig: string): GoDuration {
  return { error: `time: ${message} ${JSON.stringify(orig)}` };
}

/** `time.ParseDuration(text)`: nanoseconds (and milliseconds), or Go's error text. */
export function parseGoDuration(text: string): GoDuration {
  const orig = text;
  let s = text;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { ns: 0n, ms: 0 };
  if (s === "") return fail("invalid duration", orig);
  let total = 0n;
  while (s !== "") {
    if (!(s[0] === "." || DIGIT.test(s[0]!))) return fail("invalid duration", orig);
    let i = 0;
    let whole = 0n;
    while (i < s.length && DIGIT.test(s[i]!)) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > MAX) return fail("invalid duration", orig);
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let fraction = 0n;
    let scale = 1n;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && DIGIT.test(s[j]!)) {
        // Go stops taking digits once the fraction no longer fits; later ones are read and dropped.
        const next = fraction * 10n + BigInt(s.charCodeAt(j) - 48);
        if (overflow || fraction > (MAX - 1n) / 10n || next > MAX) overflow = true;
        else {
          fraction = next;
          scale *= 10n;
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return fail("invalid duration", orig);
    let u = 0;
    while (u < s.length && s[u] !== "." && !DIGIT.test(s[u]!)) u++;
    if (u === 0) return fail("missing unit in duration", orig);
    const unitText = s.slice(0, u);
    s = s.slice(u);
    const unit = UNIT_NS[unitText];
    if (unit === undefined) return fail(`unknown unit ${JSON.stringify(unitText)} in duration`, orig);
    if (whole > MAX / unit) return fail("invalid duration", orig);
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes the fraction in float64 (nanosecond-accurate up to hours).
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / Number(scale))));
      if (value > MAX) return fail("invalid duration", orig);
    }
    total += value;
    if (total > MAX) return fail("invalid duration", orig);
  }
  if (!neg && total > MAX - 1n) return fail("invalid duration", orig);
  const ns = neg ? -total : total;
  return { ns, ms: Number(ns) / 1e6 };
}
