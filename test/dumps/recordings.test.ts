// The recorded dumps people send (../shared/real-world/dumps, small copies in test/fixtures/dumps made by
// make.mjs), each read in its own layout as it was recorded: what is read (objects per kind, logs on the right
// pod and container, the dump's own clock), and the findings today's rules give on it.
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import { readDump } from "../../src/sources/dump.js";
import { packTarGz } from "./convert.js";
import { counts, type Finding, scanFrom } from "./support.js";

const FIXTURES = resolve("test/fixtures/dumps");
const at = (name: string) => join(FIXTURES, name);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-recordings-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scanJson = (path: string, ...flags: string[]) => scanFrom(dir, path, ...flags);

const WORKLOAD_KINDS = [
  "namespaces",
  "endpoints",
  "endpointslices",
  "statefulsets",
  "jobs",
  "cronjobs",
  "ingresses",
  "serviceaccounts",
  "rolebindings",
  "clusterrolebindings",
  "externalsecrets",
];

describe("kubectl cluster-info dump of an AKS cluster", () => {
  it("reads the --output-directory folder: lists, typed, and each pod's logs.txt under its markers", async () => {
    const s = await readDump([at("aks-clusterinfo-dump-raw")], { cwd: dir });
    expect(counts(s)).toEqual({
      Node: 1,
      Pod: 4,
      Event: 4,
      Service: 6,
      DaemonSet: 2,
      Deployment: 7,
      ReplicaSet: 9,
    });
    expect(s.takenAt).toBe("2020-06-07T08:01:09.000Z");
    expect(s.target.distribution).toBe("managed");
    expect(s.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // Every logs.txt says the API could not fetch the log; each block lands on its own pod and container.
    expect(s.currentLogs?.get("kube-system/tunnelfront-6869944cf6-j2zsk/tunnel-front")).toContain(
      'Request log error: an error on the server ("unknown")',
    );
    expect([...(s.currentLogs?.keys() ?? [])].sort()).toEqual([
      "default/arena-deployment-d48c8dfb8-dhldd/centos-systemd",
      "kube-system/coredns-698c77c5d7-7nnxw/coredns",
      "kube-system/coredns-autoscaler-6d7bd69669-nmpz2/autoscaler",
      "kube-system/kubernetes-dashboard-7f7676f7b5-65j6w/kubernetes-dashboard",
      "kube-system/tunnelfront-6869944cf6-j2zsk/tunnel-front",
    ]);
    // kubectl saves current logs only; a crash-looping container's is its last run, read as the previous log.
    expect([...(s.previousLogs?.keys() ?? [])].sort()).toEqual([
      "kube-system/coredns-autoscaler-6d7bd69669-nmpz2/autoscaler",
      "kube-system/kubernetes-dashboard-7f7676f7b5-65j6w/kubernetes-dashboard",
    ]);
    expect(s.incomplete.map((i) => i.resource).sort()).toEqual([...WORKLOAD_KINDS].sort());
    expect(s.incomplete[0]?.reason).toMatch(/^not in the dump: kubectl cluster-info dump does not save /);
  });

  it("finds both crash loops and tunnelfront's liveness restarts (zone 2, managed), kube-system's latent risks counted, ages from the dump's own clock, the rest not checked (exit 3)", async () => {
    const r = await scanJson(at("aks-clusterinfo-dump-raw"));
    expect(r.json.targets[0]).toMatchObject({ zone: "2", distribution: "managed" });
    expect(r.found).toEqual([
      "CRITICAL crashloopbackoff Pod/kube-system/kubernetes-dashboard-7f7676f7b5-65j6w kubernetes-dashboard",
      "HIGH crashloopbackoff Pod/kube-system/coredns-autoscaler-6d7bd69669-nmpz2 autoscaler",
      "MEDIUM crashloopbackoff Pod/kube-system/tunnelfront-6869944cf6-j2zsk tunnel-front",
    ]);
    // Missing limits (and kube-proxy's hostNetwork) on AKS's own workloads: one count, not six findings.
    expect((r.json as { grouped?: unknown }).grouped).toEqual([
      {
        namespace: "kube-system",
        findings: 6,
        severities: { HIGH: 6 },
        pitfalls: ["hostnetwork-causes-port-conflicts", "resource-starvation"],
      },
    ]);
    // Measured from the dump's clock (2020-06-07), not from today: days, not years.
    const dashboard = r.json.findings.find((f) => f.object.name.startsWith("kubernetes-dashboard"))!;
    expect(dashboard.message).toContain("2943 restarts, looping for 10d21h");
    expect(r.code).toBe(3);
    expect(r.missing.sort()).toEqual([...WORKLOAD_KINDS].sort());
  });

  it("reads the one-file form (`cluster-info dump > FILE`) as a stream: the same objects, logs and findings", async () => {
    const file = join(at("aks-clusterinfo-dump-stdout"), "cluster-info.dump");
    const [folder, one] = await Promise.all([
      readDump([at("aks-clusterinfo-dump-raw")], { cwd: dir }),
      readDump([file], { cwd: dir }),
    ]);
    const names = (s: Snapshot) =>
      s.objects
        .map((o) => `${o.object.kind}/${o.object.metadata?.namespace}/${o.object.metadata?.name}`)
        .sort();
    expect(names(one)).toEqual(names(folder));
    expect(one.takenAt).toBe(folder.takenAt);
    expect(one.currentLogs).toEqual(folder.currentLogs);
    expect(one.previousLogs).toEqual(folder.previousLogs);
    expect(one.diagnostics).toEqual([]);
    const a = await scanJson(at("aks-clusterinfo-dump-raw"));
    const b = await scanJson(file);
    const placeless = (fs: Finding[]) =>
      fs.map(({ file: _f, line: _l, ...rest }) => JSON.stringify(rest)).sort();
    expect(placeless(b.json.findings)).toEqual(placeless(a.json.findings));
    expect(b.code).toBe(a.code);
    // The folder the file was recorded in reads the same: a `.dump` file is cluster-info output.
    expect(placeless((await scanJson(at("aks-clusterinfo-dump-stdout"))).json.findings)).toEqual(
      placeless(a.json.findings),
    );
  });
});

describe("troubleshoot.sh support bundles", () => {
  it("k3d: objects from cluster-resources, logs from pods/logs with -previous, the older all-logs links not read twice", async () => {
    const s = await readDump([at("k3d-supportbundle-raw")], { cwd: dir });
    expect(counts(s)).toMatchObject({
      Node: 1,
      Namespace: 4,
      Pod: 8,
      Event: 5,
      Deployment: 5,
      ReplicaSet: 6,
      Service: 4,
      Job: 2,
      HelmChart: 2,
      IngressRoute: 1,
      RoleBinding: 9,
      ClusterRoleBinding: 54,
    });
    expect(s.takenAt).toBe("2022-12-21T16:43:09.000Z");
    expect(s.target.distribution).toBe("k3s");
    expect(s.previousLogs?.get("kube-system/metrics-server-668d979685-wttxd/metrics-server")).toContain(
      "10.43.0.1:443",
    );
    expect(
      s.previousLogs?.get("kube-system/local-path-provisioner-7b7dc8d6f5-45btl/local-path-provisioner"),
    ).toContain("dial tcp 10.43.0.1:443: i/o timeout");
    expect(s.previousLogs?.size).toBe(8);
    expect(s.currentLogs?.size).toBe(11);
    // all-logs/<pod>/<c>.log hold only a path to the file above (symlinks, as extracted): never taken as logs.
    for (const text of s.currentLogs?.values() ?? [])
      expect(text).not.toMatch(/^\.\.\/\.\.\/cluster-resources/);
    // Non-Kubernetes files are one summary line, not a warning each.
    const skipped = s.diagnostics.filter((d) => d.code === "dump-skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toMatch(
      /^10 files with no Kubernetes objects skipped \(NOTES\.md, analysis\.json, /,
    );
    expect(s.diagnostics.filter((d) => d.code !== "dump-skipped")).toEqual([]);
    expect(s.incomplete).toEqual([
      {
        resource: "externalsecrets",
        reason:
          "CRD not installed: the bundle's custom resource definitions have no externalsecrets.external-secrets.io",
      },
      { resource: "endpoints", reason: "not in the support bundle (no cluster-resources/endpoints/)" },
      {
        resource: "endpointslices",
        reason: "not in the support bundle (no cluster-resources/endpointslices/)",
      },
      { resource: "daemonsets", reason: "not in the support bundle (no cluster-resources/daemonsets/)" },
      {
        resource: "serviceaccounts",
        reason: "not in the support bundle (no cluster-resources/serviceaccounts/)",
      },
    ]);
  });

  it("k3d: nothing crash-loops now; the API timed out at 10.43.0.1:443 in earlier runs (HIGH, not CRITICAL), latent risks, kube-system's counted (zone 1)", async () => {
    const r = await scanJson(at("k3d-supportbundle-raw"));
    expect(r.json.targets[0]).toMatchObject({ zone: "1", distribution: "k3s" });
    expect(r.found).toEqual([
      "HIGH k3s-clusterip-broken-from-inside-pods Pod/kube-system/local-path-provisioner-7b7dc8d6f5-45btl local-path-provisioner",
      "HIGH k3s-clusterip-broken-from-inside-pods Pod/kube-system/metrics-server-668d979685-wttxd metrics-server",
      "HIGH k3s-clusterip-broken-from-inside-pods Pod/kube-system/traefik-7cd4fcff68-9blj6 traefik",
      "HIGH latent resource-starvation Deployment/default/nginx-deployment hello",
      "HIGH latent resource-starvation Deployment/default/nginx-deployment nginx",
      "MEDIUM latent image-pull-failures-zone-1 Deployment/default/nginx-deployment hello",
      "MEDIUM latent image-pull-failures-zone-1 Deployment/default/nginx-deployment nginx",
    ]);
    expect(r.code).toBe(3);
  });

  it("k3d as the .tar.gz support-bundle writes: the same, ages from the bundle's own name", async () => {
    const folder = join(dir, "support-bundle-2022-12-21T16_44_35");
    cpSync(at("k3d-supportbundle-raw"), folder, { recursive: true });
    const tarball = packTarGz(folder, join(dir, "k3d.tar.gz"));
    const [a, b] = await Promise.all([
      readDump([at("k3d-supportbundle-raw")], { cwd: dir }),
      readDump([tarball], { cwd: dir }),
    ]);
    expect(counts(b)).toEqual(counts(a));
    expect(b.previousLogs).toEqual(a.previousLogs);
    expect(b.currentLogs).toEqual(a.currentLogs);
    expect(b.takenAt).toBe("2022-12-21T16:44:35.000Z");
    const origin = b.objects.find((o) => o.object.kind === "Pod")!.origin.file;
    expect(origin).toMatch(
      /k3d\.tar\.gz:support-bundle-2022-12-21T16_44_35\/cluster-resources\/pods\/[a-z-]+\.json$/,
    );
    expect((await scanJson(tarball)).found).toEqual((await scanJson(at("k3d-supportbundle-raw"))).found);
  });

  it("k3s baseline: an empty PodList (`items: null`), custom resources read once from JSON and YAML, no Secret read", async () => {
    const s = await readDump([at("k3s-baseline-supportbundle-raw")], { cwd: dir });
    expect(counts(s)).toMatchObject({
      Node: 1,
      Pod: 7,
      Addon: 13,
      HelmChart: 2,
      IngressRoute: 1,
      Event: 97,
      EndpointSlice: 4,
      ServiceAccount: 43,
    });
    expect(s.objects.some((o) => o.object.kind === "Secret")).toBe(false);
    expect(
      s.objects.filter((o) => o.object.kind === "Pod" && o.object.metadata?.namespace === "default"),
    ).toEqual([]);
    expect(s.takenAt).toBe("2025-12-10T17:26:28.000Z");
    expect(s.diagnostics.filter((d) => d.code !== "dump-skipped")).toEqual([]);
    expect(s.incomplete.map((i) => i.resource)).toEqual(["externalsecrets"]);
    // The run-pod collector's own pod logs, in the layout cluster-resources/pods/logs/<ns>/<pod>/<c>.log.
    expect([...(s.currentLogs?.keys() ?? [])].sort()).toEqual([
      "default/run-example/collector",
      "default/run-pod-example/example",
    ]);
  });

  it("k3s baseline: a healthy cluster; k3s's bundled workloads' latent risks are one count for kube-system", async () => {
    const r = await scanJson(at("k3s-baseline-supportbundle-raw"));
    expect(r.found.every((f) => f.startsWith("HIGH resource-starvation Pod/kube-system/"))).toBe(true);
    expect(r.found).toEqual([]);
    expect((r.json as { grouped?: { namespace: string; findings: number }[] }).grouped).toMatchObject([
      { namespace: "kube-system", findings: 14 },
    ]);
    expect(r.missing).toEqual(["externalsecrets"]);
  });

  it("a malformed file inside a bundle is reported with its file and line; the rest is read", async () => {
    const copy = join(dir, "broken-bundle");
    cpSync(at("k3s-baseline-supportbundle-raw"), copy, { recursive: true });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(copy, "cluster-resources", "deployments", "kube-system.json"),
      '{\n  "kind": "DeploymentList",\n  "items": [\n    {"metadata": }\n  ]\n}\n',
    );
    const s = await readDump([copy], { cwd: dir });
    const bad = s.diagnostics.filter((d) => d.severity === "error");
    expect(bad.map((d) => [d.file, d.line, d.code])).toEqual([
      ["broken-bundle/cluster-resources/deployments/kube-system.json", 4, "dump-syntax"],
    ]);
    expect(counts(s).Pod).toBe(7);
    expect(counts(s).Deployment ?? 0).toBe(0);
  });
});

describe("recordings in pitfall's layout (HolmesGPT's and troubleshoot's)", () => {
  it.each([
    [
      "holmes-aks-exec-format",
      "2025-08-23T12:47:40.000Z",
      { Pod: 1 },
      ["default/frontend-service/stress"],
      ["MEDIUM crashloopbackoff Pod/default/frontend-service stress"],
    ],
    [
      "holmes-eks-imagepull",
      "2024-11-18T08:22:32.000Z",
      { Node: 1, Pod: 1, Event: 4 },
      [],
      ["HIGH latent resource-starvation Deployment/default/customer-relations-webapp crw-main-container"],
    ],
    [
      "holmes-kind-init-crashloop",
      "2025-01-27T06:35:32.000Z",
      { Pod: 1, Event: 2 },
      [],
      [
        "HIGH latent resource-starvation Pod/default/logging-agent downloader",
        "HIGH latent resource-starvation Pod/default/logging-agent exporter",
        "MEDIUM crashloopbackoff Pod/default/logging-agent downloader",
      ],
    ],
    [
      "holmes-kind-missing-env",
      "2024-11-29T09:12:29.000Z",
      { Pod: 1, Event: 1 },
      ["default/payment-processing-worker-747ccfb9db-pd6wz/payment-processing-container"],
      [
        "HIGH latent resource-starvation Deployment/default/payment-processing-worker payment-processing-container",
        "MEDIUM crashloopbackoff Pod/default/payment-processing-worker-747ccfb9db-pd6wz payment-processing-container",
      ],
    ],
    [
      "holmes-kind-oom",
      "2025-02-27T06:37:08.000Z",
      { Pod: 1, Event: 1 },
      ["default/analytics-exporter-fast-76897854c-cw5wh/memory-eater"],
      [
        "HIGH latent resource-starvation Deployment/default/analytics-exporter-fast memory-eater",
        "HIGH oomkilled Pod/default/analytics-exporter-fast-76897854c-cw5wh memory-eater",
        "MEDIUM crashloopbackoff Pod/default/analytics-exporter-fast-76897854c-cw5wh memory-eater",
      ],
    ],
    [
      "minikube-troubleshoot-failures",
      "2023-07-11T05:37:00.000Z",
      { Pod: 7, Event: 110 },
      [],
      [
        "HIGH latent resource-starvation DaemonSet/message-container-creating-failed-mount/troubleshoot-copyfromhost-4m79m collector",
        "HIGH latent resource-starvation Deployment/message-image-pull-fail/no-image-deployment demo-deployment-container",
        "HIGH latent resource-starvation Pod/message-pod-crashloop-backoff/init-demo nginx",
        "HIGH latent resource-starvation Pod/message-pod-init-crashloop-backoff/init-demo2 install",
        "HIGH latent resource-starvation Pod/message-pod-init-crashloop-backoff/init-demo2 nginx",
        "HIGH oomkilled Pod/message-oomkill-pod/oom-kill-job3-gbb89 memory-eater",
        "HIGH resource-starvation Pod/message-pending-pod-resources/pending-pod-resources-5fddcf7688-djjfc",
        "MEDIUM crashloopbackoff Pod/message-pod-crashloop-backoff/init-demo nginx",
        "MEDIUM crashloopbackoff Pod/message-pod-init-crashloop-backoff/init-demo2 install",
      ],
    ],
  ] as const)(
    "%s: read as recorded, with the findings today's rules give",
    async (name, takenAt, kinds, previous, findings) => {
      const s = await readDump([at(name)], { cwd: dir });
      expect(counts(s)).toEqual(kinds);
      expect(s.takenAt).toBe(takenAt);
      expect([...(s.previousLogs?.keys() ?? [])]).toEqual(previous);
      expect(s.diagnostics.filter((d) => d.code !== "dump-skipped")).toEqual([]);
      const r = await scanJson(at(name));
      expect(r.found).toEqual([...findings].sort());
      // What these recordings hold is a pod or two and its events: the rest is listed as not checked.
      expect(r.code).toBe(3);
      expect(r.missing).toContain("services");
    },
  );

  it("a recording whose timestamps are malformed (no `T`) is read, and its clock is pitfall-dump.json's", async () => {
    const r = await scanJson(at("holmes-aks-exec-format"));
    expect(r.json.findings[0]?.message).toContain("7 restarts");
    expect(r.json.errors).toEqual([]);
  });
});

describe.skipIf(!existsSync(resolve("../shared/real-world/dumps")))(
  "the full recordings in ../shared",
  () => {
    it("each is read without an error, with the clock its NOTES give", async () => {
      const full = resolve("../shared/real-world/dumps");
      const clocks: Record<string, string> = {
        "aks-clusterinfo-dump-raw": "2020-06-07T08:01:09.000Z",
        "aks-clusterinfo-dump-stdout/cluster-info.dump": "2020-06-07T08:01:09.000Z",
        "k3d-supportbundle-raw": "2022-12-21T16:43:09.000Z",
        "k3s-baseline-supportbundle-raw": "2025-12-10T17:26:37.000Z",
      };
      for (const [name, takenAt] of Object.entries(clocks)) {
        const s = await readDump([join(full, name)], { cwd: dir });
        expect(
          s.diagnostics.filter((d) => d.severity === "error"),
          name,
        ).toEqual([]);
        expect(s.takenAt, name).toBe(takenAt);
        expect(s.objects.length, name).toBeGreaterThan(40);
      }
    });
  },
);
