// The scan that sends documents js-yaml might read otherwise than `yaml` to the `yaml` path: quoted and flow
// values that end on their lines pass, others do not, whatever characters stand around them (the scan reads one
// byte per character) and however large the document.
import { describe, expect, it } from "vitest";
import { firstUnclearLine, valuesEndOnTheirLines } from "./clear-lines.js";

describe("valuesEndOnTheirLines", () => {
  it("passes values that end on their lines, block scalars and quoted values over deeper lines", () => {
    const text = [
      "kind: ConfigMap",
      'name: "a: b"',
      "list: [a, 'b, c', {d: e}]",
      "script: |",
      '  echo "unclosed',
      "quoted: 'goes on",
      "  over a deeper line'",
      "",
    ].join("\n");
    expect(valuesEndOnTheirLines(text, 0)).toBe(true);
  });

  it("stops at a flow value over lines and a quoted one back at its own indent", () => {
    const flow = "kind: A\nlist: [a,\n  b]\n";
    expect(firstUnclearLine(flow, 0)).toBe(flow.indexOf("list"));
    const quoted = "kind: A\nname: 'a\nb: c'\n";
    expect(firstUnclearLine(quoted, 0)).toBe(quoted.indexOf("name"));
  });

  it("reads text with other characters than ASCII as it reads the same text in ASCII", () => {
    const lines = (s: string) =>
      [`kind: A`, `note: "${s}"`, `list: ['${s}', ${s}]`, `flow: {k: ${s}`, `  }`, ""].join("\n");
    const ascii = lines("ete snow");
    const other = lines("été ☃ \u{1F600}".padEnd(8, " "));
    expect(firstUnclearLine(ascii, 0)).toBe(ascii.indexOf("flow"));
    expect(firstUnclearLine(other, 0)).toBe(other.indexOf("flow"));
    // A lone surrogate too (the text is not valid UTF-16 there).
    const broken = lines("\ud800 x");
    expect(firstUnclearLine(broken, 0)).toBe(broken.indexOf("flow"));
  });

  it("reads a document larger than the kept scratch bytes, then a small one after it", () => {
    const big = `kind: A\n${"key: value 'x' [y]\n".repeat(100_000)}last: [open\n`;
    expect(big.length).toBeGreaterThan(1 << 20);
    expect(firstUnclearLine(big, 0)).toBe(big.indexOf("last"));
    expect(valuesEndOnTheirLines("kind: A\nb: 'c'\n", 0)).toBe(true);
    expect(valuesEndOnTheirLines("kind: A\nb: 'c\nd: e'\n", 0)).toBe(false);
  });
});
