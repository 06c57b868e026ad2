// Kubernetes resource quantities (`500m`, `1.5Gi`, `129e6`), read exactly the way apimachinery does.
import { ownCopy } from "../model/own-copy.js";

interface Exact {
  negative: boolean;
  /** All digits of the number, the decimal point dropped. */
  mantissa: bigint;
  exp10: number;
  exp2: number;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
// Past this, a value is not a real amount of anything; refusing it also keeps BigInt powers small.
const MAX_EXPONENT = 400;
const DIGIT = /[0-9]/;
const SUFFIX_LETTER = /[eEinumkKMGTP]/;

/** apimachinery's own error texts (k8s.io/apimachinery/pkg/api/resource), as the API server returns them. */
export const QUANTITY_ERRORS = {
  format: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  suffix: "unable to parse quantity's suffix",
  numeric: "unable to parse numeric part of quantity",
} as const;

interface Split {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
  /** The number part had a digit (`-`, `.` and `` have none). */
  digits: boolean;
}

/**
 * apimachinery's `parseQuantityString`, step by step: sign, leading zeros, digits, `.` and digits, suffix letters,
 * an optional exponent sign and digits. Its quirks stay (`.`, `-` and `m` are all zero), since the API server has
 * them too.
 */
function splitQuantity(str: string): Split | undefined {
  const end = str.length;
  let pos = 0;
  let negative = false;
  if (str[0] === "-" || str[0] === "+") {
    negative = str[0] === "-";
    pos++;
  }
  const numberStart = pos;
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return { negative, num: "0", denom: "", suffix: "", digits: pos > numberStart };
  let i = pos;
  while (i < end && DIGIT.test(str[i]!)) i++;
  const num = str.slice(pos, i) || "0";
  let digits = i > numberStart;
  if (i >= end) return { negative, num, denom: "", suffix: "", digits };
  pos = i;
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    i = pos;
    while (i < end && DIGIT.test(str[i]!)) i++;
    denom = str.slice(pos, i);
    digits ||= denom.length > 0;
    if (i >= end) return { negative, num, denom, suffix: "", digits };
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTER.test(str[pos]!)) pos++;
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  while (pos < end && DIGIT.test(str[pos]!)) pos++;
  return pos >= end ? { negative, num, denom, suffix: str.slice(suffixStart), digits } : undefined;
}

/** apimachinery's `suffixHandler.interpret`: SI letters, binary `Ki`…`Ei`, or `e`/`E` and a 64-bit exponent. */
function interpretSuffix(suffix: string): { exp10: number; exp2: number } | undefined {
  if (Object.hasOwn(DECIMAL, suffix)) return { exp10: DECIMAL[suffix]!, exp2: 0 };
  if (Object.hasOwn(BINARY, suffix)) return { exp10: 0, exp2: BINARY[suffix]! };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    // Go's strconv.ParseInt: an optional sign, then decimal digits, within int64.
    const digits = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
    const n = BigInt(digits);
    if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
    return { exp10: Number(n), exp2: 0 };
  }
  return undefined;
}

/** The text apimachinery parses: a JSON string or number, with surrounding white space trimmed (UnmarshalJSON). */
function quantityText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  return typeof value === "string" ? value.trim() : undefined;
}

type Read = { split: Split; suffix: { exp10: number; exp2: number } } | { error: string };

/** What apimachinery's ParseQuantity makes of the text: its parts, or its error. */
function readQuantity(text: string): Read {
  if (text === "0")
    return {
      split: { negative: false, num: "0", denom: "", suffix: "", digits: true },
      suffix: { exp10: 0, exp2: 0 },
    };
  const split = text === "" ? undefined : splitQuantity(text);
  if (!split) return { error: QUANTITY_ERRORS.format };
  const suffix = interpretSuffix(split.suffix);
  if (!suffix) return { error: QUANTITY_ERRORS.suffix };
  // With no digit at all (`e-10`, `Ei`), apimachinery's exact path (scale below nano, or a binary power past
  // its int64 fast path) finds no number to read.
  const slow = suffix.exp2 >= 50 || suffix.exp10 < -9;
  if (!split.digits && slow) return { error: QUANTITY_ERRORS.numeric };
  return { split, suffix };
}

