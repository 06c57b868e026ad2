import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBytes, formatCpu, parseBytes, parseCpu } from "./quantity.js";

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
  ];
  it.each(valid)("%j → %d", (input, expected) => {
    expect(parseCpu(input)).toBe(expected);
  });

  const garbage: unknown[] = [
    "",
    " 1",
    "1 ",
    "1.5 cores",
    "m",
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

  it.each(["1Gb", "1gi", "1GiB", "1 Gi", "Gi", "1Mi5", "-1Mi", "1.5.5Gi", "1e1.5"])(
    "%j → undefined",
    (input) => {
      expect(parseBytes(input)).toBeUndefined();
    },
  );
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
