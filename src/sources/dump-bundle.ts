// troubleshoot.sh support bundles (a folder, or the .tar.gz as `support-bundle` writes it): objects under
// cluster-resources/<kind>/<namespace>.json and cluster-resources/<kind>.json, custom resources as JSON or YAML
// arrays, pod logs under cluster-resources/pods/logs/<ns>/<pod>/<container>[-previous].log, and in older bundles
// <collector>/<pod>/<container>[-previous].log beside them. Everything else a bundle holds (analysis, host data,
// collector output) is not Kubernetes objects and is skipped with one summary line.
import { redact } from "../model/redact.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import { type DumpParts, emptyParts, parseKnownFile } from "./dump-objects.js";
import { type DumpTree, readTexts } from "./dump-tree.js";
import { EXTERNAL_SECRETS_GROUP } from "./kube-read.js";

const RESOURCES = "cluster-resources/";
const POD_LOGS = "cluster-resources/pods/logs/";
const ESO_FOLDER = `custom-resources/externalsecrets.${EXTERNAL_SECRETS_GROUP}`;
/** Folder or file names troubleshoot gives resources whose plural is another word. */
const ALIASES: Record<string, string> = { ingress: "ingresses", [ESO_FOLDER]: "externalsecrets" };
/** Files under cluster-resources that describe the API or the collector's rights, not objects. */
const NOT_OBJECTS =
  /^cluster-resources\/(auth-cani-list\/|groups\.json$|resources\.json$|custom-resource-definitions\.json$)/;
/** A bundle may hold Secrets (a collector's output or a `secrets` folder): never read. */
const SECRETS = /(^|\/)secrets(-errors)?(\/|\.json$|\.ya?ml$)/;
/** `support-bundle-2024-05-01T10_00_00`: the collecting machine's clock when the bundle was made. */
const BUNDLE_TIME = /(\d{4}-\d\d-\d\d)T(\d\d)_(\d\d)_(\d\d)/;

/** A folder or archive with troubleshoot's layout. */
export function looksLikeBundle(paths: readonly string[]): boolean {
  return paths.includes("version.yaml") || paths.some((p) => p.startsWith(RESOURCES));
}

/** `cluster-resources/pods/default.json` → `pods`, `cluster-resources/nodes.json` → `nodes`. */
function resourceOf(file: string): string | undefined {
  const rest = file.slice(RESOURCES.length);
  const custom = /^custom-resources\/[^/]+/.exec(rest)?.[0];
  const name = custom ?? rest.split("/")[0]!.replace(/(-errors)?\.(json|ya?ml)$/, "");
  return ALIASES[name] ?? name;
}

function absent(plural: string): string {
  return plural === "externalsecrets"
    ? `not in the support bundle (no ${RESOURCES}${ESO_FOLDER}/)`
    : `not in the support bundle (no ${RESOURCES}${plural === "ingresses" ? "ingress" : plural}/)`;
}

/** `…/<pod>/<container>.log` or `<container>-previous.log`. */
function logName(
  file: string,
): { pod: string; container: string; previous: boolean; parent?: string } | undefined {
  const segs = file.split("/");
  const name = segs[segs.length - 1]!;
  const pod = segs[segs.length - 2];
  if (!pod || !name.endsWith(".log")) return undefined;
  const base = name.slice(0, -".log".length);
  const previous = base.endsWith("-previous");
  const container = previous ? base.slice(0, -"-previous".length) : base;
  if (!container) return undefined;
  return { pod, container, previous, ...(segs.length > 2 ? { parent: segs[segs.length - 3] } : {}) };
}

/** A file holding only a relative path to another file of the bundle: a symlink, as some extractors leave them. */
function isLinkStandIn(text: string): boolean {
  return text.length < 1024 && /^(\.\.\/)+[^\s]+\n?$/.test(text);
}