/**
 * Why the API server refuses `value` as a quantity (apimachinery's error text), or undefined when it reads it.
 * Whether a negative amount is allowed is the field's business, not the parser's.
 */
export function quantityProblem(value: unknown): string | undefined {
  const text = quantityText(value);
  if (text === undefined) return `must be a quantity such as 500m, 2, 512Mi or 1Gi, not ${typeof value}`;
  const read = readQuantity(text);
  return "error" in read ? read.error : undefined;
}

function parseExact(value: unknown): Exact | undefined {
  const text = quantityText(value);
  if (text === undefined) return undefined;
  const known = exactSeen.get(text);
  if (known !== undefined || exactSeen.has(text)) return known;
  const exact = readExact(text);
  if (exactSeen.size < REMEMBER_AT_MOST) exactSeen.set(ownCopy(text), exact);
  return exact;
}

function readExact(text: string): Exact | undefined {
  const read = readQuantity(text);
  if ("error" in read) return undefined;
  const { split, suffix } = read;
  // A tiny amount rounds up to the smallest unit anyway; a huge one is no real amount of anything.
  const exp10 = Math.max(suffix.exp10 - split.denom.length, -MAX_EXPONENT);
  if (exp10 > MAX_EXPONENT) return undefined;
  return {
    negative: split.negative,
    mantissa: BigInt(split.num + split.denom),
    exp10,
    exp2: suffix.exp2,
  };
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
  return remembered(cpuSeen, value, exactCpu);
}

function exactCpu(value: unknown): number | undefined {
  const q = parseExact(value);
  if (!q || (q.negative && q.mantissa !== 0n)) return undefined;
  return scaledCeil(q, 3);
}

/** Memory or storage in bytes: `"512Mi"`, `"1.5Gi"`, `"129e6"`, `128974848`. Fractions of a byte round up. */
export function parseBytes(value: unknown): number | undefined {
  return remembered(bytesSeen, value, exactBytes);
}

function exactBytes(value: unknown): number | undefined {
  const q = parseExact(value);
  if (!q || (q.negative && q.mantissa !== 0n)) return undefined;
  return scaledCeil(q, 0);
}

// A cluster repeats a handful of quantity strings thousands of times; exact parsing (BigInt) is not free.
// The caches are bounded and hold only pure results, so sharing them across runs is safe; their keys are copies
// (model/own-copy), never slices of a manifest's text.
const cpuSeen = new Map<string, number | undefined>();
const bytesSeen = new Map<string, number | undefined>();
/** Exact values are read, never changed, by those who ask: one may be handed out many times. */
const exactSeen = new Map<string, Exact | undefined>();
const REMEMBER_AT_MOST = 4096;

function remembered(
  seen: Map<string, number | undefined>,
  value: unknown,
  parse: (v: unknown) => number | undefined,
) {
  if (typeof value !== "string") return parse(value);
  const known = seen.get(value);
  if (known !== undefined || seen.has(value)) return known;
  const result = parse(value);
  if (seen.size < REMEMBER_AT_MOST) seen.set(ownCopy(value), result);
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

/** The exact amount as one integer scaled by the given powers (both non-negative). */
function scaledExact(q: Exact, exp10: number, exp2: number): bigint {
  const n = (q.mantissa << BigInt(q.exp2 - exp2)) * 10n ** BigInt(q.exp10 - exp10);
  return q.negative ? -n : n;
}

/** Whether a quantity is below zero (`-1`, `-500m`); undefined when it is no quantity. `-0` is not. */
export function isNegativeQuantity(value: unknown): boolean | undefined {
  const q = parseExact(value);
  return q ? q.negative && q.mantissa !== 0n : undefined;
}

/** `a` against `b` exactly (negative, zero, positive), as apimachinery's Cmp; undefined when either is no quantity. */
export function compareQuantities(a: unknown, b: unknown): number | undefined {
  const x = parseExact(a);
  const y = parseExact(b);
  if (!x || !y) return undefined;
  const exp10 = Math.min(x.exp10, y.exp10);
  const exp2 = Math.min(x.exp2, y.exp2);
  const d = scaledExact(x, exp10, exp2) - scaledExact(y, exp10, exp2);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
