import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatCpu,
  parseBytes,
  parseCpu,
  QUANTITY_ERRORS,
  quantityProblem,
} from "./quantity.js";

const GIB = 1024 ** 3;

describe("parseCpu (millicores)", () => {
  const valid: [unknown, number][] = [
    ["500m", 500],
    ["2", 2000],
    ["0.5", 500],
    [".5", 500],
    ["1.", 1000],
    ["+1", 1000],
    [1, 1000],
    [0.25, 250],
    ["0", 0],
    ["100n", 1], // finer than 1m rounds up, as MilliValue does
    ["250000u", 250],
    ["1k", 1_000_000],
    ["1e-3", 1],
    ["0.1", 100], // exact: no float drift to 101
    ["0.3", 300],
    ["1Ki", 1_024_000],
    // apimachinery trims white space (UnmarshalJSON) and reads a bare suffix as zero; so does the API server.
    [" 1", 1000],
    ["1 ", 1000],
    ["m", 0],
  ];
  it.each(valid)("%j → %d", (input, expected) => {
    expect(parseCpu(input)).toBe(expected);
  });

  const garbage: unknown[] = [
    "",
    "1.5 cores",
    "1mm",
    "1K", // only lower-case k is kilo
    "1KB",
    "0x10",
    "-1",
    "-500m",
    "1e",
    "2e3m", // one suffix only: an exponent or an SI letter
    "1e+",
    "1e99999",
    "..5",
    "1..5",
    null,
    undefined,
    true,
    {},
    ["1"],
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -2,
  ];
  it.each(garbage)("%j → undefined", (input) => {
    expect(parseCpu(input)).toBeUndefined();
  });
});

describe("parseBytes", () => {
  const valid: [unknown, number][] = [
    ["512Mi", 512 * 1024 ** 2],
    ["1.5Gi", 1.5 * GIB],
    ["1Ki", 1024],
    ["1Ti", 1024 ** 4],
    ["1Pi", 1024 ** 5],
    ["1Ei", 1024 ** 6],
    ["1k", 1000],
    ["1M", 1e6],
    ["1G", 1e9],
    ["1T", 1e12],
    ["1P", 1e15],
    ["1E", 1e18], // E alone is exa
    ["1E3", 1000], // E with digits is an exponent
    ["128974848", 128974848],
    [128974848, 128974848],
    ["129e6", 129_000_000],
    ["129E6", 129_000_000],
    ["1.29e+8", 129_000_000],
    ["0.5Ki", 512],
    ["100m", 1], // the classic mistake: 0.1 byte, rounded up
    ["0", 0],
    ["-0", 0],
  ];
  it.each(valid)("%j → %d", (input, expected) => {
    expect(parseBytes(input)).toBe(expected);
  });

  it.each(["1Gb", "1gi", "1GiB", "1 Gi", "Ei", "1Mi5", "-1Mi", "1.5.5Gi", "1e1.5"])(
    "%j → undefined",
    (input) => {
      expect(parseBytes(input)).toBeUndefined();
    },
  );
});

// Each verdict below is what k8s.io/apimachinery v0.34.4 (json.Unmarshal into resource.Quantity) answered for the
// same input; 60,000 generated strings agreed with it when this was written.
describe("quantityProblem (apimachinery's verdict)", () => {
  const { format, suffix, numeric } = QUANTITY_ERRORS;
  const verdicts: [unknown, string | undefined][] = [
    ["1Gb", format],
    ["abc", format],
    ["banana", format],
    ["1KB", format],
    ["0x10", format],
    ["1e1.5", format],
    ["1.5.5Gi", format],
    ["2e3m", format],
    ["1 Gi", format],
    ["", format],
    ["1e", suffix],
    ["1K", suffix],
    ["1Mi5", suffix],
    ["0.1mi", suffix],
    ["1i", suffix],
    ["1e99999999999999999999", suffix],
    ["Ei", numeric],
    ["e-10", numeric],
    ["-1", undefined], // a quantity; whether a field may be negative is the field's business
    [" 1 ", undefined],
    ["1e99999", undefined],
    ["1E", undefined],
    ["1e+3", undefined],
    ["+.5", undefined],
    ["1.", undefined],
    ["1.G", undefined],
    [0.5, undefined],
    [".", undefined],
    ["-", undefined],
    ["m", undefined],
    ["Gi", undefined],
    [".e-9", undefined],
    ["12345678901234567890123", undefined],
  ];
  it.each(verdicts)("%j → %s", (input, expected) => {
    expect(quantityProblem(input)).toBe(expected);
  });

  it("refuses what is no string or number", () => {
    for (const v of [true, {}, ["1"], null, Number.NaN])
      expect(quantityProblem(v)).toMatch(/must be a quantity/);
  });
});

describe("formatCpu", () => {
  it.each([
    [500, "500m"],
    [2000, "2"],
    [1500, "1500m"],
    [0, "0"],
    [250.4, "250m"],
  ])("%d → %s", (milli, text) => {
    expect(formatCpu(milli)).toBe(text);
  });

  it("returns an empty string for non-numbers", () => {
    expect(formatCpu(Number.NaN)).toBe("");
  });

  it("round-trips through parseCpu", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (m) => {
        expect(parseCpu(formatCpu(m))).toBe(m);
      }),
      { numRuns: 200 },
    );
  });
});

describe("formatBytes", () => {
  it.each([
    [512 * 1024 ** 2, "512Mi"],
    [1.5 * GIB, "1.5Gi"],
    [1024, "1Ki"],
    [900, "900"],
    [129e6, "123.02Mi"],
    [GIB - 1, "1Gi"], // 1023.999…Mi would read badly
    [3 * 1024 ** 6, "3Ei"],
    [-2048, "-2Ki"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it("is exact for whole binary units and parses back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1023 }), fc.integer({ min: 1, max: 4 }), (n, p) => {
        const bytes = n * 1024 ** p;
        expect(parseBytes(formatBytes(bytes))).toBe(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("returns an empty string for non-numbers", () => {
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe("");
  });
});
