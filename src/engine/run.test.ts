import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../config/model.js";
import { addEntry, parseEntry } from "../kb/add.js";
import { builtinPagePath, type KnowledgeBase, knowledgeBaseOf, loadKnowledgeBase } from "../kb/load.js";
import { parsePage } from "../kb/parse.js";
import { externalSecretRefreshRule } from "../rules/external-secret-refresh.js";
import { allRules } from "../rules/index.js";
import { hostNetworkRule } from "../rules/host-network.js";
import { imagePullPolicyRule } from "../rules/image-pull-policy.js";
import { redisPortRule } from "../rules/redis-port.js";
import { defineRule, type Rule } from "../rules/types.js";
import { parseManifests } from "../sources/manifests.js";
import { type RunOptions, runEngine } from "./run.js";
import type { Snapshot, SourcedObject } from "../model/snapshot.js";

const builtinText = readFileSync(builtinPagePath(), "utf8");
const builtin = knowledgeBaseOf([parsePage(builtinText, "kb/kubernetes.md")]);

function snapshotOf(text: string, file = "deploy/app.yaml"): Snapshot {
  const parsed = parseManifests(text, file);
  expect(parsed.diagnostics).toEqual([]);
  return {
    target: { kind: "manifests", name: file },
    objects: parsed.objects,
    diagnostics: [],
    incomplete: [],
  };
}

function run(snapshot: Snapshot, opts: Partial<RunOptions> = {}) {
  return runEngine(snapshot, { mode: "manifest", kb: builtin, config: defaultConfig(), ...opts });
}

/** 1-based line of the first line that starts (after indentation) with `text`. */
function lineOf(source: string, text: string): number {
  const i = source.split("\n").findIndex((l) => l.trimStart().startsWith(text));
  if (i < 0) throw new Error(`no line with ${text}`);
  return i + 1;
}

const LATEST_POD = `apiVersion: v1
kind: Pod
metadata:
  name: ui
  namespace: admin
spec:
  containers:
    - name: ui
      image: ge-admin-ui:latest
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 10m, memory: 16Mi }
`;

