// deploy/: the kustomize base, the k3s and managed overlays and the fix-actions component. The file checks run
// everywhere; rendering needs kubectl (built-in kustomize) and the lint round trip needs the built `pitfall lint`.
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadCluster } from "../sim/index.js";
import { runBin } from "../support/cli.js";
import { BROKEN, startServeProcess } from "../server/support.js";
import {
  cliHas,
  type Container,
  containersOf,
  DEPLOY,
  type Doc,
  deployFiles,
  hasKubectl,
  kustomize,
  localArgv,
  parseDockerfile,
  type PolicyRule,
  podSpecsOf,
  REPO,
  readDocs,
  runCommand,
  yamlDocs,
} from "./container.js";

const yamlFiles = deployFiles([".yaml", ".yml"]);
const docsByFile = new Map(yamlFiles.map((f) => [relative(REPO, f), readDocs(f)] as const));
const allDocs = [...docsByFile.values()].flat();
const podSpecs = allDocs.flatMap(podSpecsOf);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "pitfall-deploy-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function hardened(c: Container): void {
  const sc = c.securityContext ?? {};
  expect(sc.allowPrivilegeEscalation, `${c.name}: allowPrivilegeEscalation`).toBe(false);
  expect(sc.readOnlyRootFilesystem, `${c.name}: readOnlyRootFilesystem`).toBe(true);
  expect(sc.runAsNonRoot, `${c.name}: runAsNonRoot`).toBe(true);
  expect(
    (sc.capabilities as { drop?: string[] } | undefined)?.drop,
    `${c.name}: drops all capabilities`,
  ).toEqual(["ALL"]);
  expect((sc.seccompProfile as { type?: string } | undefined)?.type, `${c.name}: seccomp`).toBe(
    "RuntimeDefault",
  );
}

function withRequestsAndLimits(c: Container): void {
  for (const side of ["requests", "limits"] as const)
    for (const r of ["cpu", "memory"])
      expect(c.resources?.[side]?.[r], `${c.name}: resources.${side}.${r}`).toBeTruthy();
}

