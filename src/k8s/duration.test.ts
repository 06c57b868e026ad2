import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  const valid: [string, number][] = [
    ["1h", H],
    ["15m", 15 * M],
    ["1h30m", 90 * M],
    ["90s", 90 * S],
    ["500ms", 500],
    ["2d", 2 * D],
    ["1d12h", 36 * H],
    ["1.5h", 90 * M],
    [".5s", 500],
    ["1m30s", 90 * S],
    ["1s500ms", 1500],
    ["2000us", 2],
    ["1000000ns", 1],
    ["1µs", 0.001],
    ["0", 0],
    ["0s", 0],
    ["-1m", -M],
    ["+5s", 5 * S],
  ];
  it.each(valid)("%s → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  const garbage: unknown[] = [
    "",
    "1",
    "60",
    "h",
    "1x",
    "1h 30m",
    " 1h",
    "1H",
    "1hh",
    "1h-5m",
    "-",
    "1w",
    "1e3s",
    60,
    null,
    {},
    ["1h"],
  ];
  it.each(garbage)("%j → undefined", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  const table: [number, string][] = [
    [H, "1h"],
    [15 * M, "15m"],
    [3 * D + 4 * H, "3d4h"],
    [45 * S, "45s"],
    [1500, "1s500ms"],
    [90 * M, "1h30m"],
    [0, "0s"],
    [-2 * M, "-2m"],
  ];
  it.each(table)("%d → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("maxParts keeps the leading parts, rounded down", () => {
    expect(formatDuration(3 * D + 4 * H + 5 * M + 6 * S, 2)).toBe("3d4h");
    expect(formatDuration(3 * D + 5 * M, 2)).toBe("3d");
    expect(formatDuration(45 * S + 300, 1)).toBe("45s");
  });

  it("shows ages without milliseconds: 30s, 5m12s, 8d", () => {
    expect(formatDuration(10 * S + 529, 2)).toBe("10s");
    expect(formatDuration(30 * S + 999, 2)).toBe("30s");
    expect(formatDuration(5 * M + 12 * S + 400, 2)).toBe("5m12s");
    expect(formatDuration(8 * D + 30 * M, 2)).toBe("8d");
    expect(formatDuration(250, 2)).toBe("250ms");
  });

  it("returns an empty string for non-numbers", () => {
    expect(formatDuration(Number.NaN)).toBe("");
  });

  it("round-trips whole milliseconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * D }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { numRuns: 200 },
    );
  });
});