describe("zones", () => {
  it("runs a k3s-only rule for zone 1", () => {
    const r = run(snapshotOf(LATEST_POD), { rules: [imagePullPolicyRule], zone: "1", detect: false });
    expect(r.findings.map((f) => [f.rule, f.messageId, f.zone])).toEqual([
      ["image-pull-policy", "defaults-to-always", "1"],
    ]);
    expect(r.skipped).toEqual([]);
  });

  it("does not run it for zone 2 and says why", () => {
    const r = run(snapshotOf(LATEST_POD), { rules: [imagePullPolicyRule], zone: "2" });
    expect(r.findings).toEqual([]);
    expect(r.skipped).toContainEqual({
      pitfall: "image-pull-failures-zone-1",
      reason: "zone-specific (zone 1, k3s); the target is zone 2",
    });
  });

  it("skips zone-specific pitfalls when no zone is known, DETECT lines included", () => {
    const r = run(snapshotOf(LATEST_POD), { rules: [imagePullPolicyRule] });
    expect(r.findings.filter((f) => f.pitfall === "image-pull-failures-zone-1")).toEqual([]);
    expect(r.skipped).toContainEqual({
      pitfall: "image-pull-failures-zone-1",
      reason: "zone-specific (zone 1, k3s): give --zone",
    });
    expect(r.skipped).toContainEqual({
      pitfall: "k3s-clusterip-broken-from-inside-pods",
      reason: "zone-specific (zone 1, k3s): give --zone",
    });
  });

  it("takes the distribution from the page header, or alone picks the zones that run it", () => {
    const byDistribution = run(snapshotOf(LATEST_POD), {
      rules: [imagePullPolicyRule],
      distribution: "k3s",
      detect: false,
    });
    expect(byDistribution.findings).toHaveLength(1);
    const managed = run(snapshotOf(LATEST_POD), { rules: [imagePullPolicyRule], distribution: "managed" });
    expect(managed.findings).toEqual([]);
    expect(managed.skipped[0]?.reason).toMatch(/target runs managed/);
  });

  it("keeps a k3s rule off a managed zone even when a team page says its pitfall applies everywhere", () => {
    const team = builtinText.replace(
      /(## Image Pull Failures \(Zone 1\)\n\nSeverity: MEDIUM\n)Zone: 1 \(k3s\)/,
      "$1Zone: ALL",
    );
    expect(team).not.toBe(builtinText);
    const kb = knowledgeBaseOf([parsePage(builtinText, "kb/kubernetes.md"), parsePage(team, "team.md")]);
    const r = run(snapshotOf(LATEST_POD), { kb, rules: [imagePullPolicyRule], zone: "2" });
    expect(r.findings.filter((f) => f.rule === "image-pull-policy")).toEqual([]);
    expect(r.skipped).toContainEqual({
      pitfall: "image-pull-failures-zone-1",
      reason: "rule image-pull-policy checks k3s targets only; the target runs managed",
    });
  });
});

const HOST_NET = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: executor
  namespace: agents
  annotations:
    pitfall.io/ignore: "hostnetwork-causes-port-conflicts, resource-starvation"
    pitfall.io/ignore-reason: needs the node's network for DHCP probes
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: executor
          image: ge-executor:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: agents
spec:
  template:
    metadata:
      annotations:
        pitfall.io/ignore: host-network
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: web:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: probe
  namespace: tools
spec:
  hostNetwork: true
  containers:
    - name: probe
      image: probe:1.0
`;

describe("suppression", () => {
  it("honours pitfall.io/ignore on the object (with its reason) and on the pod template (by rule id)", () => {
    const r = run(snapshotOf(HOST_NET), { rules: [hostNetworkRule], detect: false });
    expect(r.findings.map((f) => f.object.name)).toEqual(["probe"]);
    expect(r.suppressed).toEqual([
      {
        pitfall: "hostnetwork-causes-port-conflicts",
        rule: "host-network",
        object: { kind: "Deployment", namespace: "agents", name: "executor", apiVersion: "apps/v1" },
        file: "deploy/app.yaml",
        line: lineOf(HOST_NET, "hostNetwork: true"),
        by: "annotation",
        reason: "needs the node's network for DHCP probes",
      },
      expect.objectContaining({
        rule: "host-network",
        object: expect.objectContaining({ name: "web" }),
        by: "annotation",
        reason: 'pitfall.io/ignore: "host-network" on the pod template (no pitfall.io/ignore-reason given)',
      }),
    ]);
  });

  it("suppresses the DETECT duplicate with the rule's finding, not in its place", () => {
    // The page's own DETECT for hostNetwork matches all three; the rule's findings win, and are ignored.
    const r = run(snapshotOf(HOST_NET), { rules: [hostNetworkRule] });
    expect(
      r.findings.filter((f) => f.rule === "detect" && f.pitfall === "hostnetwork-causes-port-conflicts"),
    ).toEqual([]);
  });

  it("honours config ignore entries by path glob and by namespace", () => {
    const config: Config = {
      ...defaultConfig(),
      file: ".pitfall.yaml",
      ignore: [
        { path: "deploy/**/*.yaml", pitfalls: ["hostnetwork-causes-port-conflicts"], reason: "legacy chart" },
        { namespace: "tools" },
      ],
    };
    const nested = snapshotOf(HOST_NET.replace(/^ +pitfall\.io.*\n/gm, ""), "deploy/x/app.yaml");
    const r = run(nested, { rules: [hostNetworkRule], config, detect: false });
    expect(r.findings).toEqual([]);
    expect(r.suppressed.map((s) => [s.object.name, s.by, s.reason])).toEqual([
      ["executor", "config", "legacy chart"],
      ["web", "config", "legacy chart"],
      ["probe", "config", "legacy chart"],
    ]);
    const elsewhere = snapshotOf(HOST_NET, "other/app.yaml");
    const r2 = run(elsewhere, { rules: [hostNetworkRule], config, detect: false });
    expect(r2.findings).toEqual([]);
    expect(r2.suppressed.find((s) => s.object.name === "probe")).toMatchObject({
      by: "config",
      reason: "ignore entry 2 of .pitfall.yaml (namespace tools; no reason given)",
    });
  });
});

const CRASHER = `apiVersion: v1
kind: Pod
metadata:
  name: executor-7d9f
  namespace: ge-agents
spec:
  containers:
    - name: executor
      image: ghcr.io/ge/executor:1.4
      env:
        - name: REDIS_URL
          value: redis://ge-redis:6379
`;

describe("runbooks", () => {
  it("fills the page's placeholders with the object's real names", () => {
    const r = run(snapshotOf(CRASHER), { rules: [redisPortRule], detect: false });
    const f = r.findings[0]!;
    expect(f).toMatchObject({
      rule: "redis-port",
      pitfall: "crashloopbackoff",
      severity: "MEDIUM",
      container: "executor",
    });
    expect(f.line).toBe(lineOf(CRASHER, "value: redis://"));
    expect(f.runbook).toContainEqual({
      kind: "RUN",
      text: "kubectl logs executor-7d9f -n ge-agents --previous",
    });
  });

  it("quotes a name that the shell would read as more than a name", () => {
    const o: SourcedObject = {
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "x; rm -rf ~", namespace: "a b" },
        spec: {
          containers: [
            {
              name: "c",
              image: "c:1",
              env: [
                { name: "REDIS_HOST", value: "ge-redis" },
                { name: "REDIS_PORT", value: "6379" },
              ],
            },
          ],
        },
      },
      origin: {},
    };
    const r = run(
      { target: { kind: "manifests", name: "hand" }, objects: [o], diagnostics: [], incomplete: [] },
      {
        rules: [redisPortRule],
        detect: false,
      },
    );
    expect(r.findings[0]?.runbook).toContainEqual({
      kind: "RUN",
      text: "kubectl logs 'x; rm -rf ~' -n 'a b' --previous",
    });
  });

  it("names an ExternalSecret as the page's ge-{service}-secrets pattern expects", () => {
    const es = `apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: ge-executor-secrets
  namespace: ge-agents
spec:
  refreshInterval: 30s
`;
    const r = run(snapshotOf(es), { rules: [externalSecretRefreshRule], detect: false });
    expect(r.findings[0]?.runbook).toContainEqual({
      kind: "RUN",
      text: "kubectl annotate externalsecret ge-executor-secrets -n ge-agents force-sync=$(date +%s) --overwrite",
    });
  });

  it("uses the steps of a team page that overrides the built-in pitfall", () => {
    const team = `# Team pitfalls

## CrashLoopBackOff

Severity: HIGH
Zone: ALL

Our own runbook.

IF: a pod crash-loops
RUN: stern {pod-name} -n {namespace} --since 1h

ADDED_FROM: team-2026-04, we use stern
`;
    const kb = knowledgeBaseOf([parsePage(builtinText, "kb/kubernetes.md"), parsePage(team, "team.md")]);
    const r = run(snapshotOf(CRASHER), { kb, rules: [redisPortRule], detect: false });
    expect(r.findings[0]?.severity).toBe("HIGH");
    expect(r.findings[0]?.runbook?.filter((s) => s.kind === "RUN")).toEqual([
      { kind: "RUN", text: "stern executor-7d9f -n ge-agents --since 1h" },
    ]);
  });

  it("still reports for a pitfall no page defines, with an empty runbook and one diagnostic", () => {
    const orphan = defineRule({
      meta: {
        id: "orphan",
        pitfall: "no-such-pitfall",
        runs: ["manifest"],
        description: "test",
        looksAt: "test",
        messages: { seen: "saw {{name}}" },
      },
      check: (_ctx, o) => [
        { messageId: "seen", data: { name: String(o.object.metadata?.name) }, severity: "LOW" },
      ],
    });
    const r = run(snapshotOf(HOST_NET), { rules: [orphan], detect: false });
    expect(r.findings.map((f) => [f.pitfall, f.severity, f.message, f.runbook])).toEqual([
      ["no-such-pitfall", "LOW", "saw executor", []],
      ["no-such-pitfall", "LOW", "saw web", []],
      ["no-such-pitfall", "LOW", "saw probe", []],
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["unknown-pitfall"]);
  });
});

describe("rule results", () => {
  const loud = (severity: "CRITICAL" | "LOW", fail = false): Rule =>
    defineRule({
      meta: {
        id: `loud-${severity}`,
        pitfall: "crashloopbackoff",
        runs: ["manifest"],
        description: "test",
        looksAt: "test",
        kinds: ["Pod"],
        messages: { m: "m" },
      },
      check: (_ctx, o) => {
        if (fail && o.object.metadata?.name === "probe") throw new Error("boom");
        return [{ messageId: "m", data: {}, severity }];
      },
    });

  it("lets a report raise the pitfall's severity but never lower it", () => {
    const r = run(snapshotOf(HOST_NET), { rules: [loud("CRITICAL"), loud("LOW")], detect: false });
    expect(r.findings.map((f) => [f.rule, f.severity])).toEqual([
      ["loud-CRITICAL", "CRITICAL"],
      ["loud-LOW", "MEDIUM"],
    ]);
  });

  it("a setting a rule cannot use is one diagnostic naming it; that rule does not run, the others do", () => {
    const config: Config = { ...defaultConfig(), file: ".pitfall.yaml" };
    config.expect.redisPort = 70000;
    const r = run(snapshotOf(HOST_NET), { config, rules: [redisPortRule, hostNetworkRule], detect: false });
    expect(r.diagnostics).toEqual([
      {
        file: ".pitfall.yaml",
        line: 0,
        severity: "error",
        code: "rule-options",
        message:
          "rule redis-port did not run: expect.redisPort must be a port number (1 to 65535), not 70000",
      },
    ]);
    expect(r.findings.map((f) => f.rule)).toEqual(["host-network"]);
  });

  it("turns a failing rule into a diagnostic and goes on", () => {
    const r = run(snapshotOf(`${CRASHER}---\n${HOST_NET}`), { rules: [loud("LOW", true)], detect: false });
    expect(r.findings.map((f) => f.object.name)).toEqual(["executor-7d9f"]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: "rule-failed",
        file: "deploy/app.yaml",
        message: expect.stringMatching(/loud-LOW failed on Pod\/tools\/probe: boom/),
      }),
    ]);
  });

  it("checks object by object but reports rule by rule: each rule's results, its checkAll's last, in rule order", () => {
    const failing = (id: string, report: string): Rule =>
      defineRule({
        meta: {
          id,
          pitfall: "crashloopbackoff",
          runs: ["manifest"],
          description: "test",
          looksAt: "test",
          kinds: ["Pod"],
          messages: { m: "m" },
        },
        check: (_ctx, o) => {
          if (o.object.metadata?.name !== report) throw new Error(`${id} on ${o.object.metadata?.name}`);
          return [{ messageId: "m", data: {} }];
        },
        checkAll: () => {
          throw new Error(`${id} on all`);
        },
      });
    const r = run(snapshotOf(`${CRASHER}---\n${HOST_NET}`), {
      rules: [failing("first", "probe"), failing("second", "executor-7d9f")],
      detect: false,
    });
    expect(r.diagnostics.map((d) => d.message.replace(/.*: (\w+ on [\w-]+);.*/, "$1"))).toEqual([
      "first on executor-7d9f",
      "first on all",
      "second on probe",
      "second on all",
    ]);
    expect(r.findings.map((f) => [f.rule, f.object.name])).toEqual([
      ["second", "executor-7d9f"],
      ["first", "probe"],
    ]);
  });

  it("sorts findings most severe first, then by file and line", () => {
    // Two files given b first, each with the same objects in another order.
    const b = snapshotOf(`${CRASHER}---\n${HOST_NET}`, "b.yaml");
    const a = snapshotOf(`${HOST_NET}---\n${CRASHER}`, "a.yaml");
    const r = run({ ...b, objects: [...b.objects, ...a.objects] }, { zone: "1" });
    const keys = r.findings.map((f) => ({
      rank: ["CRITICAL", "HIGH", "MEDIUM", "LOW"].indexOf(f.severity),
      file: f.file ?? "",
      line: f.line ?? 0,
    }));
    const sorted = [...keys].sort(
      (x, y) => x.rank - y.rank || x.file.localeCompare(y.file) || x.line - y.line,
    );
    expect(keys).toEqual(sorted);
    // Not vacuous: some neighbours share a severity and differ in file, others share both and differ in line.
    const pairs = keys.slice(1).map((k, i) => [keys[i]!, k] as const);
    expect(pairs.some(([x, y]) => x.rank === y.rank && x.file !== y.file)).toBe(true);
    expect(pairs.some(([x, y]) => x.rank === y.rank && x.file === y.file && x.line < y.line)).toBe(true);
  });
});

const DEBUG_ENTRY = `## Debug ConfigMaps

Severity: LOW
Zone: ALL

A ConfigMap with a debug key turns on verbose logging everywhere that mounts it.

IF: logs are flooded
THEN: remove the debug key
RUN: kubectl edit configmap {name} -n {namespace}

ADDED_FROM: logging-2026-04, debug left on in production
DETECT: object.kind == 'ConfigMap' && has(object.data) && 'debug' in object.data
`;

const CONFIGMAPS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: web
data:
  level: info
  debug: "true"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: empty
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: quiet
data:
  level: info
`;

describe("DETECT", () => {
  async function pageWithEntry(): Promise<KnowledgeBase> {
    const dir = mkdtempSync(join(tmpdir(), "pitfall-detect-"));
    const page = join(dir, "kubernetes.md");
    copyFileSync(builtinPagePath(), page);
    const result = await addEntry(page, parseEntry(DEBUG_ENTRY, "entry.md"));
    expect(result.action).toBe("added");
    return loadKnowledgeBase({ paths: [page], cwd: dir, builtin: false });
  }

  it("reports a pitfall added with kb add, with no code change", async () => {
    const kb = await pageWithEntry();
    const r = run(snapshotOf(CONFIGMAPS), { kb });
    const found = r.findings.filter((f) => f.pitfall === "debug-configmaps");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      rule: "detect",
      messageId: "detect",
      severity: "LOW",
      object: { kind: "ConfigMap", name: "settings", namespace: "web" },
      file: "deploy/app.yaml",
      line: lineOf(CONFIGMAPS, "data:"),
      message:
        "matches DETECT of Debug ConfigMaps: object.kind == 'ConfigMap' && has(object.data) && 'debug' in object.data",
    });
    expect(found[0]?.runbook).toContainEqual({ kind: "RUN", text: "kubectl edit configmap settings -n web" });
    expect(r.diagnostics).toEqual([]);
  });

  it("is silent when the expression cannot be evaluated on an object", () => {
    const page = builtinText.replace(
      "## Cross-References",
      `${DEBUG_ENTRY.replace("DETECT: object.kind == 'ConfigMap' && has(object.data) && 'debug' in object.data", "DETECT: object.data.debug == 'true'")}\n## Cross-References`,
    );
    const kb = knowledgeBaseOf([parsePage(page, "team.md")]);
    const r = run(snapshotOf(CONFIGMAPS), { kb, rules: [] });
    // `empty` has no data and `quiet` no debug key: errors in CEL, which are not findings.
    expect(r.findings.filter((f) => f.pitfall === "debug-configmaps").map((f) => f.object.name)).toEqual([
      "settings",
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it("reports a DETECT line that does not compile as a diagnostic at its line", () => {
    const page = builtinText.replace(
      "## Cross-References",
      `${DEBUG_ENTRY.replace(/DETECT: .*/, "DETECT: object.kind == ")}\n## Cross-References`,
    );
    const kb = knowledgeBaseOf([parsePage(page, "team.md")]);
    const r = run(snapshotOf(CONFIGMAPS), { kb, rules: [] });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        file: "team.md",
        line: page.split("\n").lastIndexOf("DETECT: object.kind == ") + 1,
        code: "detect-invalid",
        severity: "error",
      }),
    ]);
  });

  it("gives way to a built-in rule that reported the same pitfall on the same object", () => {
    const text = HOST_NET.replace(/^ +pitfall\.io.*\n/gm, "").replace(
      /^ {4}metadata:\n {6}annotations:\n/m,
      "",
    );
    const withRule = run(snapshotOf(text), { rules: [hostNetworkRule] });
    const pitfall = (r: typeof withRule) =>
      r.findings
        .filter((f) => f.pitfall === "hostnetwork-causes-port-conflicts")
        .map((f) => [f.rule, f.object.name]);
    expect(pitfall(withRule)).toEqual([
      ["host-network", "executor"],
      ["host-network", "web"],
      ["host-network", "probe"],
    ]);
    const detectOnly = run(snapshotOf(text), { rules: [] });
    expect(pitfall(detectOnly)).toEqual([
      ["detect", "executor"],
      ["detect", "web"],
      ["detect", "probe"],
    ]);
    // The deepest field the expression reads is where the DETECT finding points.
    const probeLine = text.split("\n").indexOf("  hostNetwork: true") + 1;
    expect(detectOnly.findings.find((f) => f.object.name === "probe")?.line).toBe(probeLine);
  });

  it("does not lint Node objects given for capacity", () => {
    const node = `apiVersion: v1
kind: Node
metadata:
  name: old
status:
  nodeInfo:
    kubeletVersion: v1.33.4+k3s1
  allocatable: { cpu: "4", memory: 8Gi }
`;
    const plain = snapshotOf(node);
    expect(run(plain, { zone: "1" }).findings.map((f) => f.pitfall)).toEqual(["etcd-upgrade-path"]);
    const asNodes = snapshotOf(node);
    asNodes.objects = asNodes.objects.map((o) => ({ ...o, origin: { ...o.origin, role: "nodes" } }));
    expect(run(asNodes, { zone: "1" }).findings).toEqual([]);
  });
});

describe("the whole registry", () => {
  it("runs every rule over mixed manifests without diagnostics", () => {
    const r = run(snapshotOf(`${CRASHER}---\n${HOST_NET}---\n${CONFIGMAPS}---\n${LATEST_POD}`), {
      zone: "1",
    });
    expect(r.diagnostics).toEqual([]);
    const rules = new Set(r.findings.map((f) => f.rule));
    for (const id of ["redis-port", "resources", "image-pull-policy", "host-network"])
      expect(rules).toContain(id);
    expect(allRules().length).toBeGreaterThanOrEqual(7);
  });
});
