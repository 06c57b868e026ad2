// A dump written again in each layout people send: what `kubectl cluster-info dump` writes (a folder, or one file
// on stdout), and what troubleshoot.sh's `support-bundle` writes (a folder, or its .tar.gz). Each writer follows the
// real tool's layout (see ../shared/real-world/dumps for recordings of both), so a reader that passes here reads them.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import type { Snapshot } from "../../src/model/snapshot.js";
import type { KubeObject } from "../../src/model/kube.js";
import { neededResources } from "../../src/sources/dump.js";
import { LIVE_RESOURCES } from "../../src/sources/kube-read.js";

/** What kubectl cluster-info dump saves per namespace, file name and kind, in the order it writes them. */
export const CLUSTER_INFO_FILES = [
  ["events", "Event"],
  ["replication-controllers", "ReplicationController"],
  ["services", "Service"],
  ["daemonsets", "DaemonSet"],
  ["deployments", "Deployment"],
  ["replicasets", "ReplicaSet"],
  ["pods", "Pod"],
] as const;

const apiVersionOf = (kind: string) => {
  const r = LIVE_RESOURCES.find((x) => x.kind === kind);
  return r
    ? r.group
      ? `${r.group}/${r.version}`
      : r.version
    : kind === "ExternalSecret"
      ? "external-secrets.io/v1"
      : "v1";
};

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A typed list as the API (and so kubectl and troubleshoot) writes it: items keep their kind. */
function typedList(kind: string, items: KubeObject[]) {
  return { kind: `${kind}List`, apiVersion: apiVersionOf(kind), metadata: { resourceVersion: "1" }, items };
}

const json = (v: unknown) => `${JSON.stringify(v, null, 4)}\n`;
const ofKind = (s: Snapshot, kind: string, ns?: string) =>
  s.objects
    .map((o) => o.object)
    .filter((o) => o.kind === kind && (ns === undefined || o.metadata?.namespace === ns));
const namespaces = (s: Snapshot) =>
  [...new Set(s.objects.map((o) => o.object.metadata?.namespace).filter((n): n is string => !!n))].sort();

function statusesOf(pod: KubeObject): { name: string; waiting: boolean; terminatedBefore: boolean }[] {
  const st = (pod.status ?? {}) as Record<
    string,
    { name?: string; state?: { waiting?: unknown }; lastState?: { terminated?: unknown } }[]
  >;
  return [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])].map((c) => ({
    name: String(c.name),
    waiting: c.state?.waiting !== undefined,
    terminatedBefore: c.lastState?.terminated !== undefined,
  }));
}

/**
 * The log `kubectl logs` (no --previous) shows, as cluster-info dump saves it: a running container's own, and for a
 * container waiting after a run, that run's (the kubelet serves lastState.terminated's container then).
 */
function kubectlLogs(s: Snapshot, pod: KubeObject): { container: string; text: string }[] {
  const ns = String(pod.metadata?.namespace);
  const name = String(pod.metadata?.name);
  return statusesOf(pod).flatMap((c) => {
    const key = `${ns}/${name}/${c.name}`;
    const text = c.waiting && c.terminatedBefore ? s.previousLogs?.get(key) : s.currentLogs?.get(key);
    return text === undefined ? [] : [{ container: c.name, text }];
  });
}

function logBlock(ns: string, pod: string, container: string, text: string): string {
  const body = text.endsWith("\n") || text === "" ? text : `${text}\n`;
  return `==== START logs for container ${container} of pod ${ns}/${pod} ====\n${body}==== END logs for container ${container} of pod ${ns}/${pod} ====\n`;
}

/** Kinds the detectors read that kubectl cluster-info dump does not save, written beside its files with `extra`. */
function extraKinds(): { plural: string; kind: string }[] {
  const saved = new Set(["Node", ...CLUSTER_INFO_FILES.map(([, k]) => k)]);
  return neededResources().filter((r) => !saved.has(r.kind));
}

/**
 * `kubectl cluster-info dump --output-directory DIR`. With `extra`, the kinds it does not save are added as
 * `namespaces.json` and `<ns>/<plural>.json` in its style, so every finding can be compared.
 */
