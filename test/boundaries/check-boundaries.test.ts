// The import arrows are checked in CI (npm run lint): the real tree passes, and a copy with one wrong import fails
// with the file, the line and the arrow it breaks.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = "scripts/check-boundaries.mjs";

function check(root: string) {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function copyOfSrc(): string {
  const root = mkdtempSync(join(tmpdir(), "pitfall-boundaries-"));
  cpSync("src", join(root, "src"), { recursive: true });
  return root;
}

describe("check-boundaries", () => {
  it("passes on the tree as it is", () => {
    const r = check(process.cwd());
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("is what npm run lint runs", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.lint).toContain(`node ${SCRIPT}`);
  });

  it.each([
    [
      "a source importing the engine",
      "src/sources/redis.ts",
      'import { runEngine } from "../engine/run.js";',
      /sources must not import engine/,
    ],
    [
      "a rule importing a source",
      "src/rules/resources.ts",
      'import type { RedisTarget } from "../sources/redis.js";',
      /rules must not import sources/,
    ],
    [
      "the model importing anything",
      "src/model/finding.ts",
      'import type { Config } from "../config/model.js";',
      /model must not import config/,
    ],
    [
      "a report importing a service",
      "src/report/json.ts",
      'export { scan } from "../service/scan.js";',
      /report must not import service/,
    ],
  ])("fails on %s, naming the file and line", (_what, file, line, message) => {
    const root = copyOfSrc();
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    const at = text.indexOf("\nimport ") + 1;
    writeFileSync(path, `${text.slice(0, at)}${line}\n${text.slice(at)}`);
    const lineNo = text.slice(0, at).split("\n").length;
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:${lineNo}: `);
    expect(r.err).toMatch(message);
  });

  it("fails on a new room nobody placed in the table", () => {
    const root = copyOfSrc();
    cpSync(join(root, "src/model"), join(root, "src/widgets"), { recursive: true });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/room widgets is not in the table/);
  });
});
