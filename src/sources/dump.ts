// Offline dumps turned into the same Snapshot a live read gives. One entry point for every layout people have:
// pitfall's own (docs/dump-layout.md), `kubectl cluster-info dump` (a folder, or its output in one file) and
// troubleshoot.sh support bundles (a folder or the .tar.gz), told apart by what they hold. A file that is not
// Kubernetes JSON or YAML becomes a diagnostic with file:line and the rest of the dump is still read.
import { open, stat } from "node:fs/promises";
import path from "node:path";
import type { Incomplete, Snapshot, SourcedObject } from "../model/snapshot.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { distributionOf } from "../k8s/distribution.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import { archiveTree, isArchive } from "./dump-archive.js";
import { looksLikeBundle, readBundleTree } from "./dump-bundle.js";
import { looksLikeClusterInfo, readClusterInfoFile, readClusterInfoTree } from "./dump-clusterinfo.js";
import {
  absentFromDump,
  type DumpLayout,
  type DumpParts,
  emptyParts,
  newestTimestamp,
  parseDumpFile,
} from "./dump-objects.js";
import { DUMP_META_FILE, readPitfallTree } from "./dump-pitfall.js";
import { type DumpTree, folderTree, readFileBounded, textOf } from "./dump-tree.js";
import { LIVE_RESOURCES } from "./kube-read.js";
import { displayPath, inputProblem } from "./manifest-files.js";

export { parseDumpFile } from "./dump-objects.js";
export type { DumpLayout } from "./dump-objects.js";
export { DUMP_LOGS_DIR, DUMP_META_FILE, type DumpMeta } from "./dump-pitfall.js";

export const DUMP_LAYOUTS: readonly DumpLayout[] = ["pitfall", "cluster-info", "support-bundle"];

export interface ReadDumpOptions {
  cwd: string;
  /** Stops the folder walk and the reading (readDump then throws the signal's reason). */
  signal?: AbortSignal;
  /** Read every input as this layout instead of telling it from what it holds. */
  layout?: DumpLayout;
  /** Throw NothingReadError when no input yields a Kubernetes object (scan: an unreadable dump is not clean). */
  requireObjects?: boolean;
}

