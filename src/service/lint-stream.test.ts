// The streamed lint against one engine run over the whole snapshot (the old path): the same findings (pitfall,
// rule, object, file, line, column, message, evidence, runbook), suppressions, diagnostics and skipped pitfalls,
// on a generated multi-document stream cut into many batches and on tricky streams; what it hands back to the
// whole-snapshot path. Fixture files and the real-world corpus: service/lint.test.ts, through the pipeline.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRICKY } from "../../test/support/tricky-manifests.js";
import { type Config, defaultConfig } from "../config/model.js";
import { runEngine } from "../engine/run.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../kb/load.js";
import { manifestSources, readManifestBatches } from "../sources/manifest-stream.js";
import { readManifests } from "../sources/manifests.js";
import { InputChecks } from "./lint-checks.js";
import { collectContext, lintManifestStream } from "./lint-stream.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let kb: KnowledgeBase;
let dir: string;

beforeAll(async () => {
  kb = await loadKnowledgeBase({ cwd: ROOT });
  dir = mkdtempSync(path.join(tmpdir(), "pitfall-lint-stream-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `count` workloads with pitfalls, suppressions, Helm comments; each pod's ServiceAccount comes after it. */
function generatedStream(count: number): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const ignore =
      i % 7 === 0
        ? `\n  annotations: {pitfall.io/ignore: host-network, pitfall.io/ignore-reason: "edge ${i}"}`
        : "";
    docs.push(`# Source: platform/templates/app-${i}.yaml
apiVersion: apps/v1
kind: ${i % 3 === 0 ? "StatefulSet" : "Deployment"}
metadata:
  name: app-${i}
  namespace: team-${i % 4}${ignore}
spec:
  replicas: ${i % 3}
  template:
    spec:
      hostNetwork: ${i % 2 === 0}
      serviceAccountName: ${i % 5 === 0 ? "default" : `sa-${i % 6}`}
      ${i % 4 === 0 ? "automountServiceAccountToken: true" : ""}
      containers:
      - name: main
        image: registry.example.com/app:${i % 3 === 0 ? "latest" : "1.0"}
        imagePullPolicy: ${i % 2 ? "Always" : "IfNotPresent"}
        env:
        - {name: REDIS, value: "redis://redis:${i % 4 === 1 ? 6379 : 6381}"}
${i % 5 === 1 ? "" : "        resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}\n"}`);
    if (i % 6 < 3)
      docs.push(`apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-${i % 6}, namespace: team-${i % 4}}
${i % 12 < 6 ? "automountServiceAccountToken: false" : ""}
`);
  }
  return `---\n${docs.join("---\n")}`;
}

/** The whole snapshot, its objects checked as the lint checks them, in one engine run. */
async function oldLint(inputs: string[], zone: string, config: Config) {
  const snapshot = await readManifests(inputs, { cwd: ROOT, readStdin: async () => "" });
  const checks = new InputChecks();
  snapshot.objects = checks.take(snapshot.objects);
  snapshot.diagnostics.push(...checks.diagnostics());
  const result = runEngine(snapshot, { mode: "manifest", kb, config, zone });
  return { objects: snapshot.objects.length, diagnostics: snapshot.diagnostics, result };
}

async function newLint(inputs: string[], zone: string, config: Config, batchChars?: number) {
  return lintManifestStream(
    await manifestSources(inputs, { cwd: ROOT }),
    { mode: "manifest", kb, config, zone },
    { kind: "manifests", name: "" },
    batchChars ? { batchChars } : {},
  );
}

/** Lints both ways; true when the stream linted (false: it handed the input to the whole-snapshot path). */
async function expectSameLint(inputs: string[], zone: string, config = defaultConfig(), batchChars?: number) {
  const want = await oldLint(inputs, zone, config);
  const got = await newLint(inputs, zone, config, batchChars);
  if (!got) return false;
  expect(got.objects).toBe(want.objects);
  expect(got.diagnostics).toStrictEqual(want.diagnostics);
  expect(got.result.findings).toStrictEqual(want.result.findings);
  expect(got.result.suppressed).toStrictEqual(want.result.suppressed);
  expect(got.result.diagnostics).toStrictEqual(want.result.diagnostics);
  expect(got.result.skipped).toStrictEqual(want.result.skipped);
  return true;
}

describe("a streamed lint finds what one run over the whole snapshot finds", () => {
  it.each(["1", "2"])("on a generated stream of 400 workloads in small batches, zone %s", async (zone) => {
    const file = path.join(dir, "platform.yaml");
    writeFileSync(file, generatedStream(400));
    const config = defaultConfig();
    config.ignore = [{ namespace: "team-2", pitfalls: ["image-pull-policy"], reason: "mirrored registry" }];
    expect(await expectSameLint([file], zone, config, 2_000)).toBe(true);
    const findings = (await newLint([file], zone, config, 2_000))!.result.findings;
    // The pods' ServiceAccounts come after them: in zone 1 (k3s) some pods are found through their account.
    if (zone === "1") expect(findings.some((f) => f.rule === "in-cluster-api")).toBe(true);
    expect(findings.length).toBeGreaterThan(100);
  });

  it("on the tricky stream (anchors, merge keys, Lists, broken documents) and its CRLF twin", async () => {
    const file = path.join(dir, "tricky.yaml");
    writeFileSync(file, TRICKY);
    expect(await expectSameLint([file], "1", defaultConfig(), 500)).toBe(true);
    writeFileSync(file, `\uFEFF${TRICKY.replace(/\n/g, "\r\n")}`);
    expect(await expectSameLint([file], "1", defaultConfig(), 500)).toBe(true);
  });

  it("reads each looked-up document once: the linting pass takes the collecting pass's objects", async () => {
    const file = path.join(dir, "accounts.yaml");
    writeFileSync(file, generatedStream(60));
    const sources = await manifestSources([file], { cwd: ROOT });
    const plan = collectContext(sources, { mode: "manifest", kb, config: defaultConfig(), zone: "1" })!;
    const kept = Array.from({ length: plan.context.size }, (_, i) => ({
      object: plan.context.object(i),
      origin: plan.context.origin(i),
    }));
    const accounts = kept.filter((o) => o.object.kind === "ServiceAccount");
    expect(accounts.length).toBe(30);
    const read = [...readManifestBatches(sources, plan.context.readerOf({ batchChars: 2_000 }))].flatMap(
      (b) => b.objects,
    );
    const taken = read.filter((o) => o.object.kind === "ServiceAccount");
    // Made from the kept text, each at its own place with positions inside it found on demand.
    expect(taken.every((o) => plan.context.wasReused(o))).toBe(true);
    expect(taken.map((o) => o.object)).toStrictEqual(accounts.map((o) => o.object));
    expect(taken.map((o) => o.origin.line)).toStrictEqual(accounts.map((o) => o.origin.line));
    expect(taken[1]!.origin.locate?.(["metadata", "name"])?.line).toBe(taken[1]!.origin.line! + 2);
    // Read without the plan, the documents give equal objects, read anew.
    const fresh = [...readManifestBatches(sources)].flatMap((b) => b.objects);
    const again = fresh.filter((o) => o.object.kind === "ServiceAccount");
    expect(again.map((o) => o.object)).toStrictEqual(accounts.map((o) => o.object));
    expect(again.some((o) => plan.context.wasReused(o))).toBe(false);
    expect(await expectSameLint([file], "1")).toBe(true);
  });

  it("hands Nodes and owner references to the whole-snapshot path", async () => {
    const file = path.join(dir, "nodes.yaml");
    writeFileSync(file, `apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n${generatedStream(3)}`);
    expect(await newLint([file], "1", defaultConfig())).toBeUndefined();
    writeFileSync(
      file,
      `${generatedStream(3)}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences: [{uid: u1, kind: ReplicaSet, name: r}]\nspec:\n  containers: [{name: c, image: x}]\n`,
    );
    expect(await newLint([file], "1", defaultConfig())).toBeUndefined();
    // A broken document whose quote never closes takes the ServiceAccount after it with it (yaml reads on to the
    // end of the file); the collecting pass, which skips what it does not need, saw that account.
    const pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-0}\nspec:\n  serviceAccountName: web\n  containers:\n  - {name: c, image: bitnami/kubectl}\n";
    const account =
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: team-0}\nautomountServiceAccountToken: false\n";
    writeFileSync(file, `${pod}---\nbroken: 'never closed\n---\n${account}`);
    expect(await newLint([file], "1", defaultConfig())).toBeUndefined();
    const old = await oldLint([file], "1", defaultConfig());
    expect(old.result.findings.some((f) => f.rule === "in-cluster-api")).toBe(true);
  });
});
