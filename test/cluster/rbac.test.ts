// deploy/ as the real API server takes it: server-side validation of both overlays, then pitfall scanning and
// watching with a token of its own ServiceAccount, bounded by the ClusterRole in deploy/base.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { runCli, spawnCollect } from "../support/cli.js";
import { waitFor } from "../watch/support.js";
import { findingKey, type ScanJson } from "./compare.js";
import { apiCall, type Cluster, writeClusterKubeconfig } from "./harness.js";
import { loadFixture } from "./load.js";
import { sharedCluster, unavailable, uniquePrefix } from "./shared.js";
import { startWatch } from "./watching.js";

const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
const SA = "system:serviceaccount:pitfall:pitfall";
const ROLE = parse(readFileSync("deploy/base/clusterrole.yaml", "utf8")) as { rules: Rule[] };

/** The resources the scan could not read because RBAC said no. */
const forbidden = (j: ScanJson) =>
  (j.incomplete ?? []).filter((i) => /^403 Forbidden/.test(i.reason)).map((i) => i.resource);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe.skipIf(unavailable)("RBAC as deployed, on the real API server", () => {
  let dir: string;
  let cluster: Cluster;
  let admin: string;
  const prefix = uniquePrefix();

  const kubectlWithInput = (stdin: string, ...args: string[]) =>
    spawnCollect("kubectl", args, { cwd: process.cwd(), env: { ...process.env, KUBECONFIG: admin }, stdin });
  const kubectl = (...args: string[]) => kubectlWithInput("", ...args);

  /** A kubeconfig for a ServiceAccount, with a token from the TokenRequest API (`kubectl create token`). */
  const accountKubeconfig = async (namespace: string, name: string) => {
    const token = await kubectl("create", "token", name, "-n", namespace, "--duration=1h");
    expect(token.code, token.err).toBe(0);
    return writeClusterKubeconfig(cluster, join(dir, `${name}.yaml`), {
      context: "office",
      token: token.out.trim(),
    });
  };

  const scan = async (kubeconfig: string) => {
    const r = await runCli(["scan", "-o", "json", "--kubeconfig", kubeconfig], {
      cwd: dir,
      env: { HOME: dir },
    });
    return { code: r.code, err: r.err, json: JSON.parse(r.out) as ScanJson };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pitfall-rbac-"));
    cluster = await sharedCluster();
    admin = writeClusterKubeconfig(cluster, join(dir, "admin.yaml"));
    // Something to scan, with the CRD installed so that externalsecrets is a question of RBAC, not of a 404.
    await loadFixture(cluster, BROKEN, { namespacePrefix: prefix });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(["k3s", "managed"])(
    "kubectl apply --dry-run=server -k deploy/overlays/%s, then for real",
    async (overlay) => {
      // A server dry run creates nothing, so the overlay's namespaced objects need its Namespace there first.
      const rendered = await kubectl("kustomize", `deploy/overlays/${overlay}`);
      const namespace = parseAllDocuments(rendered.out)
        .map((d) => d.toJS() as { kind?: string })
        .filter((d) => d.kind === "Namespace");
      expect(namespace).toHaveLength(1);
      const ns = await kubectlWithInput(JSON.stringify(namespace[0]), "apply", "-f", "-");
      expect(ns.code, ns.err).toBe(0);
      const dry = await kubectl("apply", "--dry-run=server", "-k", `deploy/overlays/${overlay}`);
      expect(dry.code, dry.err).toBe(0);
      expect(dry.out).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/pitfall-read .*\(server dry run\)/);
      const real = await kubectl("apply", "-k", `deploy/overlays/${overlay}`);
      expect(real.code, real.err).toBe(0);
      const role = await apiCall(
        cluster,
        "GET",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/pitfall-read",
      );
      expect((role.rules as Rule[]).length).toBeGreaterThan(3);
    },
    60_000,
  );

  it("scan and watch as pitfall's ServiceAccount: nothing forbidden, logs read, no secrets", async () => {
    const kubeconfig = await accountKubeconfig("pitfall", "pitfall");
    const r = await scan(kubeconfig);
    // Other tests share this server (thousands of pods, some without logs): only a 403 is RBAC's doing.
    expect(forbidden(r.json), r.err).toEqual([]);
    expect(r.json.targets[0]?.objects).toBeGreaterThan(100);
    const ours = r.json.findings.filter((f) => f.object.namespace?.startsWith(prefix));
    // The crash loop's cause comes from its previous log: pods/log was allowed.
    const crash = ours.find((f) => f.rule === "crash-loop" && f.evidence?.some((e) => e.kind === "log"));
    expect(crash, ours.map(findingKey).join("\n")).toBeDefined();
    expect(ours.map(findingKey)).toContain(
      `external-secret-sync ExternalSecret/${prefix}ge-system/ge-api-secrets`,
    );

    // One namespace: the watch's first list stays small on a server other tests fill with thousands of pods.
    const watched = `${prefix}ge-agents`;
    const { cli: watch, lines } = await startWatch(["--kubeconfig", kubeconfig, "-n", watched], dir);
    const seen = () => lines().map((l) => l.finding);
    const expected = ours.filter((f) => f.object.namespace === watched);
    expect(expected.length).toBeGreaterThan(3);
    await waitFor(
      "the watch's first findings",
      () => expected.every((f) => seen().some((s) => findingKey(s) === findingKey(f))),
      60_000,
    );
    expect(watch.err()).not.toMatch(/403|forbidden/i);
    expect(await watch.stop()).toBe(0);

    const secrets = await kubectl("auth", "can-i", "get", "secrets", `--as=${SA}`, "-A");
    expect(secrets.out.trim()).toBe("no");
    expect(secrets.code).toBe(1);
    const logs = await kubectl("auth", "can-i", "get", "pods", "--subresource=log", `--as=${SA}`, "-A");
    expect(logs.out.trim()).toBe("yes");
  }, 120_000);

  it.each(ROLE.rules.map((rule, i) => [rule.resources.join(", "), i] as const))(
    "a copy of the role without the rule for %s: the scan lists them as not checked (403), exit 3",
    async (_resources, index) => {
      const dropped = ROLE.rules[index]!;
      const name = `${prefix}pitfall-less-${index}`;
      await apiCall(cluster, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
        metadata: { name },
        rules: ROLE.rules.filter((r) => r !== dropped),
      });
      await apiCall(cluster, "POST", "/api/v1/namespaces/pitfall/serviceaccounts", { metadata: { name } });
      await apiCall(cluster, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name, namespace: "pitfall" }],
      });
      const r = await scan(await accountKubeconfig("pitfall", name));
      expect(r.code, r.err).toBe(3);
      expect(forbidden(r.json).sort()).toEqual([...dropped.resources].sort());
    },
    60_000,
  );
});
