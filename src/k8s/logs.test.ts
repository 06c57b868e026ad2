import { describe, expect, it } from "vitest";
import { lastLines, lineTime } from "./logs.js";

describe("lastLines", () => {
  it("keeps the last lines, drops trailing blank ones, cuts very long lines", () => {
    expect(lastLines("a\nb\r\nc\n\n", 2)).toEqual({ lines: ["b", "c"], omitted: 1 });
    expect(lastLines(`${"x".repeat(10)}\n`, 5, 4).lines).toEqual(["xxx…"]);
    expect(lastLines(undefined, 3)).toEqual({ lines: [], omitted: 0 });
  });
});

describe("lineTime", () => {
  const now = new Date("2022-12-21T16:43:09Z");
  it("reads RFC 3339 times, logrus' time= and klog headers", () => {
    expect(lineTime('time="2022-12-20T23:41:04Z" level=error msg="x"', now)?.toISOString()).toBe(
      "2022-12-20T23:41:04.000Z",
    );
    expect(lineTime("2026-03-26T11:59:52+01:00 [admin-ui] k8s health", now)?.toISOString()).toBe(
      "2026-03-26T10:59:52.000Z",
    );
    expect(lineTime("E1220 23:41:04.430149       1 reflector.go:138] failed", now)?.toISOString()).toBe(
      "2022-12-20T23:41:04.000Z",
    );
    // klog has no year: a date after `now` is last year's.
    expect(lineTime("I1231 10:00:00.000000 1 main.go] up", now)?.toISOString()).toBe(
      "2021-12-31T10:00:00.000Z",
    );
  });

  it("is undefined for a line without a time", () => {
    expect(lineTime("dial tcp 10.43.0.1:443: i/o timeout", now)).toBeUndefined();
  });
});
