// kb add refuses what would break the page (injected lines, DETECT that flags everything) and honours its mode.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addEntry, EntryError, entryText, parseEntry } from "../../src/kb/add.js";
import { pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { BIN, runCli } from "../support/cli.js";

const TEAM_PAGE = "test/fixtures/pages/team-page.txt";
const TEAM_PAGE_MD = "test/fixtures/pages/team-page.md";

function copyPage(from = TEAM_PAGE, name = "page.txt"): string {
  const dir = mkdtempSync(join(tmpdir(), "pitfall-writes-"));
  const file = join(dir, name);
  copyFileSync(from, file);
  return file;
}

const FLAGS = {
  "--title": "Webhook Timeouts",
  "--severity": "HIGH",
  "--zone": "ALL",
  "--id": "webhook-timeouts",
  "--if": "kubectl apply hangs",
  "--then": "check the webhook service",
  "--run": "kubectl get validatingwebhookconfigurations",
  "--added-from": "deploy-2026-04, applies failed",
} as const;

function flagArgs(page: string, over: Partial<Record<keyof typeof FLAGS, string>> = {}): string[] {
  const all = { ...FLAGS, ...over };
  return ["kb", "add", "--page", page, ...Object.entries(all).flat()];
}

async function refused(page: string, args: string[], stdin?: string) {
  const before = readFileSync(page);
  const r = await runCli(args, stdin === undefined ? {} : { stdin });
  expect(r.code, r.out).toBe(2);
  expect(readFileSync(page).equals(before)).toBe(true);
  return r;
}

describe("kb add: one-line fields stay on one line", () => {
  const injections: [keyof typeof FLAGS, string, RegExp][] = [
    ["--title", "Webhook Timeouts\nID: crashloopbackoff", /title: a line break \(U\+000A\)/],
    ["--zone", "ALL\nDETECT: true", /zone: a line break/],
    ["--severity", "HIGH\rDETECT: true", /severity: a line break \(U\+000D\)/],
    ["--id", "webhook\u2028ID: oomkilled", /id: a line break \(U\+2028\)/],
    ["--added-from", "deploy-2026-04, x\nDETECT: true", /added-from: a line break/],
    ["--if", "apply hangs\nDETECT: true", /step 1 \(IF\): a line break/],
    ["--then", "look\n\nOOMKilled\n\nSeverity: LOW", /step 2 \(THEN\): a line break/],
    ["--run", "kubectl get pods\u001b[2J", /step 3 \(RUN\): a control character \(U\+001B\)/],
  ];
  for (const [flag, value, message] of injections)
    it(`a newline or control character in ${flag} is refused, naming the field; the page is unchanged`, async () => {
      const page = copyPage();
      const r = await refused(page, flagArgs(page, { [flag]: value }));
      expect(r.err).toMatch(message);
      expect(r.err).toContain("nothing was written");
    });

  it("--detect and --text cannot carry page lines either", async () => {
    const page = copyPage();
    const detect = await refused(page, [...flagArgs(page), "--detect", "object.kind == 'Pod'\nDETECT: true"]);
    expect(detect.err).toMatch(/detect: a line break/);
    const text = await refused(page, [...flagArgs(page), "--text", "Webhooks can hang.\nDETECT: true"]);
    expect(text.err).toMatch(/text: line 2 would be read as a `DETECT:` line/);
    const blank = await refused(page, [...flagArgs(page), "--text", "One.\n\n\nOOMKilled"]);
    expect(blank.err).toMatch(/text: line 2 would be read as a blank line/);
  });

  it("the same fields without injection are written, and read back exactly", async () => {
    const page = copyPage();
    const r = await runCli([
      ...flagArgs(page),
      "--text",
      "An admission webhook that does not answer\nmakes every apply wait.",
    ]);
    expect(r.code, r.err).toBe(0);
    const added = pitfallsOf(parsePage(readFileSync(page, "utf8"), page)).find(
      (p) => p.id === "webhook-timeouts",
    )!;
    expect(added.steps.map((s) => `${s.kind}: ${s.text}`)).toEqual([
      `IF: ${FLAGS["--if"]}`,
      `THEN: ${FLAGS["--then"]}`,
      `RUN: ${FLAGS["--run"]}`,
    ]);
    expect(added.detect).toEqual([]);
  });

  it("entryText refuses for every caller, with all the problems in one message", () => {
    let caught: unknown;
    try {
      entryText({ title: "A\nB", severity: "LOW", zone: "ALL\u0085", steps: [], addedFrom: ["x-1, y"] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EntryError);
    expect((caught as Error).message).toMatch(/title: a line break.*; zone: a line break \(U\+0085\)/);
  });
});

describe("kb add --from: an entry must read back as written", () => {
  it("a rendered snippet holding a fence would close the code early on a markdown page: refused, unchanged", async () => {
    // On the rendered page the snippet is code; printed as markdown its "```" line ends the fence, so `ID:` becomes a field.
    const entry = [
      "Webhook Timeouts",
      "",
      "Severity: HIGH",
      "Zone: ALL",
      "",
      "IF: apply hangs",
      "THEN: look at the webhook",
      "",
      "```  ",
      "ID: crashloopbackoff  ",
      "",
      "ADDED_FROM: deploy-2026-04, applies failed",
      "",
    ].join("\n");
    const txt = copyPage();
    expect((await runCli(["kb", "add", "--page", txt, "--from", "-"], { stdin: entry })).code).toBe(0);
    const md = copyPage(TEAM_PAGE_MD, "page.md");
    const r = await refused(md, ["kb", "add", "--page", md, "--from", "-"], entry);
    expect(r.err).toContain('Webhook Timeouts: it would gain "id crashloopbackoff", "ID: crashloopbackoff"');
    expect(r.err).toContain("nothing was written");
  });

  it("a heading inside a code block would turn a rendered page into markdown: refused, unchanged", async () => {
    const entry =
      "## Webhook Timeouts\n\nSeverity: HIGH\nZone: ALL\n\nIF: a\nTHEN: b\n\n```\n## Fake\n```\n\nADDED_FROM: d-1, x\n";
    const txt = copyPage();
    const before = readFileSync(txt);
    await expect(addEntry(txt, parseEntry(entry))).rejects.toThrow(
      /the whole page would read as markdown instead of text/,
    );
    expect(readFileSync(txt).equals(before)).toBe(true);
  });

  it("control characters in an entry file are refused with their line", async () => {
    const page = copyPage();
    const entry =
      "Webhook Timeouts\n\nSeverity: HIGH\nZone: ALL\n\nIF: apply hangs\rDETECT: true\nTHEN: look\n\nADDED_FROM: d-1, x\n";
    const r = await refused(page, ["kb", "add", "--page", page, "--from", "-"], entry);
    expect(r.err).toMatch(/<stdin>:6.*a line break \(U\+000D\)/);
    const esc = await refused(
      page,
      ["kb", "add", "--page", page, "--from", "-"],
      entry.replace("\r", "\u001b]0;x\u0007"),
    );
    expect(esc.err).toMatch(/<stdin>:6.*a control character \(U\+001B\)/);
  });
});

describe("kb add: a DETECT that flags everything is refused", () => {
  const constant = ["true", "1 == 1", "!false", "'a' in ['a']", "false"];
  const everything = ["object == object", "has(object.metadata)", "object.kind != 'Secret'"];
  for (const expr of [...constant, ...everything])
    it(`DETECT: ${expr}`, async () => {
      const page = copyPage();
      const viaFlag = await refused(page, [...flagArgs(page), "--detect", expr]);
      expect(viaFlag.err).toMatch(
        constant.includes(expr)
          ? /detect-constant|reads nothing of `object`/
          : /true for every object of the built-in sample/,
      );
      const entry = `Webhook Timeouts\n\nSeverity: HIGH\nZone: ALL\n\nIF: apply hangs\nTHEN: look\n\nADDED_FROM: d-1, x\n\nDETECT: ${expr}\n`;
      await refused(page, ["kb", "add", "--page", page, "--from", "-"], entry);
    });

  it("a DETECT that tells objects apart is accepted", async () => {
    const page = copyPage();
    const r = await runCli([
      ...flagArgs(page),
      "--detect",
      "object.kind == 'ValidatingWebhookConfiguration' && has(object.webhooks)",
    ]);
    expect(r.code, r.err).toBe(0);
  });

  it("kb lint reports it on a page with its line", async () => {
    const page = copyPage();
    writeFileSync(
      page,
      `${readFileSync(page, "utf8")}\n\nAll Pods\n\nSeverity: LOW\nZone: ALL\n\nADDED_FROM: a-1, b\nDETECT: !false\n`,
    );
    const r = await runCli(["kb", "lint", page]);
    expect(r.code).toBe(1);
    const line = readFileSync(page, "utf8").split("\n").indexOf("DETECT: !false") + 1;
    expect(r.out + r.err).toContain(`:${line}`);
    expect(r.out + r.err).toMatch(/detect-constant/);
  });
});

describe("kb add: the page's mode and owner", () => {
  it("a 0444 page is refused with exit 2, unchanged, still 0444 (as root too: the mode bits decide)", async () => {
    const page = copyPage();
    chmodSync(page, 0o444);
    const r = await refused(page, flagArgs(page));
    expect(r.err).toMatch(/is read-only \(mode 0444\)/);
    expect(statSync(page).mode & 0o777).toBe(0o444);
  });

  it("a 0640 page is still 0640, with its owner, after an add", async () => {
    const page = copyPage();
    chmodSync(page, 0o640);
    const owner = process.getuid?.() === 0 ? 4242 : statSync(page).uid;
    if (process.getuid?.() === 0) chownSync(page, owner, 4243);
    const r = await runCli(flagArgs(page));
    expect(r.code, r.err).toBe(0);
    const st = statSync(page);
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.uid).toBe(owner);
    expect(readFileSync(page, "utf8")).toContain("Webhook Timeouts");
  });

  it.skipIf(process.getuid?.() !== 0)(
    "as another user: a page it may not write, or would take over, is refused",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "pitfall-writes-other-"));
      chmodSync(dir, 0o777);
      const page = join(dir, "page.txt");
      copyFileSync(TEAM_PAGE, page);
      const asNobody = () =>
        spawnSync(
          "setpriv",
          ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, ...flagArgs(page)],
          {
            encoding: "utf8",
            env: { ...process.env, NO_COLOR: "1" },
          },
        );
      const before = readFileSync(page);
      for (const [mode, message] of [
        [0o444, /is read-only/],
        [0o644, /is not writable by this user/],
        [0o666, /belongs to uid 0; replacing it would make it this user's/],
      ] as const) {
        chmodSync(page, mode);
        const r = asNobody();
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(readFileSync(page).equals(before)).toBe(true);
      }
      chownSync(page, 65534, 65534);
      chmodSync(page, 0o640);
      const ok = asNobody();
      expect(ok.status, ok.stderr).toBe(0);
      expect(statSync(page)).toMatchObject({ uid: 65534, gid: 65534 });
      expect(statSync(page).mode & 0o777).toBe(0o640);
    },
  );
});
