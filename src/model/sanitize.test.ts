import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { visible, visibleDeep, visibleLines } from "./sanitize.js";

describe("visible", () => {
  it.each([
    ["a clear-screen escape", "boom\u001b[2Jgone", "boom\\x1b[2Jgone"],
    ["a newline that would fake a line", "exit 1\nFAKE: all good", "exit 1\\nFAKE: all good"],
    ["a carriage return that would overwrite the line", "secret\rshown", "secret\\rshown"],
    ["a title escape (OSC) ended by BEL", "\u001b]0;owned\u0007", "\\x1b]0;owned\\x07"],
    ["NUL and DEL", "a\u0000b\u007f", "a\\x00b\\x7f"],
    ["a C1 control (CSI)", "a\u009b2J", "a\\x9b2J"],
    ["a right-to-left override", "abc\u202edcba", "abc\\u202edcba"],
    ["a line separator", "a\u2028b", "a\\u2028b"],
  ])("shows %s", (_name, text, expected) => {
    expect(visible(text)).toBe(expected);
  });

  it("keeps tabs, text and backslashes as they are", () => {
    const text = "\tat main (C:\\app\\main.go:12) — naïve café";
    expect(visible(text)).toBe(text);
  });

  it("visibleLines keeps the newlines, shows the rest", () => {
    expect(visibleLines("one\u001b[31m\ntwo\r\n")).toBe("one\\x1b[31m\ntwo\\r\n");
  });

  it("visibleDeep makes every string of a value one visible line, keeping the shape", () => {
    const value = { message: "a\nb", evidence: [{ text: "\u001b[2J" }], count: 2, none: null };
    expect(visibleDeep(value)).toEqual({
      message: "a\\nb",
      evidence: [{ text: "\\x1b[2J" }],
      count: 2,
      none: null,
    });
  });

  it("leaves nothing a terminal interprets, and is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (t) => {
        const once = visible(t);
        expect(once).not.toMatch(
          /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
        );
        expect(visible(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});