/** No input held a Kubernetes object; the message says what each input was and what pitfall looks for. */
export class NothingReadError extends Error {
  override name = "NothingReadError";
  constructor(
    message: string,
    /** The input problems met on the way (a missing path, an unreadable file), to show before the message. */
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** What pitfall reads, for messages about a dump it could not read. */
export const DUMP_FORMATS =
  "a folder or .tar.gz of `kubectl get -o json|yaml` files with an optional pitfall-dump.json (docs/dump-layout.md), " +
  "a `kubectl cluster-info dump` (its --output-directory folder, or its output in one file), " +
  "or a troubleshoot.sh support bundle (folder or .tar.gz)";

/** The resources the detectors read: what the live scan lists, and the External Secrets it asks for. */
export function neededResources(): { plural: string; kind: string }[] {
  return [
    ...LIVE_RESOURCES.map((r) => ({ plural: r.plural, kind: r.kind })),
    { plural: "externalsecrets", kind: "ExternalSecret" },
  ];
}

function layoutOf(files: readonly string[]): DumpLayout {
  if (files.includes(DUMP_META_FILE)) return "pitfall";
  if (looksLikeBundle(files)) return "support-bundle";
  if (looksLikeClusterInfo(files)) return "cluster-info";
  return "pitfall";
}

function readTree(tree: DumpTree, layout: DumpLayout): Promise<DumpParts> {
  if (layout === "support-bundle") return readBundleTree(tree);
  if (layout === "cluster-info") return readClusterInfoTree(tree);
  return readPitfallTree(tree);
}

interface InputRead {
  input: string;
  parts?: DumpParts;
  /** What the input was, for a dump that held nothing. */
  what: string;
}

/** The first bytes of a file: enough to tell an archive, a binary or text. */
async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, 512, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readInput(
  input: string,
  opts: ReadDumpOptions,
  diagnostics: Diagnostic[],
): Promise<InputRead> {
  const absolute = path.resolve(opts.cwd, input);
  const shown = displayPath(absolute, opts.cwd);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(absolute);
  } catch (error) {
    diagnostics.push(inputProblem(shown, error));
    return { input, what: "cannot be read" };
  }
  const fromTree = async (tree: DumpTree, kind: string): Promise<InputRead> => {
    for (const d of tree.problems.splice(0)) diagnostics.push(d);
    const layout = opts.layout ?? layoutOf(tree.files.map((f) => f.path));
    const parts = await readTree(tree, layout);
    for (const d of tree.problems.splice(0)) diagnostics.push(d);
    const n = tree.files.length;
    return {
      input,
      parts,
      what:
        n === 0
          ? `an empty ${kind}`
          : `a ${kind} of ${n} file${n === 1 ? "" : "s"}, none holding a Kubernetes object`,
    };
  };
  if (info.isDirectory()) return fromTree(await folderTree(absolute, opts.cwd, opts.signal), "folder");
  let head: Buffer;
  try {
    head = await headOf(absolute);
  } catch (error) {
    diagnostics.push(inputProblem(shown, error));
    return { input, what: "cannot be read" };
  }
  if (isArchive(head))
    return fromTree(
      await archiveTree(absolute, opts.cwd, opts.signal ? { signal: opts.signal } : {}),
      "tar archive",
    );
  if (head.length === 0) return { input, what: "an empty file" };
  if (textOf(head) === undefined) {
    diagnostics.push({
      file: shown,
      line: 1,
      severity: "error",
      code: "dump-binary",
      message: `${shown} is a binary file, not JSON, YAML, a cluster-info dump or a .tar.gz; skipped`,
    });
    return { input, what: "a binary file" };
  }
  const what = "a file without a Kubernetes object";
  if (/\.ya?ml$/i.test(absolute) || opts.layout === "pitfall") {
    const bytes = await readFileBounded(absolute, path.basename(absolute), diagnostics, opts.cwd);
    if (!bytes) return { input, what: "cannot be read" };
    const parsed = parseDumpFile(bytes.toString("utf8"), shown);
    const parts = {
      ...emptyParts("pitfall", absentFromDump(false)),
      ...parsed,
      listedKinds: parsed.listedKinds ?? new Set<string>(),
    };
    return { input, parts, what };
  }
  return { input, parts: await readClusterInfoFile(absolute, shown, opts.signal), what };
}

/**
 * A container waiting after a run (crash-looping) has no log of its own: the kubelet serves lastState.terminated's
 * container for `kubectl logs` with and without --previous. So where a dump saved only the current log (kubectl
 * cluster-info dump takes no previous ones), that is the previous log the detectors read.
 */
function lastRunLogs(
  objects: readonly SourcedObject[],
  previous: Map<string, string>,
  current: Map<string, string>,
): void {
  for (const { object } of objects) {
    if (object.kind !== "Pod") continue;
    const status = asRecord(object.status);
    for (const c of [...asList(status?.initContainerStatuses), ...asList(status?.containerStatuses)]) {
      const cs = asRecord(c);
      const key = `${object.metadata?.namespace}/${object.metadata?.name}/${asString(cs?.name)}`;
      const waitingAfterRun =
        asRecord(asRecord(cs?.state)?.waiting) && asRecord(asRecord(cs?.lastState)?.terminated);
      const text = current.get(key);
      if (waitingAfterRun && text !== undefined && !previous.has(key)) previous.set(key, text);
    }
  }
}

/** Kinds the dump holds or says it read; the rest of what the detectors read is "not checked", as a 403 live. */
function coverage(reads: InputRead[], objects: readonly SourcedObject[]): Incomplete[] {
  const parts = reads.flatMap((r) => (r.parts ? [r.parts] : []));
  const kinds = new Set(objects.map((o) => o.object.kind));
  const read = new Set<string>();
  for (const p of parts) {
    for (const r of p.read) read.add(r);
    for (const k of p.listedKinds) kinds.add(k);
  }
  const incomplete: Incomplete[] = [];
  const listed = new Set<string>();
  for (const p of parts)
    for (const i of p.incomplete) {
      if (listed.has(i.resource)) continue;
      listed.add(i.resource);
      incomplete.push(i);
    }
  const first = parts[0];
  for (const r of neededResources()) {
    if (read.has(r.plural) || kinds.has(r.kind) || listed.has(r.plural)) continue;
    incomplete.push({ resource: r.plural, reason: first ? first.absent(r.plural) : "not in the dump" });
  }
  return incomplete;
}

function skippedSummary(read: InputRead, shown: string): Diagnostic | undefined {
  const skipped = read.parts?.skipped ?? [];
  if (skipped.length === 0) return undefined;
  const some = skipped.slice(0, 3).join(", ");
  const more = skipped.length > 3 ? `, and ${skipped.length - 3} more` : "";
  return {
    file: shown,
    line: 1,
    severity: "warning",
    code: "dump-skipped",
    message: `${skipped.length} file${skipped.length === 1 ? "" : "s"} with no Kubernetes objects skipped (${some}${more})`,
  };
}

/**
 * Reads dump files, folders and archives into one Snapshot. Ages are measured from the dump's own clock:
 * pitfall-dump.json's `takenAt`, else a support bundle's own time, else the newest time written in its objects.
 */
export async function readDump(paths: string[], opts: ReadDumpOptions): Promise<Snapshot> {
  const diagnostics: Diagnostic[] = [];
  const reads: InputRead[] = [];
  for (const input of paths) {
    opts.signal?.throwIfAborted();
    reads.push(await readInput(input, opts, diagnostics));
  }
  const objects: SourcedObject[] = [];
  const previousLogs = new Map<string, string>();
  const currentLogs = new Map<string, string>();
  let takenAt: string | undefined;
  let context: string | undefined;
  let declared: Snapshot["target"]["distribution"];
  for (const read of reads) {
    const p = read.parts;
    if (!p) continue;
    for (const o of p.objects) objects.push(o);
    for (const d of p.diagnostics) diagnostics.push(d);
    for (const [k, v] of p.previousLogs) previousLogs.set(k, v);
    for (const [k, v] of p.currentLogs) currentLogs.set(k, v);
    if (p.takenAt && (!takenAt || p.takenAt.at > takenAt)) takenAt = p.takenAt.at;
    context ??= p.context;
    declared ??= p.distribution;
    const summary = skippedSummary(read, displayPath(path.resolve(opts.cwd, read.input), opts.cwd));
    if (summary) diagnostics.push(summary);
  }
  if (opts.requireObjects && objects.length === 0) {
    const what = reads.map((r) => `${r.input}: ${r.what}`).join("; ");
    throw new NothingReadError(
      `nothing was checked: no Kubernetes objects in ${what}. pitfall reads ${DUMP_FORMATS}`,
      diagnostics.filter((d) => d.severity === "error"),
    );
  }
  lastRunLogs(objects, previousLogs, currentLogs);
  const nodes = objects.map((o) => o.object).filter((o) => o.kind === "Node");
  const distribution = distributionOf(nodes) ?? declared;
  takenAt ??= newestTimestamp(objects);
  const snapshot: Snapshot = {
    target: {
      kind: "dump",
      name: paths.join(" "),
      ...(distribution ? { distribution } : {}),
      ...(context ? { context } : {}),
    },
    objects,
    diagnostics,
    incomplete: objects.length ? coverage(reads, objects) : [],
    previousLogs,
    currentLogs,
  };
  if (takenAt) snapshot.takenAt = takenAt;
  return snapshot;
}