describe("deploy/ files (no kubectl needed)", () => {
  it("every YAML file parses, and the base and both overlays are there", () => {
    expect(yamlFiles.length).toBeGreaterThan(5);
    for (const k of ["base", "overlays/k3s", "overlays/managed", "components/fix-actions"])
      expect(docsByFile.has(`deploy/${k}/kustomization.yaml`), k).toBe(true);
  });

  it("every container, init containers included, has requests and limits and a hardened securityContext", () => {
    const containers = podSpecs.flatMap(containersOf);
    expect(containers.length).toBeGreaterThanOrEqual(4);
    for (const c of containers) {
      withRequestsAndLimits(c);
      hardened(c);
      expect(c.imagePullPolicy, `${c.name}: pull policy`).toBe("IfNotPresent");
    }
  });

  it("no hostNetwork, hostPID or hostIPC; pods run as non-root uid with the RuntimeDefault seccomp profile", () => {
    for (const s of podSpecs) {
      expect(s.hostNetwork ?? false).toBe(false);
      expect(s.hostPID ?? false).toBe(false);
      expect(s.hostIPC ?? false).toBe(false);
    }
    const full = podSpecs.filter((s) => s.containers);
    expect(full.length).toBe(2);
    for (const s of full) {
      const sc = s.securityContext as Doc;
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser).toBeGreaterThan(0);
      expect((sc.seccompProfile as Doc).type).toBe("RuntimeDefault");
      const volumes = s.volumes as { name: string; emptyDir?: Doc; configMap?: Doc }[];
      const tmpMount = containersOf(s).every((c) => c.volumeMounts?.some((m) => m.mountPath === "/tmp"));
      expect(tmpMount, "/tmp is a volume in every container").toBe(true);
      expect(volumes.some((v) => v.emptyDir)).toBe(true);
    }
  });

  it("the ClusterRole reads exactly what the detectors list: get/list/watch, pods/log get, no secrets or configmaps", () => {
    const role = docsByFile.get("deploy/base/clusterrole.yaml")!.find((d) => d.kind === "ClusterRole")!;
    const rules = role.rules as PolicyRule[];
    const granted = new Set<string>();
    for (const r of rules) {
      for (const v of r.verbs ?? []) expect(["get", "list", "watch"]).toContain(v);
      for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) granted.add(`${g}/${res}`);
      if (r.resources?.includes("pods/log")) expect(r.verbs).toEqual(["get"]);
    }
    expect(
      [...granted].filter((x) => /secrets$|configmaps$|\*/.test(x) && !x.endsWith("externalsecrets")),
    ).toEqual([]);
    expect([...granted].sort()).toEqual(
      [
        "/pods",
        "/pods/log",
        "/nodes",
        "/events",
        "/namespaces",
        "/services",
        "/endpoints",
        "discovery.k8s.io/endpointslices",
        "apps/replicasets",
        "apps/deployments",
        "apps/statefulsets",
        "apps/daemonsets",
        "batch/jobs",
        "batch/cronjobs",
        "networking.k8s.io/ingresses",
        "/serviceaccounts",
        "rbac.authorization.k8s.io/rolebindings",
        "rbac.authorization.k8s.io/clusterrolebindings",
        "external-secrets.io/externalsecrets",
      ].sort(),
    );
  });

  it("the ClusterRole covers every resource the live source lists", async () => {
    const { LIVE_RESOURCES } = await import("../../src/sources/kube-read.js");
    const role = docsByFile.get("deploy/base/clusterrole.yaml")!.find((d) => d.kind === "ClusterRole")!;
    const rules = role.rules as PolicyRule[];
    for (const r of LIVE_RESOURCES)
      for (const verb of ["list", "watch"])
        expect(
          rules.some(
            (x) =>
              x.apiGroups?.includes(r.group) && x.resources?.includes(r.plural) && x.verbs?.includes(verb),
          ),
          `${verb} ${r.group}/${r.plural}`,
        ).toBe(true);
  });

  it("write permissions live only in the optional fix-actions component, which no overlay includes", () => {
    const component = docsByFile.get("deploy/components/fix-actions/kustomization.yaml")![0]!;
    expect(component.kind).toBe("Component");
    const role = docsByFile.get("deploy/components/fix-actions/clusterrole.yaml")![0]!;
    const resources = (role.rules as PolicyRule[]).flatMap((r) => r.resources ?? []);
    expect(resources).not.toContain("secrets");
    for (const k of ["overlays/k3s", "overlays/managed", "base"]) {
      const kz = docsByFile.get(`deploy/${k}/kustomization.yaml`)![0]!;
      expect(kz.components ?? [], k).toEqual([]);
    }
  });

  it("the team's pages are a ConfigMap from pages/kubernetes.md, mounted where --kb points", async () => {
    const base = docsByFile.get("deploy/base/kustomization.yaml")![0]!;
    const gen = (base.configMapGenerator as { name: string; files: string[] }[]).find(
      (g) => g.name === "pitfall-pages",
    )!;
    expect(gen.files).toEqual(["pages/kubernetes.md"]);
    const r = await runBin(["kb", "lint", join(DEPLOY, "base/pages/kubernetes.md"), "-o", "json"]);
    expect((JSON.parse(r.out) as { errors: number }).errors).toBe(0);
    for (const s of podSpecs.filter((x) => x.containers)) {
      const main = (s.containers as Container[])[0]!;
      const argv = [...(main.command ?? []), ...(main.args ?? [])];
      const kb = argv[argv.indexOf("--kb") + 1];
      expect(kb).toBe("/etc/pitfall/pages");
      expect(main.volumeMounts?.find((m) => m.mountPath === kb)?.readOnly).toBe(true);
      expect(
        (s.volumes as { configMap?: { name: string } }[]).some((v) => v.configMap?.name === "pitfall-pages"),
      ).toBe(true);
    }
  });

  it("the k3s overlay pins the tag and reads the node's kubeconfig from a hostPath File on a server node", () => {
    const kz = docsByFile.get("deploy/overlays/k3s/kustomization.yaml")![0]!;
    const images = kz.images as { name: string; newTag?: string }[];
    expect(images[0]!.newTag).toMatch(/^\d+\.\d+\.\d+$/);
    for (const f of ["deploy/overlays/k3s/deployment.yaml", "deploy/overlays/k3s/cronjob.yaml"]) {
      const spec = podSpecsOf(docsByFile.get(f)![0]!)[0]!;
      expect(spec.automountServiceAccountToken).toBe(false);
      expect((spec.nodeSelector as Doc)["node-role.kubernetes.io/control-plane"]).toBe("true");
      const hostPath = (spec.volumes as { hostPath?: { path: string; type: string } }[]).find(
        (v) => v.hostPath,
      )!.hostPath;
      expect(hostPath).toEqual({ path: "/etc/rancher/k3s/k3s.yaml", type: "File" });
    }
    expect(JSON.stringify(jsonPatchValues(kz))).toContain("/tmp/kube/config");
  });

  it("the k3s init container rewrites a loopback API server to the node IP and leaves other servers alone", async () => {
    const script = join(DEPLOY, "overlays/k3s/rewrite-kubeconfig.cjs");
    const source = join(tmp, "k3s.yaml");
    const kubeconfig = (server: string) =>
      `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n    server: ${server}\n  name: default\nkind: Config\n`;
    const run = (env: Record<string, string>) =>
      runCommand([process.execPath, script], {
        cwd: tmp,
        env: { KUBECONFIG_SOURCE: source, KUBECONFIG_TARGET: join(tmp, "kube/config"), ...env },
      });

    writeFileSync(source, kubeconfig("https://127.0.0.1:6443"), { mode: 0o600 });
    expect((await run({ HOST_IP: "192.168.1.20" })).code).toBe(0);
    const out = readFileSync(join(tmp, "kube/config"), "utf8");
    expect(out).toBe(kubeconfig("https://192.168.1.20:6443"));
    expect(statSync(join(tmp, "kube/config")).mode & 0o777).toBe(0o600);

    expect((await run({ HOST_IP: "fd00::20" })).code).toBe(0);
    expect(readFileSync(join(tmp, "kube/config"), "utf8")).toContain("server: https://[fd00::20]:6443");

    writeFileSync(source, kubeconfig("https://k3s.lan:6443"));
    expect((await run({ HOST_IP: "192.168.1.20" })).code).toBe(0);
    expect(readFileSync(join(tmp, "kube/config"), "utf8")).toContain("server: https://k3s.lan:6443");

    const noIp = await run({});
    expect(noIp.code).toBe(1);
    expect(noIp.err).toContain("HOST_IP");
    chmodSync(source, 0o000);
    const unreadable = await run({ HOST_IP: "192.168.1.20" });
    // Root reads anything; the check only means something for the non-root user the pod runs as.
    if (process.getuid?.() !== 0) {
      expect(unreadable.code).toBe(1);
      expect(unreadable.err).toContain("write-kubeconfig-group");
    }
  });

  it("the CronJob's wrapper turns exit 1 (findings) into success and keeps 2 and 3 as failures", async () => {
    const cron = docsByFile.get("deploy/base/cronjob.yaml")![0]!;
    const scan = containersOf(podSpecsOf(cron)[0]!)[0]!;
    // `/bin/sh` is in node:*-slim images; a distroless runtime would need another wrapper.
    const runtime = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8")).at(-1)!;
    expect(scan.command![0]).toBe("/bin/sh");
    expect(runtime.from).toMatch(/^node:[\w.]*-slim\b/);
    const wrapper = localArgv(scan.command!);
    expect(scan.args?.slice(0, 3)).toEqual(["scan", "-o", "json"]);
    const as = (args: string[]) => runCommand([...wrapper, ...args], { cwd: REPO, env: { HOME: tmp } });
    const broken = join(REPO, "test/fixtures/pages/broken.md");
    // `kb lint` of a broken page exits 1, like a scan with findings.
    expect((await as(["kb", "lint", broken])).code).toBe(0);
    expect((await as(["--version"])).code).toBe(0);
    expect((await as(["--no-such-flag"])).code).toBe(2);
  });

  it("the flags the manifests pass exist on the built commands", () => {
    const kz = docsByFile.get("deploy/overlays/k3s/kustomization.yaml")![0]!;
    const added = jsonPatchValues(kz).filter((v) => v.startsWith("--"));
    for (const s of podSpecs.filter((x) => x.containers)) {
      const main = (s.containers as Container[])[0]!;
      const [command, ...flags] = main.args!;
      if (!cliHas(command!)) continue;
      const help = readHelp(command!);
      for (const flag of [...flags, ...added].filter((a) => /^--?[a-z]/.test(a)))
        expect(help, `pitfall ${command} ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag}[\\s,<]`, "m"));
    }
  });
});

