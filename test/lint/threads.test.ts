// A lint of many files over worker threads (PITFALL_LINT_WORKERS) says exactly what one thread and the old
// whole-snapshot path say: the same findings, positions, input problems (objects defined twice across groups,
// patches, refused values, broken YAML) and exit code, with lookups that cross from one group to another.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../support/cli.js";

function deployment(name: string, container: string, extra = ""): string {
  return [
    "apiVersion: apps/v1",
    "kind: Deployment",
    `metadata: {name: ${name}, namespace: shop}`,
    "spec:",
    "  selector: {matchLabels: {app: x}}",
    "  template:",
    "    metadata: {labels: {app: x}}",
    "    spec:",
    extra,
    "      containers:",
    container,
  ]
    .filter(Boolean)
    .join("\n");
}

const FILES: Record<string, string> = {
  "00-rbac.yaml": [
    "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: reader, namespace: shop}",
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: ServiceAccount, name: reader, namespace: shop}]",
  ].join("\n---\n"),
  "01-api.yaml": deployment(
    "api",
    "        - name: api\n          image: shop/api:1.0\n          imagePullPolicy: Always",
    "      serviceAccountName: reader",
  ),
  "02-host.yaml": deployment(
    "relay",
    "        - name: relay\n          image: relay:2",
    "      hostNetwork: true",
  ),
  "03-quantity.yaml": deployment(
    "worker",
    "        - name: worker\n          image: worker:3\n          resources: {limits: {memory: 1Gb}}",
  ),
  "04-patch.yaml": deployment("api", "        - name: api\n          env: [{name: A, value: b}]").replace(
    "name: api,",
    "name: api-patch,",
  ),
  "05-broken.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}",
  "06-latest.yaml": deployment("canary", "        - name: canary\n          image: shop/canary:latest"),
  "07-redis-client.yaml": deployment(
    "ingest",
    "        - name: ingest\n          image: ingest:1\n          env: [{name: REDIS_URL, value: 'redis://redis:6380'}]",
  ),
  "08-plain.yaml": deployment("plain", "        - name: plain\n          image: plain:1"),
  "09-json.json": JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { containers: [{ name: "c", image: "c:1" }] },
  }),
  "10-more.yaml": deployment(
    "more",
    "        - name: more\n          image: more:1",
    "      hostNetwork: true",
  ),
  "11-redis.yaml": [
    "apiVersion: v1\nkind: Service\nmetadata: {name: redis, namespace: shop}\nspec: {ports: [{port: 6379}]}",
    deployment("api", "        - name: api\n          image: shop/api:1.1"),
  ].join("\n---\n"),
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-threads-"));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), `${text}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lint = (env: Record<string, string>, ...args: string[]) =>
  runBin(["lint", ".", "--zone", "1", ...args], { cwd: dir, env });

describe("pitfall lint over worker threads", () => {
  it.each([["json"], ["text"]])("-o %s: the same as one thread and as the old path", async (format) => {
    const threads = await lint({ PITFALL_LINT_WORKERS: "2" }, "-o", format);
    const one = await lint({ PITFALL_LINT_WORKERS: "0" }, "-o", format);
    const old = await lint({ PITFALL_LINT_PATH: "old" }, "-o", format);
    expect(threads.err).toMatch(/objects linted over 3 threads/);
    expect(one.err).not.toMatch(/threads/);
    expect(threads.out).toBe(one.out);
    expect(threads.out).toBe(old.out);
    expect(threads.code).toBe(old.code);
    if (format === "json") {
      const report = JSON.parse(threads.out) as { findings: unknown[]; errors: { message: string }[] };
      expect(report.findings.length).toBeGreaterThan(3);
      // Each kind of input problem, from files that fall in different groups (warnings go to stderr with -o json).
      expect(threads.err.replace(/.*over 3 threads\n/, "")).toBe(old.err);
      const said = [...report.errors.map((e) => e.message), threads.err].join("\n");
      expect(said).toMatch(/Deployment shop\/api is defined 2 times \(01-api.yaml:1, 11-redis.yaml:\d+\)/);
      expect(said).toMatch(/is not a quantity/);
      expect(said).toMatch(/reads as a patch/);
      expect(said).toMatch(/invalid YAML/);
    }
  });

  it("goes the whole-snapshot way when an object has owner references, as one thread does", async () => {
    const owned = mkdtempSync(join(tmpdir(), "pitfall-threads-owned-"));
    try {
      for (const [name, text] of Object.entries(FILES)) writeFileSync(join(owned, name), `${text}\n`);
      writeFileSync(
        join(owned, "12-owned.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: owned\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u1, controller: true}]\nspec: {containers: [{name: c, image: c:1}]}\n",
      );
      const threads = await runBin(["lint", ".", "--zone", "1", "-o", "json"], {
        cwd: owned,
        env: { PITFALL_LINT_WORKERS: "2" },
      });
      const old = await runBin(["lint", ".", "--zone", "1", "-o", "json"], {
        cwd: owned,
        env: { PITFALL_LINT_PATH: "old" },
      });
      expect(threads.err).not.toMatch(/threads/);
      expect(threads.out).toBe(old.out);
    } finally {
      rmSync(owned, { recursive: true, force: true });
    }
  });
});
