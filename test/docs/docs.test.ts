// `pitfall docs`: the reference is generated from the pages and the detectors, and `--check` catches a stale copy.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { documentedRules, generateReference } from "../../src/report/docs.js";
import { allRules } from "../../src/rules/index.js";
import { runCli } from "../support/cli.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const REFERENCE = join(REPO, "docs/reference.md");

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "pitfall-docs-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A team page that gives the built-in OOMKilled entry (same id) another title. */
function retitledPage(): string {
  const page = join(tmp, "team.md");
  writeFileSync(
    page,
    [
      "# Team pitfalls",
      "",
      "## OOMKilled (exit code 137)",
      "",
      "ID: oomkilled",
      "Severity: HIGH",
      "Zone: ALL",
      "",
      "The container went over its memory limit.",
      "",
      "IF: a pod was OOMKilled",
      'RUN: kubectl describe pod {pod-name} -n ge-{namespace} | grep -A 5 "Last State"',
      "",
    ].join("\n"),
  );
  return page;
}

describe("pitfall docs", () => {
  it("--check passes on the committed docs/reference.md", async () => {
    const r = await runCli(["docs", "--check"], { cwd: REPO });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("docs/reference.md is up to date");
  });

  it("--check fails, saying what to run, when a pitfall's title changes on a loaded page", async () => {
    const page = retitledPage();
    const r = await runCli(["docs", "--check", "--kb", page], { cwd: REPO });
    expect(r.code).toBe(1);
    expect(r.err).toContain("docs/reference.md differs from the pages and detectors");
    expect(r.err).toContain(`pitfall docs --kb ${page}`);
    const generated = await runCli(["docs", "--kb", page, "--out", "-"], { cwd: REPO });
    expect(generated.out).toContain("## OOMKilled (exit code 137)");
    expect(generated.out).not.toContain("## OOMKilled\n");
  });

  it("--check fails on an edited copy, and passes again once the copy is regenerated", async () => {
    const copy = join(tmp, "reference.md");
    const original = readFileSync(REFERENCE, "utf8");
    expect(original).toContain("## OOMKilled\n");
    writeFileSync(copy, original.replace("## OOMKilled\n", "## Out of memory\n"));
    const stale = await runCli(["docs", "--check", "--out", copy], { cwd: REPO });
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/differs from the pages and detectors \(first at line \d+\)/);
    expect(stale.err).toContain(`pitfall docs --out ${copy}`);

    const write = await runCli(["docs", "--out", copy], { cwd: REPO });
    expect(write.code).toBe(0);
    expect(readFileSync(copy, "utf8")).toBe(original);
    expect((await runCli(["docs", "--check", "--out", copy], { cwd: REPO })).code).toBe(0);
  });

  it("--check fails when the config schema is stale; docs writes it from the zod schema, which the loader uses", async () => {
    const schema = join(tmp, "pitfall-config.schema.json");
    const shipped = readFileSync(join(REPO, "schema/pitfall-config.schema.json"), "utf8");
    writeFileSync(schema, shipped.replace('"redisPort"', '"redisPortt"'));
    const stale = await runCli(["docs", "--check", "--schema", schema], { cwd: REPO });
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/differs from the config schema \(src\/config\/schema\.ts\)/);
    expect(stale.err).toContain(`pitfall docs --schema ${schema}`);
    expect((await runCli(["docs", "--schema", schema], { cwd: REPO })).code).toBe(0);
    expect(readFileSync(schema, "utf8")).toBe(shipped);
    expect((await runCli(["docs", "--check"], { cwd: REPO })).code).toBe(0);
  });

  it("--check on a missing file fails and names it", async () => {
    const r = await runCli(["docs", "--check", "--out", join(tmp, "missing.md")], { cwd: REPO });
    expect(r.code).toBe(1);
    expect(r.err).toContain("does not exist");
  });

  it("is the same from any working folder: no dates, no machine paths", async () => {
    const r = await runCli(["docs", "--out", "-"], { cwd: tmp });
    expect(r.out).toBe(readFileSync(REFERENCE, "utf8"));
    expect(r.out).not.toContain(REPO);
  });
});

describe("the generated reference", () => {
  it("has a section per pitfall and lists every detector with what it reads, where it runs and its message ids", async () => {
    const kb = await loadKnowledgeBase({ cwd: REPO });
    const rules = documentedRules(allRules());
    const text = generateReference(kb, rules);
    expect(text).toBe(generateReference(kb, rules));
    expect(text.match(/^<a id="pitfall-/gm)?.length).toBe(kb.pitfalls.length);
    for (const p of kb.pitfalls) {
      expect(text).toContain(`<a id="pitfall-${p.id}"></a>`);
      for (const d of p.detect) expect(text).toContain(d.expr);
    }
    for (const { meta } of allRules()) {
      expect(text).toContain(`#### \`${meta.id}\``);
      expect(text).toContain(meta.looksAt);
      for (const id of Object.keys(meta.messages)) expect(text).toContain(`\`${id}\``);
    }
  });

  it("shows an example finding with the runbook filled with example names, no cluster needed", async () => {
    const kb = await loadKnowledgeBase({ cwd: REPO });
    const text = generateReference(kb, documentedRules(allRules()));
    const oom = text.slice(text.indexOf('<a id="pitfall-oomkilled">'));
    const example = oom.slice(oom.indexOf("### Example finding"), oom.indexOf("<a id=", 1));
    expect(example).toContain('`kubectl describe pod api-7d9f -n ge-agents | grep -A 5 "Last State"`');
    const imagePull = text.slice(text.indexOf('<a id="pitfall-image-pull-failures-zone-1">'));
    expect(imagePull).toContain("`sudo k3s ctr images list | grep ge-executor`");
  });

  it("names detectors whose pitfall is not on the loaded pages", async () => {
    const kb = await loadKnowledgeBase({ cwd: REPO, builtin: false, paths: [retitledPage()] });
    const text = generateReference(kb, documentedRules(allRules()));
    expect(text).toContain("(not on the loaded pages)");
    expect(text.match(/^<a id="pitfall-/gm)?.length).toBe(1);
  });
});