/** The server container's args in the base Deployment. */
function serverArgs(): string[] {
  const deployment = docsByFile.get("deploy/base/deployment.yaml")![0]!;
  return (podSpecsOf(deployment)[0]!.containers as Container[])[0]!.args!;
}

/** The DNS names of the base Service in the base namespace: name, name.ns, name.ns.svc, name.ns.svc.cluster.local. */
function serviceNames(): string[] {
  const ns = docsByFile.get("deploy/base/kustomization.yaml")![0]!.namespace as string;
  const name = (docsByFile.get("deploy/base/service.yaml")![0]!.metadata as Doc).name as string;
  return [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`];
}

/** The values given to a repeatable flag. */
function flagValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]!] : []));
}

describe("deploy/ and the Host check", () => {
  it("the server answers its Service's DNS names (--allowed-host) and offers nothing that writes (--read-only)", () => {
    const args = serverArgs();
    expect(flagValues(args, "--allowed-host").sort()).toEqual(serviceNames().sort());
    expect(args).toContain("--read-only");
  });

  it.skipIf(!cliHas("serve"))(
    "started with the Deployment's own args, it passes its probes with the pod IP as Host, answers its Service names, and refuses a rebinding name",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "pitfall-deploy-serve-"));
      mkdirSync(join(dir, "dump"));
      writeFileSync(
        join(dir, "dump", "all.json"),
        JSON.stringify({ apiVersion: "v1", kind: "List", items: loadCluster(BROKEN).objects }),
      );
      // The same flags, but a dump for the cluster, the repo's pages for the ConfigMap and any free port.
      const args = serverArgs()
        .slice(1)
        .flatMap((a) => (a === "--watch" ? ["--from", "dump"] : [a]))
        .map((a) => (a === "/etc/pitfall/pages" ? join(DEPLOY, "base/pages") : a === "8080" ? "0" : a));
      const serve = await startServeProcess(args, dir);
      try {
        const port = new URL(serve.url).port;
        const at = (path: string, host: string) => getWithHost(`http://127.0.0.1:${port}${path}`, host);
        const deployment = docsByFile.get("deploy/base/deployment.yaml")![0]!;
        const main = (podSpecsOf(deployment)[0]!.containers as Container[])[0]! as Container & {
          readinessProbe: { httpGet: { path: string } };
          livenessProbe: { httpGet: { path: string } };
        };
        // kubelet sends Host: <pod IP>:<port>; the first scan of the dump makes /readyz ready soon.
        const podIp = `10.42.0.17:${port}`;
        let ready = 0;
        for (let i = 0; i < 300 && ready !== 200; i++) {
          ready = (await at(main.readinessProbe.httpGet.path, podIp)).status;
          if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
        }
        expect(ready).toBe(200);
        expect((await at(main.livenessProbe.httpGet.path, podIp)).status).toBe(200);
        for (const name of serviceNames())
          expect((await at("/api/findings", `${name}:8080`)).status, name).toBe(200);
        expect((await at("/api/findings", `localhost:${port}`)).status).toBe(200);
        for (const evil of ["127.evil.com", "pitfall.pitfall.svc.evil.com", "10.42.0.17"])
          expect((await at("/api/findings", evil)).status, evil).toBe(421);
        expect(
          (await fetch(`http://127.0.0.1:${port}/api/pitfalls`, { method: "POST", body: "x" })).status,
        ).toBe(405);
      } finally {
        await serve.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The string values the inline JSON patches of a kustomization add. */
function jsonPatchValues(kustomization: Doc): string[] {
  return (kustomization.patches as { patch?: string }[])
    .flatMap((p) => (p.patch ? (parse(p.patch) as { value?: unknown }[]) : []))
    .map((op) => op.value)
    .filter((v): v is string => typeof v === "string");
}

function readHelp(command: string): string {
  return spawnSync(process.execPath, [join(REPO, "bin/pitfall.js"), command, "--help"], { encoding: "utf8" })
    .stdout;
}

describe.skipIf(!hasKubectl)(
  hasKubectl ? "kubectl kustomize" : "kubectl kustomize (skipped: kubectl is not installed)",
  () => {
    const objects = (text: string) => yamlDocs(text, "kustomize output");
    const find = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);

    it("renders the k3s overlay: kubeconfig from the node, pinned imported image, no token, nothing on the host network", () => {
      const docs = objects(kustomize(join(DEPLOY, "overlays/k3s")));
      const workloads = [...find(docs, "Deployment"), ...find(docs, "CronJob")];
      expect(workloads).toHaveLength(2);
      for (const w of workloads) {
        const spec = podSpecsOf(w)[0]!;
        expect(spec.hostNetwork).toBeUndefined();
        expect(spec.automountServiceAccountToken).toBe(false);
        for (const c of containersOf(spec)) {
          expect(c.image).toBe("pitfall:0.1.0");
          expect(c.imagePullPolicy).toBe("IfNotPresent");
        }
        const main = (spec.containers as Container[])[0]!;
        expect(main.args?.slice(-2)).toEqual(["--kubeconfig", "/tmp/kube/config"]);
        expect(main.volumeMounts?.some((m) => m.mountPath.startsWith("/etc/rancher"))).toBe(false);
        const pages = (spec.volumes as { configMap?: { name: string } }[]).find((v) =>
          v.configMap?.name.startsWith("pitfall-pages"),
        );
        expect(find(docs, "ConfigMap").map((c) => (c.metadata as Doc).name)).toContain(
          pages?.configMap?.name,
        );
      }
      const deployment = find(docs, "Deployment")[0]!;
      expect((podSpecsOf(deployment)[0]!.containers as Container[])[0]!.args?.slice(0, 6)).toEqual([
        "serve",
        "--watch",
        "--host",
        "0.0.0.0",
        "--port",
        "8080",
      ]);
      const ns = find(docs, "Namespace")[0]!;
      expect(((ns.metadata as Doc).labels as Doc)["pod-security.kubernetes.io/warn"]).toBe("restricted");
      const args = (podSpecsOf(deployment)[0]!.containers as Container[])[0]!.args!;
      expect(flagValues(args, "--allowed-host").sort()).toEqual(serviceNames().sort());
    });

    it("renders the managed overlay: the registry image placeholder and the default in-cluster client", () => {
      const docs = objects(kustomize(join(DEPLOY, "overlays/managed")));
      for (const w of [...find(docs, "Deployment"), ...find(docs, "CronJob")]) {
        const spec = podSpecsOf(w)[0]!;
        expect(JSON.stringify(spec)).not.toContain("hostPath");
        expect(spec.serviceAccountName).toBe("pitfall");
        for (const c of containersOf(spec)) {
          expect(c.image).toBe("registry.example.com/your-team/pitfall:0.1.0");
          expect(c.args).not.toContain("--kubeconfig");
        }
      }
      const service = find(docs, "Service")[0]!;
      expect((service.spec as { ports: { port: number }[] }).ports[0]!.port).toBe(8080);
      const server = (podSpecsOf(find(docs, "Deployment")[0]!)[0]!.containers as Container[])[0]!;
      const ns = (service.metadata as Doc).namespace as string;
      for (const name of [`pitfall.${ns}.svc`, `pitfall.${ns}.svc.cluster.local`])
        expect(flagValues(server.args!, "--allowed-host"), name).toContain(name);
      const binding = find(docs, "ClusterRoleBinding")[0]!;
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "pitfall", namespace: "pitfall" }]);
      const cron = find(docs, "CronJob")[0]!;
      expect((cron.spec as Doc).schedule).toMatch(/^\d+ \* \* \* \*$/);
    });

    it("the fix-actions component adds its ClusterRole when an overlay asks for it", () => {
      const overlay = join(tmp, "with-fix-actions");
      mkdirSync(overlay, { recursive: true });
      writeFileSync(
        join(overlay, "kustomization.yaml"),
        `resources:\n  - ${relative(overlay, join(DEPLOY, "overlays/managed"))}\ncomponents:\n  - ${relative(overlay, join(DEPLOY, "components/fix-actions"))}\n`,
      );
      const roles = find(objects(kustomize(overlay)), "ClusterRole").map((r) => (r.metadata as Doc).name);
      expect(roles.sort()).toEqual(["pitfall-fix-actions", "pitfall-read"]);
    });

    const hasLint = cliHas("lint");
    const lintTitle = (zone: string) =>
      hasLint
        ? `pitfall lint --zone ${zone} reports nothing`
        : `pitfall lint --zone ${zone} (skipped: \`pitfall lint\` is not built yet)`;

    it.skipIf(!hasLint)(lintTitle("1") + " on the rendered k3s overlay", async () => {
      const r = await runBin(["lint", "--zone", "1", "-", "-o", "json"], {
        stdin: kustomize(join(DEPLOY, "overlays/k3s")),
      });
      expect(JSON.parse(r.out)).toMatchObject({ findings: [], errors: [] });
      expect(r.code).toBe(0);
    });

    it.skipIf(!hasLint)(lintTitle("2") + " on the rendered managed overlay", async () => {
      const r = await runBin(["lint", "--zone", "2", "-", "-o", "json"], {
        stdin: kustomize(join(DEPLOY, "overlays/managed")),
      });
      expect(JSON.parse(r.out)).toMatchObject({ findings: [], errors: [] });
      expect(r.code).toBe(0);
    });

    it.skipIf(!hasLint)(
      "the managed overlay in zone 1 is caught (so the clean runs above are real checks)",
      async () => {
        const r = await runBin(["lint", "--zone", "1", "-", "-o", "json"], {
          stdin: kustomize(join(DEPLOY, "overlays/managed")),
        });
        expect(r.code).toBe(1);
        const report = JSON.parse(r.out) as { findings: { pitfall: string }[] };
        expect(report.findings.map((f) => f.pitfall)).toContain("k3s-clusterip-broken-from-inside-pods");
      },
    );
  },
);
