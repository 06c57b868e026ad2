// The container image, checked without a Docker engine: the Dockerfile's shape, and its entry command run against
// this checkout (/app is the repo root) as `docker run IMAGE …` would run it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Sim } from "../sim/index.js";
import {
  allowedBy,
  cliHas,
  envOf,
  execForm,
  lastOf,
  localArgv,
  localPath,
  type PolicyRule,
  parseDockerfile,
  rbacRequest,
  REPO,
  readDocs,
  runCommand,
  type Stage,
} from "./container.js";

const stages = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const runtime = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
const entrypoint = execForm(lastOf(runtime, "ENTRYPOINT")) ?? [];
const cmd = execForm(lastOf(runtime, "CMD")) ?? [];
const workdir = lastOf(runtime, "WORKDIR")?.args ?? "/";
const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
const copies = (s: Stage) => s.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args);

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "pitfall-image-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The image's environment with /tmp (HOME, TMPDIR) pointed at a temporary folder of this machine. */
function imageEnv(): Record<string, string> {
  const env = envOf(runtime);
  for (const k of Object.keys(env))
    if (env[k] === "/tmp" || env[k]!.startsWith("/tmp/")) env[k] = env[k]!.replace("/tmp", home);
  return env;
}

function docker(args: string[]) {
  return runCommand(localArgv([...entrypoint, ...args]), { cwd: localPath(workdir), env: imageEnv() });
}

describe("Dockerfile", () => {
  it("builds in one stage and runs on node 20 slim (or distroless nodejs20) with production dependencies only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(
      /^(node:20([.\d]*)-slim|gcr\.io\/distroless\/nodejs20[\w-]*)(:[\w.-]+)?(@sha256:[0-9a-f]+)?$/,
    );
    const build = stages.find((s) => runs(s).some((r) => /\bnpm ci\b/.test(r) && !r.includes("--omit=dev")));
    expect(build, "a stage runs npm ci with dev dependencies").toBeDefined();
    expect(runs(build!).some((r) => r.includes("npm run build"))).toBe(true);
    const deps = stages.find((s) => runs(s).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
    expect(deps?.name, "a named stage installs production dependencies").toBeDefined();
    expect(
      copies(runtime).some((c) => c.includes(`--from=${deps!.name}`) && c.includes("node_modules")),
    ).toBe(true);
    // The runtime stage installs nothing itself: no npm, no compiler, no dev dependency.
    expect(runs(runtime).some((r) => /\bnpm (ci|install|i)\b/.test(r))).toBe(false);
    for (const dir of ["dist", "bin", "kb", "schema", "package.json"])
      expect(
        copies(runtime).some((c) => new RegExp(`\\s\\S*/${dir}\\s`).test(` ${c} `)),
        `runtime copies ${dir}`,
      ).toBe(true);
  });

  it("runs as a numeric non-root user, with HOME on /tmp for a read-only root filesystem", () => {
    const user = lastOf(runtime, "USER")?.args ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
    expect(envOf(runtime).HOME).toBe("/tmp");
    expect(entrypoint.length).toBeGreaterThan(0);
    expect([...entrypoint, ...cmd].some((a) => /(^|\/)(npm|npx)$/.test(a))).toBe(false);
  });

  it(".dockerignore lets in the build inputs and keeps out node_modules, dist, tests and .git", () => {
    const rules = readFileSync(join(REPO, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    // Last matching pattern wins, as Docker reads it; only top-level names and `*` are used here.
    const included = (name: string) => {
      let inc = true;
      for (const r of rules) {
        const negate = r.startsWith("!");
        const pattern = negate ? r.slice(1) : r;
        if (pattern === "*" || pattern === name) inc = negate;
      }
      return inc;
    };
    for (const name of [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
      "bin",
      "kb",
    ])
      expect(included(name), `${name} is sent to the build`).toBe(true);
    for (const name of ["node_modules", "dist", "test", ".git", "deploy", ".pitfall-tmp"])
      expect(included(name), `${name} stays out`).toBe(false);
  });
});

describe("the image's entry command", () => {
  it("`docker run IMAGE --version` prints the package version", async () => {
    const r = await docker(["--version"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  it("`docker run IMAGE` with the default CMD prints usage and exits 0", async () => {
    const r = await docker(cmd);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: pitfall");
  });

  const hasScan = cliHas("scan");
  describe.skipIf(!hasScan)(
    hasScan
      ? "scan through the entry command"
      : "scan through the entry command (skipped: `pitfall scan` is not built yet)",
    () => {
      let sim: Sim;
      beforeAll(async () => {
        sim = await startSimulator({ cluster: join(REPO, "test/fixtures/clusters/healthy-k3s.yaml") });
      });
      afterAll(() => sim?.close());

      it("scans a cluster with --kubeconfig, asking only what the deploy ClusterRole allows", async () => {
        const kubeconfig = sim.writeKubeconfig(home, { context: "k3s-office" });
        const r = await docker(["scan", "--kubeconfig", kubeconfig, "-o", "json"]);
        // 0 clean or 1 findings; 2 (usage) and 3 (incomplete) would mean the container could not do its job.
        expect([0, 1], r.err).toContain(r.code);
        expect(() => JSON.parse(r.out)).not.toThrow();

        const role = readDocs(join(REPO, "deploy/base/clusterrole.yaml")).find(
          (d) => d.kind === "ClusterRole",
        )!;
        const rules = role.rules as PolicyRule[];
        const asked = sim.requests
          .map((q) => rbacRequest(q.method, q.path, q.query))
          .filter((q) => q !== undefined);
        expect(asked.length).toBeGreaterThan(0);
        const denied = asked.filter((q) => !allowedBy(rules, q.group, q.resource, q.verb));
        expect(denied, "requests the read-only ClusterRole would refuse").toEqual([]);
      });
    },
  );
});
