// Kubernetes resource quantities (`500m`, `1.5Gi`, `129e6`), read exactly the way apimachinery does.

interface Exact {
  negative: boolean;
  /** All digits of the number, the decimal point dropped. */
  mantissa: bigint;
  exp10: number;
  exp2: number;
}

const NUMBER = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
// Past this, a value is not a real amount of anything; refusing it also keeps BigInt powers small.
const MAX_EXPONENT = 400;

function parseExact(value: unknown): Exact | undefined {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === "string") {
    text = value;
  } else {
    return undefined;
  }
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, num, suffix] = m as unknown as [string, string, string, string];
  const [whole = "", frac = ""] = num.split(".");
  let exp10 = -frac.length;
  let exp2 = 0;
  if (Object.hasOwn(BINARY, suffix)) {
    exp2 = BINARY[suffix]!;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    // `1E` is exa, `1E3` is an exponent: only digits after the letter make it an exponent.
    exp10 += Number(suffix.slice(1));
  } else if (Object.hasOwn(DECIMAL, suffix)) {
    exp10 += DECIMAL[suffix]!;
  } else {
    return undefined;
  }
  if (Math.abs(exp10) > MAX_EXPONENT) return undefined;
  return { negative: sign === "-", mantissa: BigInt(whole + frac || "0"), exp10, exp2 };
}

/** The value times 10^scale, rounded up as apimachinery's `MilliValue`/`Value` do. */
function scaledCeil(q: Exact, scale: number): number | undefined {
  let num = q.mantissa << BigInt(q.exp2);
  const e = q.exp10 + scale;
  if (e >= 0) {
    num *= 10n ** BigInt(e);
  } else {
    const den = 10n ** BigInt(-e);
    num = (num + den - 1n) / den;
  }
  const n = Number(num);
  return Number.isFinite(n) ? n : undefined;
}

/** CPU in millicores: `"500m"` → 500, `"2"` → 2000, `0.5` → 500. Resource amounts are never negative. */
export function parseCpu(value: unknown): number | undefined {
  return remembered(cpuSeen, value, (v) => {
    const q = parseExact(v);
    if (!q || (q.negative && q.mantissa !== 0n)) return undefined;
    return scaledCeil(q, 3);
  });
}

/** Memory or storage in bytes: `"512Mi"`, `"1.5Gi"`, `"129e6"`, `128974848`. Fractions of a byte round up. */
export function parseBytes(value: unknown): number | undefined {
  return remembered(bytesSeen, value, (v) => {
    const q = parseExact(v);
    if (!q || (q.negative && q.mantissa !== 0n)) return undefined;
    return scaledCeil(q, 0);
  });
}

// A cluster repeats a handful of quantity strings thousands of times; exact parsing (BigInt) is not free.
// The caches are bounded and hold only pure results, so sharing them across runs is safe.
const cpuSeen = new Map<string, number | undefined>();
const bytesSeen = new Map<string, number | undefined>();
const REMEMBER_AT_MOST = 4096;

function remembered(
  seen: Map<string, number | undefined>,
  value: unknown,
  parse: (v: unknown) => number | undefined,
) {
  if (typeof value !== "string") return parse(value);
  if (seen.has(value)) return seen.get(value);
  const result = parse(value);
  if (seen.size < REMEMBER_AT_MOST) seen.set(value, result);
  return result;
}

/** `500m`, `2`, `1500m`: whole cores when exact, millicores otherwise (the canonical form). */
export function formatCpu(milli: number): string {
  if (!Number.isFinite(milli)) return "";
  const m = Math.round(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

const BINARY_UNITS = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** `512Mi`, `1.5Gi`, `900`: the largest binary unit that keeps the number at 1 or more, two decimals at most. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "";
  const sign = bytes < 0 ? "-" : "";
  let rest = Math.abs(bytes);
  if (rest < 1024) return sign + String(Math.round(rest));
  let unit = -1;
  while (unit < BINARY_UNITS.length - 1 && rest >= 1024) {
    rest /= 1024;
    unit++;
  }
  let rounded = Math.round(rest * 100) / 100;
  // 1023.999Mi would print as 1024Mi; say 1Gi instead.
  if (rounded >= 1024 && unit < BINARY_UNITS.length - 1) {
    rounded = Math.round((rest / 1024) * 100) / 100;
    unit++;
  }
  return `${sign}${rounded}${BINARY_UNITS[unit]}`;
}
