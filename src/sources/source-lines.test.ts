// Quoted lines read in chunks: the same text `split(/\r?\n/)` gives, for lines anywhere in a file larger than a
// chunk, a line running over chunks, CRLF ends, a last line without a line end, and lines past the end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { linesAt } from "./source-lines.js";

const dir = mkdtempSync(path.join(tmpdir(), "pitfall-source-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileOf(text: string): string {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe("linesAt", () => {
  it("reads the wanted lines of a file of many chunks, as split gives them", () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `  key-${i}: ${"é".repeat(i % 13)}value ${i}`);
    // A line longer than a chunk, and CRLF ends on some lines.
    lines[20_000] = `long: ${"x".repeat(600_000)}`;
    const text = lines.map((l, i) => (i % 3 === 0 ? `${l}\r` : l)).join("\n");
    const wanted = new Set([1, 2, 9_999, 20_001, 39_999, 40_000, 40_001]);
    const got = linesAt(fileOf(text), wanted);
    const split = text.split(/\r?\n/);
    for (const n of wanted)
      if (n <= split.length) expect(got.get(n), `line ${n}`).toBe(split[n - 1]);
      else expect(got.has(n)).toBe(false);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([1, 2, 9_999, 20_001, 39_999, 40_000]);
  });

  it("keeps a lone carriage return, as positions do not count it as a line end", () => {
    const text = "a: 1\rb: 2\nc: 3\r\n";
    expect(linesAt(fileOf(text), new Set([1, 2, 3]))).toStrictEqual(
      new Map([
        [1, "a: 1\rb: 2"],
        [2, "c: 3"],
        [3, ""],
      ]),
    );
  });

  it("asks nothing of the file when no line is wanted, and throws for a file that is gone", () => {
    expect(linesAt(path.join(dir, "gone.yaml"), new Set()).size).toBe(0);
    expect(() => linesAt(path.join(dir, "gone.yaml"), new Set([1]))).toThrow(/ENOENT/);
  });
});
