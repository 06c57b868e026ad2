// The streamed reader against the whole-file reader: the same objects (deep-equal values), the same origins,
// the same position for every field path, the same diagnostics, whatever the chunks the text arrives in.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TRICKY } from "../../test/support/tricky-manifests.js";
import { BASES, mutate, mutation } from "../../test/support/yaml-mutations.js";
import type { SourcedObject } from "../model/snapshot.js";
import jsyaml from "js-yaml";
import { MASK } from "../model/redact.js";
import { fastListItems } from "./manifest-list.js";
import { manifestSources, readManifestBatches } from "./manifest-stream.js";
import { type ParsedManifests, parseManifests, readManifests } from "./manifests.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REAL_WORLD = path.join(ROOT, "../shared/real-world/manifests");

/** The streamed reader on `text` as stdin, fed in chunks of `size` characters. */
function streamed(text: string, size: number, slow = false): ParsedManifests {
  function* chunks() {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }
  const out: ParsedManifests = { objects: [], diagnostics: [] };
  for (const batch of readManifestBatches([{ shown: "<stdin>", chunks }], { batchChars: 500, slow })) {
    out.objects.push(...batch.objects);
    out.diagnostics.push(...batch.diagnostics);
  }
  return out;
}

/** Every path into a value (containers first, then their members), and one past its end. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const inner =
    Array.isArray(value) || (value && typeof value === "object")
      ? Object.entries(value as object).flatMap(([k, v]) =>
          pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]),
        )
      : [];
  return [prefix, ...inner];
}

function expectSameObjects(
  got: SourcedObject[],
  want: SourcedObject[],
  extraPaths: (string | number)[][] = [],
  maxPaths = Number.POSITIVE_INFINITY,
) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i]!;
    expect(g.object).toStrictEqual(w.object);
    const { locate: _g, ...gotOrigin } = g.origin;
    const { locate: _w, ...wantOrigin } = w.origin;
    expect(gotOrigin).toStrictEqual(wantOrigin);
    for (const p of [...pathsOf(w.object).slice(0, maxPaths), ["spec", "nope", 3], ...extraPaths])
      expect(g.origin.locate?.(p), `${w.origin.file}:${w.origin.line} ${JSON.stringify(p)}`).toStrictEqual(
        w.origin.locate?.(p),
      );
  });
}

async function expectSameAsWhole(text: string, size: number, extraPaths: (string | number)[][] = []) {
  const want = parseManifests(text, "<stdin>");
  const got = await streamed(text, size);
  expect(got.diagnostics).toStrictEqual(want.diagnostics);
  expectSameObjects(got.objects, want.objects, extraPaths);
}

function manifestFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe("streamed manifests equal the whole-file reader", () => {
  it.each([1, 7, 64, 4096, 1 << 20])("on a tricky multi-document stream, in chunks of %i", async (size) => {
    await expectSameAsWhole(TRICKY, size);
  });

  it("on the same stream with CRLF line ends and a byte-order mark", async () => {
    await expectSameAsWhole(`\uFEFF${TRICKY.replace(/\n/g, "\r\n")}`, 13);
  });

  it("reads the tricky stream's plain documents through js-yaml, not only the yaml path", async () => {
    const fast = await streamed(TRICKY, 4096);
    const slow = await streamed(TRICKY, 4096, true);
    expect(fast.objects.map((o) => o.object)).toStrictEqual(slow.objects.map((o) => o.object));
    // Objects read the yaml way carry the yaml Place's locate; fast ones a lazy one of their own.
    const lazy = fast.objects.filter((o, i) => o.origin.locate !== slow.objects[i]!.origin.locate).length;
    expect(lazy).toBeGreaterThan(0);
  });

  it("on Lists as kubectl writes them, their items read through js-yaml and placed as yaml places them", async () => {
    const item = (i: number) => `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: app-${i}
    labels: {tier: "web"}
  spec:
    template:
      spec:
        containers:
        - name: main
          image: app:${i}
          args: ["--port", "80"]
          env:
          - name: A
            value: "x: y"
        - name: side
          image: side:1
`;
    const secret = `- apiVersion: v1
  kind: Secret
  metadata: {name: token}
  data:
    key: c2VjcmV0
`;
    const list = `---\n# Source: chart/templates/all.yaml\napiVersion: v1\nkind: List\nitems:\n${item(0)}${secret}${item(1)}metadata:\n  resourceVersion: ""\n`;
    const odd =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- 3\n";
    const text = `${list}---\n${odd}---\n${list.replace("kind: List", "kind: DeploymentList")}`;
    await expectSameAsWhole(text, 1 << 16, [["spec", "template", "spec", "containers", 1, "image"]]);
    // The plain List is read the fast way (the one with a number among its items is left to yaml).
    const fastList = (doc: string) =>
      fastListItems({
        doc: { text: doc, line: 1, offset: 0, directive: false },
        file: "<stdin>",
        root: doc.indexOf("apiVersion"),
        items: (jsyaml.load(doc) as { items: unknown[] }).items,
        dollarKeys: false,
        helmSource: undefined,
        slow: () => parseManifests(doc, "<stdin>"),
      });
    const items = fastList(list);
    expect(items?.objects.map((o) => [o.origin.line, o.origin.column])).toStrictEqual([
      [6, 3],
      [23, 3],
      [28, 3],
    ]);
    expect(items?.objects[1]?.object.data).toStrictEqual({ key: MASK });
    expect(fastList(odd)).toBeUndefined();
  });

  it("on every manifest fixture of the test suite, file by file", async () => {
    const files = manifestFilesUnder(path.join(ROOT, "test/fixtures"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      await expectSameAsWhole(text, 1 << 16);
    }
  });

  it("on the real-world corpus, read as folders", async () => {
    if (!existsSync(REAL_WORLD)) {
      console.log(`skipped: no real-world corpus at ${REAL_WORLD}`);
      return;
    }
    const opts = { cwd: ROOT, readStdin: async () => "" };
    const want = await readManifests([REAL_WORLD], opts);
    const got: ParsedManifests = { objects: [], diagnostics: [] };
    for (const batch of readManifestBatches(await manifestSources([REAL_WORLD], opts))) {
      got.objects.push(...batch.objects);
      got.diagnostics.push(...batch.diagnostics);
    }
    expect(got.diagnostics).toStrictEqual(want.diagnostics);
    // The first 40 paths of each object: every object's first look, and past BLOCK_LOOKS the yaml parse too.
    expectSameObjects(got.objects, want.objects, [], 40);
  }, 120_000);

  it("on 1,500 mutated manifests in random chunks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(BASES.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 300 }),
        async (base, mutations, size) => {
          const text = mutations.reduce(mutate, BASES[base] ?? "");
          await expectSameAsWhole(text, size, [
            ["spec", "containers", 0, "image"],
            ["metadata", "name"],
          ]);
        },
      ),
      { numRuns: 1500, seed: 20_260_516 },
    );
  }, 120_000);
});
