// `GUARD:` lines on a page: parsed, printed back byte for byte, linted like DETECT (errors with line and column),
// added with `kb add --guard`, shown by `kb show`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinPagePath } from "../../src/kb/load.js";
import { lintPage } from "../../src/kb/lint.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { printPage } from "../../src/kb/print.js";
import { runCli } from "../support/cli.js";

const ENTRY = (guard: string) => `# Team pitfalls

## Scaling the Orchestrator to Zero

Severity: HIGH
Zone: ALL

Nothing claims orphaned messages while the orchestrator is gone.

ANTI_PATTERN: kubectl scale --replicas=0 on the orchestrator
FIX: drain it with the admin endpoint first

ADDED_FROM: orchestrator-2026-05, messages sat for an hour
GUARD: ${guard}
`;
const GOOD =
  "command.verb == 'scale' && command.flags.?replicas.orValue('') == '0' && command.name == 'ge-orchestrator'";

describe("parse and print", () => {
  it("a GUARD line belongs to its pitfall, with its line, and prints back as written (both forms)", () => {
    const text = ENTRY(GOOD);
    const page = parsePage(text, "team.md");
    const [p] = pitfallsOf(page);
    expect(p!.guard).toEqual([{ expr: GOOD, line: text.split("\n").indexOf(`GUARD: ${GOOD}`) + 1 }]);
    expect(printPage(page)).toBe(text);
    const builtin = readFileSync(builtinPagePath(), "utf8");
    expect(printPage(parsePage(builtin, "kubernetes.md"))).toBe(builtin);
    const rendered = printPage(page, "text");
    expect(pitfallsOf(parsePage(rendered, "team.txt"))[0]!.guard.map((g) => g.expr)).toEqual([GOOD]);
  });
});

describe("kb lint", () => {
  const lint = (guard: string) => {
    const text = ENTRY(guard);
    const line = text.split("\n").indexOf(`GUARD: ${guard}`) + 1;
    return { line, diagnostics: lintPage(parsePage(text, "team.md")).filter((d) => d.severity === "error") };
  };

  it("passes a GUARD that reads the command", () => {
    expect(lint(GOOD).diagnostics).toEqual([]);
  });

  it("a syntax error or an unknown variable is an error at its line and column", () => {
    const broken = lint("command.verb == 'cp' &&");
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({
        line: broken.line,
        code: "guard-compile",
        column: "GUARD: command.verb == 'cp' &&".indexOf("&&") + 1,
      }),
    ]);
    const typo = lint("comand.verb == 'scale'");
    expect(typo.diagnostics).toEqual([
      expect.objectContaining({
        line: typo.line,
        code: "guard-compile",
        column: "GUARD: ".length + 1,
        message: expect.stringContaining(
          "unknown variable 'comand' (did you mean 'command'?): GUARD binds command, target, stream, zone and distribution",
        ),
      }),
    ]);
  });

  it("a GUARD that reads nothing of the command is constant, like a constant DETECT", () => {
    for (const g of ["true", "zone == '1'", "target.oomKilled"])
      expect(
        lint(g).diagnostics.map((d) => d.code),
        g,
      ).toEqual(["guard-constant"]);
    expect(lint("").diagnostics.map((d) => d.code)).toEqual(["guard-empty"]);
  });

  it("the built-in page's GUARD lines all lint clean", () => {
    const page = parsePage(readFileSync(builtinPagePath(), "utf8"), "kubernetes.md");
    expect(pitfallsOf(page).flatMap((p) => p.guard).length).toBeGreaterThanOrEqual(5);
    expect(lintPage(page, { now: new Date("2026-12-01") }).filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("kb add --guard and kb show", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-guard-lines-"));
    writeFileSync(join(dir, "team.md"), "# Team pitfalls\n\nOWNER: ops\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const add = (guard: string) =>
    runCli(
      [
        "kb",
        "add",
        "--page",
        join(dir, "team.md"),
        "--title",
        "Scaling the Orchestrator to Zero",
        "--severity",
        "HIGH",
        "--zone",
        "ALL",
        "--fix",
        "drain it first",
        "--added-from",
        "orchestrator-2026-05, messages sat for an hour",
        "--guard",
        guard,
      ],
      { cwd: dir },
    );

  it("refuses a constant GUARD and writes nothing", async () => {
    const r = await add("1 == 1");
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("GUARD reads nothing of `command`");
    expect(readFileSync(join(dir, "team.md"), "utf8")).toBe("# Team pitfalls\n\nOWNER: ops\n");
  });

  it("adds one that reads the command; kb show and the guard use it at once", async () => {
    const added = await add(GOOD);
    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    expect(readFileSync(join(dir, "team.md"), "utf8")).toContain(`\nGUARD: ${GOOD}\n`);
    const show = await runCli(["kb", "show", "scaling-the-orchestrator-to-zero", "--kb", "team.md"], {
      cwd: dir,
    });
    expect(show.out).toContain(`GUARD: ${GOOD}`);
    const g = await runCli(
      [
        "guard",
        "--kb",
        "team.md",
        "--",
        "kubectl",
        "scale",
        "deploy/ge-orchestrator",
        "--replicas=0",
        "-n",
        "ge-system",
      ],
      { cwd: dir, env: { HOME: dir } },
    );
    expect(g.code).toBe(1);
    expect(g.out).toContain("Scaling the Orchestrator to Zero (scaling-the-orchestrator-to-zero, HIGH)");
    expect(g.out).toContain("FIX: drain it first");
  });
});
