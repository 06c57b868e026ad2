// Mutations of real manifests for fuzzing the readers: truncations, stray bytes and YAML punctuation,
// deleted spans, values of the wrong shape in place of a line or a key's value.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";

const FIXTURES = fileURLToPath(new URL("../fixtures/manifests/", import.meta.url));
export const BASES = [
  "deployment-host-network.yaml",
  "list-of-two.yaml",
  "three-documents.yaml",
  "helm-rendered.yaml",
  "pod.json",
].map((name) => readFileSync(path.join(FIXTURES, name), "utf8"));

// Values of the wrong shape, and YAML that means something else than a value.
export const WRONG_VALUES = [
  '"x"',
  "5",
  "[1, 2]",
  "{a: 1}",
  "~",
  "",
  "*missing",
  "&anchor",
  "|\n  text",
  "[",
  "{",
  "'",
  '"',
  "!!binary x",
  "!custom 1",
  "<<: 1",
  "- a\n- b",
  "0x1F",
  "yes",
];
export const KEYS = [
  "spec",
  "containers",
  "metadata",
  "template",
  "items",
  "image",
  "hostNetwork",
  "kind",
  "apiVersion",
];
export const YAML_CHARS = [..."-:[]{},&*!|>'\"#%@`?\t\n\r ", "---", "...", "\n---\n", "\uFEFF"];

export type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "retype-line"; line: number; value: string }
  | { kind: "retype-key"; key: string; value: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.string({ unit: "binary", maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.nat(40) }),
  fc.record({
    kind: fc.constant("retype-line" as const),
    line: fc.nat(),
    value: fc.constantFrom(...WRONG_VALUES),
  }),
  fc.record({
    kind: fc.constant("retype-key" as const),
    key: fc.constantFrom(...KEYS),
    value: fc.constantFrom(...WRONG_VALUES),
  }),
);

function retype(line: string, value: string): string {
  const colon = line.indexOf(":");
  return colon < 0 ? `${line} ${value}` : `${line.slice(0, colon + 1)} ${value}`;
}

export function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : ((m as { at?: number }).at ?? 0);
  const offset = at % (text.length + 1);
  switch (m.kind) {
    case "truncate":
      return text.slice(0, offset);
    case "insert":
      return text.slice(0, offset) + m.text + text.slice(offset);
    case "delete":
      return text.slice(0, offset) + text.slice(offset + m.length);
    case "retype-line": {
      const lines = text.split("\n");
      const i = m.line % lines.length;
      lines[i] = retype(lines[i] ?? "", m.value);
      return lines.join("\n");
    }
    case "retype-key": {
      const lines = text.split("\n");
      const i = lines.findIndex((l) => new RegExp(`^\\s*(- )?"?${m.key}"?\\s*:`).test(l));
      if (i >= 0) lines[i] = retype(lines[i] ?? "", m.value);
      return lines.join("\n");
    }
  }
}