export async function readBundleTree(tree: DumpTree): Promise<DumpParts> {
  const parts = emptyParts("support-bundle", absent);
  const paths = new Set(tree.files.map((f) => f.path));
  const objectFiles = new Set<string>();
  const errorFiles = new Set<string>();
  const otherLogs = new Set<string>();
  let crds: string | undefined;
  let version: string | undefined;
  for (const { path: file } of tree.files) {
    if (SECRETS.test(file)) parts.skipped.push(file);
    else if (file.startsWith(POD_LOGS)) objectFiles.add(file);
    else if (file === `${RESOURCES}custom-resource-definitions.json`) crds = file;
    else if (file.startsWith(RESOURCES) && /-errors\.json$/.test(file)) errorFiles.add(file);
    else if (file.startsWith(RESOURCES) && !NOT_OBJECTS.test(file) && /\.(json|ya?ml)$/i.test(file)) {
      // The same custom resources as JSON and as YAML: the JSON is read.
      if (/\.ya?ml$/i.test(file) && paths.has(file.replace(/\.ya?ml$/i, ".json"))) parts.skipped.push(file);
      else objectFiles.add(file);
    } else if (file === "cluster-info/cluster_version.json") version = file;
    else if (!file.startsWith(RESOURCES) && logName(file)) otherLogs.add(file);
    else parts.skipped.push(file);
  }
  for (const file of objectFiles) {
    if (file.startsWith(POD_LOGS)) continue;
    const plural = resourceOf(file);
    if (plural) parts.read.add(plural);
  }

  const stray = new Map<string, string>();
  const wanted = new Set([
    ...objectFiles,
    ...errorFiles,
    ...otherLogs,
    ...(crds ? [crds] : []),
    ...(version ? [version] : []),
  ]);
  await readTexts(
    tree,
    wanted,
    parts.diagnostics,
    "JSON, YAML or a log as the bundle has there",
    (file, text, shown) => {
      if (file.startsWith(POD_LOGS)) {
        const rel = file.slice(POD_LOGS.length).split("/");
        const log = logName(file);
        if (rel.length !== 3 || !log) parts.skipped.push(file);
        else
          (log.previous ? parts.previousLogs : parts.currentLogs).set(
            `${rel[0]}/${log.pod}/${log.container}`,
            redact(text),
          );
      } else if (otherLogs.has(file)) {
        if (!isLinkStandIn(text)) stray.set(file, text);
      } else if (errorFiles.has(file)) collectorErrors(parts, file, text);
      else if (file === crds) externalSecretsCrd(parts, text);
      else if (file === version) serverVersion(parts, text);
      else if (!parseKnownFile(text, shown, parts)) parts.skipped.push(file);
    },
  );
  olderLogs(parts, stray);
  const time = tree.top ? BUNDLE_TIME.exec(tree.top) : null;
  const at = time ? Date.parse(`${time[1]}T${time[2]}:${time[3]}:${time[4]}Z`) : Number.NaN;
  if (!Number.isNaN(at))
    parts.takenAt = { at: new Date(at).toISOString(), from: `the bundle's name ${tree.top}` };
  return parts;
}

/** `cluster-resources/pods-errors.json`: what the collector could not list, as a live scan's "not checked". */
function collectorErrors(parts: DumpParts, file: string, text: string): void {
  let errors: unknown;
  try {
    errors = JSON.parse(text);
  } catch {
    return;
  }
  const messages = asList(errors)
    .map((e) => String(e))
    .filter((e) => e !== "");
  const plural = resourceOf(file);
  if (plural && messages.length)
    parts.incomplete.push({
      resource: plural,
      reason: `the bundle could not collect it: ${messages.join("; ")}`,
    });
}

/** Without the External Secrets CRD in the cluster, no ExternalSecret can exist: as live, "CRD not installed". */
function externalSecretsCrd(parts: DumpParts, text: string): void {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return;
  }
  const names = asList(asRecord(list)?.items ?? list).map((c) =>
    asString(asRecord(asRecord(c)?.metadata)?.name),
  );
  if (
    names.length > 0 &&
    !names.includes(`externalsecrets.${EXTERNAL_SECRETS_GROUP}`) &&
    !parts.read.has("externalsecrets")
  )
    parts.incomplete.push({
      resource: "externalsecrets",
      reason: `CRD not installed: the bundle's custom resource definitions have no externalsecrets.${EXTERNAL_SECRETS_GROUP}`,
    });
}

/** `cluster-info/cluster_version.json`: a k3s server says so in its version, for a bundle without nodes. */
function serverVersion(parts: DumpParts, text: string): void {
  try {
    const v = asRecord(JSON.parse(text));
    if ((asString(v?.string) ?? asString(asRecord(v?.info)?.gitVersion) ?? "").includes("+k3s"))
      parts.distribution = "k3s";
  } catch {
    // A bundle without a readable version is read all the same.
  }
}

/** Older bundles' `<collector>/<pod>/<container>.log`: the pod is found by name among the bundle's pods. */
function olderLogs(parts: DumpParts, logs: Map<string, string>): void {
  const pods = new Map<string, { namespace: string; containers: Set<string> }[]>();
  for (const { object } of parts.objects) {
    if (object.kind !== "Pod") continue;
    const name = String(object.metadata?.name ?? "");
    const spec = asRecord(object.spec);
    const containers = new Set(
      [...asList(spec?.containers), ...asList(spec?.initContainers)].map((c) =>
        String(asRecord(c)?.name ?? ""),
      ),
    );
    pods.set(name, [
      ...(pods.get(name) ?? []),
      { namespace: String(object.metadata?.namespace ?? ""), containers },
    ]);
  }
  for (const [file, text] of logs) {
    const log = logName(file)!;
    const candidates = (pods.get(log.pod) ?? []).filter((p) => p.containers.has(log.container));
    const pod = candidates.length === 1 ? candidates[0] : candidates.find((p) => p.namespace === log.parent);
    if (!pod) {
      parts.skipped.push(file);
      continue;
    }
    const key = `${pod.namespace}/${log.pod}/${log.container}`;
    const into = log.previous ? parts.previousLogs : parts.currentLogs;
    if (!into.has(key)) into.set(key, redact(text));
  }
}
