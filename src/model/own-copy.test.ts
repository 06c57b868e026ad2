import { describe, expect, it } from "vitest";
import { ownCopy } from "./own-copy.js";

describe("ownCopy", () => {
  it("gives the same text back, whatever it holds", () => {
    const big = `${"x".repeat(100_000)}registry.example.com/team/app:1.2 "quoted" back\\slash é ✓ \ud800 end`;
    const slice = big.slice(100_000);
    for (const text of [slice, "", "short", "\u0000\n\t", '{"a": [1, 2]}']) expect(ownCopy(text)).toBe(text);
  });
});