export function writeClusterInfoDir(s: Snapshot, dir: string, opts: { extra?: boolean } = {}): string {
  write(join(dir, "nodes.json"), json(typedList("Node", ofKind(s, "Node"))));
  for (const ns of namespaces(s)) {
    for (const [file, kind] of CLUSTER_INFO_FILES)
      write(join(dir, ns, `${file}.json`), json(typedList(kind, ofKind(s, kind, ns))));
    for (const pod of ofKind(s, "Pod", ns)) {
      const blocks = kubectlLogs(s, pod).map((l) =>
        logBlock(ns, String(pod.metadata?.name), l.container, l.text),
      );
      if (blocks.length) write(join(dir, ns, String(pod.metadata?.name), "logs.txt"), blocks.join(""));
    }
    if (opts.extra)
      for (const r of extraKinds().filter((k) => k.kind !== "Namespace"))
        write(join(dir, ns, `${r.plural}.json`), json(typedList(r.kind, ofKind(s, r.kind, ns))));
  }
  if (opts.extra) write(join(dir, "namespaces.json"), json(typedList("Namespace", ofKind(s, "Namespace"))));
  return dir;
}

/** `kubectl cluster-info dump > FILE`: the same Lists one after another, each namespace's log blocks after its pods. */
export function writeClusterInfoFile(s: Snapshot, file: string, opts: { extra?: boolean } = {}): string {
  const out: string[] = [json(typedList("Node", ofKind(s, "Node")))];
  if (opts.extra) out.push(json(typedList("Namespace", ofKind(s, "Namespace"))));
  for (const ns of namespaces(s)) {
    for (const [, kind] of CLUSTER_INFO_FILES) out.push(json(typedList(kind, ofKind(s, kind, ns))));
    if (opts.extra)
      for (const r of extraKinds().filter((k) => k.kind !== "Namespace"))
        out.push(json(typedList(r.kind, ofKind(s, r.kind, ns))));
    for (const pod of ofKind(s, "Pod", ns))
      for (const l of kubectlLogs(s, pod))
        out.push(logBlock(ns, String(pod.metadata?.name), l.container, l.text));
  }
  write(file, out.join(""));
  return file;
}

/** troubleshoot's folder names where they are not the plural. */
const BUNDLE_FOLDERS: Record<string, string> = { ingresses: "ingress" };

/**
 * A support bundle folder as troubleshoot writes it, under `support-bundle-<time>/` (its own clock, in its name).
 * ExternalSecrets go under custom-resources as YAML and JSON arrays, as it writes custom resources.
 */
export function writeBundleDir(s: Snapshot, parent: string, takenAt: string): string {
  const top = join(parent, `support-bundle-${takenAt.slice(0, 19).replace(/:/g, "_")}`);
  write(
    join(top, "version.yaml"),
    "apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: v0.123.14\n",
  );
  write(join(top, "analysis.json"), "[]\n");
  const res = join(top, "cluster-resources");
  for (const r of LIVE_RESOURCES) {
    const folder = BUNDLE_FOLDERS[r.plural] ?? r.plural;
    if (!r.namespaced) {
      write(join(res, `${folder}.json`), json(typedList(r.kind, ofKind(s, r.kind))));
      continue;
    }
    for (const ns of namespaces(s))
      write(join(res, folder, `${ns}.json`), json(typedList(r.kind, ofKind(s, r.kind, ns))));
  }
  write(
    join(res, "custom-resource-definitions.json"),
    json({
      kind: "CustomResourceDefinitionList",
      apiVersion: "apiextensions.k8s.io/v1",
      items: [{ metadata: { name: "externalsecrets.external-secrets.io" } }],
    }),
  );
  for (const ns of namespaces(s)) {
    const items = ofKind(s, "ExternalSecret", ns);
    const folder = join(res, "custom-resources", "externalsecrets.external-secrets.io");
    write(join(folder, `${ns}.yaml`), stringify(items));
    write(join(folder, `${ns}.json`), json(items));
  }
  write(
    join(res, "auth-cani-list", "default.json"),
    json([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }]),
  );
  for (const [logs, suffix] of [
    [s.previousLogs, "-previous"],
    [s.currentLogs, ""],
  ] as const)
    for (const [key, text] of logs ?? []) {
      const [ns, pod, container] = key.split("/");
      write(join(res, "pods", "logs", ns!, pod!, `${container}${suffix}.log`), text);
    }
  return top;
}

/** The folder packed as `support-bundle` packs it: a .tar.gz with the bundle's folder at the top. */
export function packTarGz(folder: string, file: string): string {
  execFileSync("tar", ["-czf", file, "-C", dirname(folder), folder.slice(dirname(folder).length + 1)]);
  return file;
}
