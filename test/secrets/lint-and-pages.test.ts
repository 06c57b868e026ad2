// `lint` of a manifest with a password in an env URL prints it in no format (CI uploads them), and a page whose
// title carries an escape sequence or a newline lists it visibly, on one line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const PASSWORD = "pw";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ge-worker
  namespace: ge-agents
spec:
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/worker:1.2.3
          env:
            - name: REDIS_URL
              value: redis://:${PASSWORD}@ge-redis:6379
            - name: API_TOKEN
              value: tok-${PASSWORD}-123
---
apiVersion: v1
kind: Secret
metadata:
  name: ge-worker
  namespace: ge-agents
stringData:
  REDIS_PASSWORD: ${PASSWORD}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-lint-secrets-"));
  writeFileSync(join(dir, "worker.yaml"), DEPLOYMENT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lint of a manifest with a password in an env URL", () => {
  it.each(["text", "json", "sarif", "markdown"])("-o %s never holds the password", async (format) => {
    const r = await runCli(["lint", "worker.yaml", "--zone", "1", "-o", format], { cwd: dir });
    expect(r.code).toBe(1);
    // The Redis port finding (the team Redis, ge-redis) quotes the env value: redacted, still enough to act on.
    expect(r.out).toContain("redis://:***@ge-redis:6379");
    expect(r.out + r.err).not.toContain(PASSWORD);
    if (format === "json" || format === "sarif") expect(() => JSON.parse(r.out)).not.toThrow();
  });

  it("the finding points at the same line as for a URL without a password", async () => {
    const clean = join(dir, "clean.yaml");
    writeFileSync(clean, DEPLOYMENT.replace(`:${PASSWORD}@`, "").replace(`tok-${PASSWORD}-123`, "x"));
    const at = async (file: string) =>
      (
        JSON.parse((await runCli(["lint", file, "--zone", "1", "-o", "json"], { cwd: dir })).out) as {
          findings: { pitfall: string; line: number; column: number }[];
        }
      ).findings.map((f) => `${f.pitfall} ${f.line}:${f.column}`);
    expect(await at("worker.yaml")).toEqual(await at(clean));
  });
});

describe("a page title with an escape sequence and a newline", () => {
  it("kb list shows it visibly, on one line; kb show too", async () => {
    const page = readFileSync("test/fixtures/pages/team-page.md", "utf8").replace(
      "## k3s ClusterIP Broken from Inside Pods",
      "## k3s ClusterIP Broken\u001b[2J\u001b]0;owned\u0007 from Inside Pods",
    );
    expect(page).toContain("\u001b[2J");
    writeFileSync(join(dir, "page.md"), page);
    const list = await runCli(["kb", "list", "--kb", "page.md", "--no-builtin"], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.out).not.toContain("\u001b");
    expect(list.out).not.toContain("\u0007");
    const line = list.out.split("\n").find((l) => l.includes("ClusterIP"));
    expect(line).toContain("k3s ClusterIP Broken\\x1b[2J\\x1b]0;owned\\x07 from Inside Pods");
    const id = line!.split(/\s+/)[0]!;
    const show = await runCli(["kb", "show", id, "--kb", "page.md", "--no-builtin"], { cwd: dir });
    expect(show.out).not.toContain("\u001b");
    expect(show.out.split("\n")[0]).toContain("\\x1b[2J");
  });
});
