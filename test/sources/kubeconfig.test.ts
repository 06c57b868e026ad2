// Kubeconfig resolution as kubectl does it: flag, KUBECONFIG list, ~/.kube/config, service account.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextsOf, KubeConfigError, loadKubeConfig } from "../../src/sources/kubeconfig.js";
import { writeKubeconfig } from "../sim/index.js";

const TOKEN_A = "token-alpha-3f9a";
const TOKEN_B = "token-beta-77c1";
let dir: string;
let fileA: string;
let fileB: string;
let emptyHome: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-kubeconfig-"));
  fileA = writeKubeconfig(join(dir, "a.yaml"), [
    { context: "alpha", server: "https://alpha.example:6443", token: TOKEN_A, namespace: "ge-agents" },
  ]);
  fileB = writeKubeconfig(join(dir, "b.yaml"), [
    { context: "beta", server: "https://beta.example:6443", token: TOKEN_B },
    { context: "gamma", server: "https://gamma.example:6443", token: TOKEN_B },
  ]);
  emptyHome = join(dir, "home-empty");
  mkdirSync(emptyHome);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<KubeConfigError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeConfigError);
    return e as KubeConfigError;
  }
  throw new Error("expected a KubeConfigError");
}

describe("loadKubeConfig", () => {
  it("takes --kubeconfig over KUBECONFIG", async () => {
    const kc = await loadKubeConfig({ kubeconfig: fileA, kubeconfigEnv: fileB, home: emptyHome });
    expect(kc.getCurrentContext()).toBe("alpha");
    expect(contextsOf(kc)).toEqual([
      {
        name: "alpha",
        cluster: "alpha",
        server: "https://alpha.example:6443",
        namespace: "ge-agents",
        current: true,
      },
    ]);
  });

  it("resolves a relative --kubeconfig against cwd", async () => {
    const kc = await loadKubeConfig({ kubeconfig: "a.yaml", cwd: dir, home: emptyHome });
    expect(kc.getCurrentContext()).toBe("alpha");
  });

  it("merges a KUBECONFIG list: all contexts, the first file's current context, missing files skipped", async () => {
    const env = [join(dir, "missing.yaml"), fileB, fileA].join(delimiter);
    const kc = await loadKubeConfig({ kubeconfigEnv: env, home: emptyHome });
    expect(kc.getCurrentContext()).toBe("beta");
    expect(contextsOf(kc).map((c) => c.name)).toEqual(["beta", "gamma", "alpha"]);
    const picked = await loadKubeConfig({ kubeconfigEnv: env, context: "alpha", home: emptyHome });
    expect(picked.getCurrentContext()).toBe("alpha");
    expect(picked.getCurrentCluster()?.server).toBe("https://alpha.example:6443");
  });

  it("falls back to ~/.kube/config", async () => {
    const home = join(dir, "home");
    writeKubeconfig(join(home, ".kube", "config"), [{ context: "home-ctx", server: "https://home.example" }]);
    const kc = await loadKubeConfig({ home, kubeconfigEnv: "" });
    expect(kc.getCurrentContext()).toBe("home-ctx");
  });

  it("a missing context names the ones there are and prints no token", async () => {
    const e = await failure(
      loadKubeConfig({ kubeconfigEnv: [fileB, fileA].join(delimiter), context: "prod", home: emptyHome }),
    );
    expect(e.message).toContain('context "prod" is not in');
    expect(e.message).toContain("available contexts: beta, gamma, alpha");
    expect(e.contexts).toEqual(["beta", "gamma", "alpha"]);
    expect(e.message).not.toContain(TOKEN_A);
    expect(e.message).not.toContain(TOKEN_B);
  });

  it("a missing --kubeconfig file is an error, not a fallback", async () => {
    const e = await failure(loadKubeConfig({ kubeconfig: join(dir, "nope.yaml"), kubeconfigEnv: fileA }));
    expect(e.message).toMatch(/nope\.yaml does not exist/);
  });

  it("no config anywhere: says where it looked", async () => {
    const e = await failure(
      loadKubeConfig({
        kubeconfigEnv: join(dir, "gone.yaml"),
        home: emptyHome,
        serviceAccountDir: join(dir, "no-sa"),
      }),
    );
    expect(e.message).toMatch(/^no kubeconfig found: looked at .*gone\.yaml \(KUBECONFIG\), .*home-empty/);
  });

  it("a broken file is reported without quoting its contents", async () => {
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, `users:\n- name: x\n  user:\n    token: ${TOKEN_A}\n   bad: [\n`);
    const e = await failure(loadKubeConfig({ kubeconfig: broken }));
    expect(e.message).toContain("broken.yaml cannot be read");
    expect(e.message).not.toContain(TOKEN_A);
  });

  it("uses the pod's service account in a cluster", async () => {
    const sa = join(dir, "sa");
    mkdirSync(sa);
    writeFileSync(join(sa, "token"), TOKEN_A);
    writeFileSync(join(sa, "namespace"), "pitfall\n");
    const kc = await loadKubeConfig({
      inCluster: true,
      serviceAccountDir: sa,
      serviceHost: "10.43.0.1",
      servicePort: "443",
    });
    expect(kc.getCurrentContext()).toBe("in-cluster");
    expect(kc.getCurrentCluster()?.server).toBe("https://10.43.0.1:443");
    expect(contextsOf(kc)[0]?.namespace).toBe("pitfall");
    // Without any kubeconfig file, the service account is the last resort.
    const fallback = await loadKubeConfig({
      home: emptyHome,
      serviceAccountDir: sa,
      serviceHost: "10.43.0.1",
      servicePort: "443",
    });
    expect(fallback.getCurrentContext()).toBe("in-cluster");
    const e = await failure(loadKubeConfig({ inCluster: true, serviceAccountDir: sa }));
    expect(e.message).toMatch(/not running in a cluster/);
  });
});
