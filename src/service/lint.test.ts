// The one lint pipeline on its three paths: the streamed one (document by document, batch by batch) and the
// one-run one (read the same fast way into one snapshot; the default for inputs up to 8 MB) must give what the
// old whole-snapshot path gives (PITFALL_LINT_PATH=old): the same findings (pitfall, rule, object, file, line,
// column, message, evidence, runbook), suppressions, input problems and engine diagnostics, skipped pitfalls and
// object count, on every fixture file of the suite, on each one's text, and on the real-world corpus as one input.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config/model.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../kb/load.js";
import { LintInputError, type LintResult, type LintTarget, lintFiles, lintText, lintZone } from "./lint.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REAL_WORLD = path.join(ROOT, "../shared/real-world/manifests");
let kb: KnowledgeBase;

beforeAll(async () => {
  kb = await loadKnowledgeBase({ cwd: ROOT });
});

function targets(zone: string): { streamed: LintTarget; oneRun: LintTarget; old: LintTarget } {
  const base = { kb, config: defaultConfig(), zone };
  return {
    streamed: { ...base, path: "streamed" },
    oneRun: { ...base, path: "one-run" },
    old: { ...base, path: "old" },
  };
}

function expectSame(got: LintResult, want: LintResult): void {
  expect(want.path).toBe("old");
  expect(got.objects).toBe(want.objects);
  expect(got.input).toStrictEqual(want.input);
  expect(got.findings).toStrictEqual(want.findings);
  expect(got.suppressed).toStrictEqual(want.suppressed);
  expect(got.diagnostics).toStrictEqual(want.diagnostics);
  expect(got.problems).toStrictEqual(want.problems);
  expect(got.skipped).toStrictEqual(want.skipped);
}

/**
 * Lints `paths` the three ways; which path the streamed lint took, or `refused` when all refuse the input alike.
 * The one-run lint never falls back: it reads the whole snapshot itself.
 */
async function expectSameFiles(paths: string[], zone: string) {
  const t = targets(zone);
  const inputs = { paths, cwd: ROOT };
  const lint = (target: LintTarget) =>
    lintFiles(inputs, target, lintZone(target)).catch((e: unknown) => {
      if (e instanceof LintInputError) return e;
      throw e;
    });
  const got = await lint(t.streamed);
  const oneRun = await lint(t.oneRun);
  const want = await lint(t.old);
  if (want instanceof LintInputError) {
    expect(got).toStrictEqual(want);
    expect(oneRun).toStrictEqual(want);
    return "refused";
  }
  if (got instanceof LintInputError) throw got;
  if (oneRun instanceof LintInputError) throw oneRun;
  expectSame(got, want);
  expectSame(oneRun, want);
  expect(oneRun.path).toBe("one-run");
  return got.path;
}

function fixtureFiles(): string[] {
  return readdirSync(path.join(ROOT, "test/fixtures"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Nodes (the capacity sum) and owner references (DETECT's topmost owner) need the whole snapshot. */
const WHOLE_SNAPSHOT = /kind:\s*Node\b|"kind":\s*"Node"|ownerReferences/;

describe("the streamed lint finds what the old path finds", () => {
  it.each(["1", "2"])(
    "on every fixture file of the test suite, zone %s",
    async (zone) => {
      let streamed = 0;
      for (const file of fixtureFiles()) {
        const taken = await expectSameFiles([path.relative(ROOT, file)], zone);
        if (taken === "streamed") streamed++;
        else if (taken === "old") expect(readFileSync(file, "utf8")).toMatch(WHOLE_SNAPSHOT);
      }
      expect(streamed).toBeGreaterThan(12);
    },
    120_000,
  );

  it.each(["1", "2"])(
    "on each fixture file's text, as POST /api/lint and MCP give it, zone %s",
    (zone) => {
      const t = targets(zone);
      let streamed = 0;
      for (const file of fixtureFiles()) {
        const text = readFileSync(file, "utf8");
        const got = lintText(text, "manifest.yaml", t.streamed, lintZone(t.streamed));
        const want = lintText(text, "manifest.yaml", t.old, lintZone(t.old));
        expectSame(got, want);
        const oneRun = lintText(text, "manifest.yaml", t.oneRun, lintZone(t.oneRun));
        expectSame(oneRun, want);
        expect(oneRun.path).toBe("one-run");
        if (got.path === "streamed") streamed++;
        else expect(text).toMatch(WHOLE_SNAPSHOT);
      }
      expect(streamed).toBeGreaterThan(12);
    },
    120_000,
  );

  it.each(["1", "2"])(
    "on the real-world corpus as one input, zone %s",
    async (zone) => {
      if (!existsSync(REAL_WORLD)) {
        console.log(`skipped: no real-world corpus at ${REAL_WORLD}`);
        return;
      }
      expect(await expectSameFiles([REAL_WORLD], zone)).toBe("streamed");
    },
    120_000,
  );

  it("lints a small input in one run and a large one batch by batch, unless asked", async () => {
    const base = { kb, config: defaultConfig(), zone: "1" };
    const small = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n";
    expect(lintText(small, "m.yaml", base, lintZone(base)).path).toBe("one-run");
    // Past 8 MB: nine ConfigMaps of a megabyte each.
    const big = Array.from(
      { length: 9 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {k: ${"x".repeat(1 << 20)}}\n`,
    ).join("---\n");
    const batched = lintText(big, "m.yaml", base, lintZone(base));
    expect(batched.path).toBe("streamed");
    expect(batched.objects).toBe(9);
    const oneRun = { ...base, path: "one-run" as const };
    expect(lintText(big, "m.yaml", oneRun, lintZone(oneRun)).path).toBe("one-run");
    // Files by their size on disk: the two texts as files in one folder make one large input.
    const dir = mkdtempSync(path.join(tmpdir(), "pitfall-lint-size-"));
    try {
      writeFileSync(path.join(dir, "small.yaml"), small);
      const one = await lintFiles({ paths: ["small.yaml"], cwd: dir }, base, lintZone(base));
      expect(one.path).toBe("one-run");
      writeFileSync(path.join(dir, "big.yaml"), big);
      const both = await lintFiles({ paths: [dir], cwd: dir }, base, lintZone(base));
      expect([both.path, both.objects]).toEqual(["streamed", 10]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the whole snapshot with --nodes, which the capacity check sums over", async () => {
    const t = targets("1");
    const inputs = {
      paths: ["test/lint/fixtures/capacity"],
      cwd: ROOT,
      nodes: "test/lint/fixtures/nodes.yaml",
    };
    const got = await lintFiles(inputs, t.streamed, lintZone(t.streamed));
    expect(got.path).toBe("old");
    expect(got.findings.some((f) => f.rule === "node-capacity")).toBe(true);
  });
});
