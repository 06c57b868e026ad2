// `pitfall dump`: what a live scan reads, written as a dump `scan --from` reads the same way: every resource the
// detectors read (the live source's list), the current and previous logs of every container that restarted or
// is waiting, and pitfall-dump.json saying when, from where, what was read and what could not be. Secrets are
// never read; logs come redacted from the live read, and objects are redacted before they are written. Written
// into a fresh folder beside the target and moved into place at the end, so a dump is whole or absent, and
// nothing a user has is overwritten without `force`.
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { asRecord } from "../k8s/fields.js";
import {
  type ContainerStatusAt,
  containerStatusesOf,
  lastTerminated,
  restartCountOf,
} from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import { redactDeep } from "../model/redact.js";
import type { Incomplete, Snapshot } from "../model/snapshot.js";
import type { DumpMeta } from "../sources/dump.js";
import type { LiveSource } from "./scan.js";

export interface DumpRequest {
  live: LiveSource;
  /** A folder, or a file ending in .tar.gz / .tgz. */
  out: string;
  cwd: string;
  /** Replace a non-empty folder or an existing archive. */
  force?: boolean;
  /** `pitfall <version>`, written into pitfall-dump.json. */
  writtenBy: string;
  onProgress?: (message: string) => void;
  /** Lines per log; default 200. */
  tailLines?: number;
  /** Pods whose logs are read, per kind of log, most restarts first; default 1000. */
  maxLogPods?: number;
}

export interface DumpResult {
  out: string;
  archive: boolean;
  context: string;
  takenAt: string;
  objects: number;
  resources: string[];
  logs: { previous: number; current: number };
  incomplete: Incomplete[];
}

/** The target cannot be written (exists, not empty, no parent): a usage error, nothing was read. */
export class DumpTargetError extends Error {
  override name = "DumpTargetError";
}

const DEFAULTS = { tailLines: 200, maxLogPods: 1000 };
/** A name the API accepts for a namespace, pod or container: safe as one path segment. */
const SEGMENT = /^[A-Za-z0-9]([-A-Za-z0-9._]{0,252})$/;

export function isArchivePath(out: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(out);
}

/** Init and regular containers with a name (ephemeral ones are debugging sessions, not the workload). */
const statuses = (pod: KubeObject) =>
  containerStatusesOf(pod).filter((c) => c.role !== "ephemeral" && c.name !== "");
const restarted = (c: ContainerStatusAt) =>
  restartCountOf(c.status) > 0 || lastTerminated(c.status) !== undefined;
const waiting = (c: ContainerStatusAt) => asRecord(asRecord(c.status.state)?.waiting) !== undefined;
const running = (c: ContainerStatusAt) => asRecord(asRecord(c.status.state)?.running) !== undefined;
const names = (list: ContainerStatusAt[]) => list.map((c) => c.name);

/**
 * Previous logs of containers that restarted; current logs of running containers and of those waiting after a
 * run (a crash-looping container's last run). A container that never ran has no log to read.
 */
export const DUMP_LOG_CONTAINERS = {
  previous: (pod: KubeObject) => names(statuses(pod).filter(restarted)),
  current: (pod: KubeObject) =>
    names(statuses(pod).filter((c) => running(c) || (waiting(c) && restarted(c)))),
};

async function checkTarget(out: string, archive: boolean, force: boolean): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    info = await stat(out);
  } catch {
    info = undefined;
  }
  const parent = path.dirname(out);
  try {
    if (!(await stat(parent)).isDirectory()) throw new Error();
  } catch {
    throw new DumpTargetError(`cannot write ${out}: ${parent} is not a folder (create it first)`);
  }
  if (!info) return;
  if (archive) {
    if (!info.isFile()) throw new DumpTargetError(`${out} exists and is not a file`);
    if (!force) throw new DumpTargetError(`${out} exists: give another -o, or --force to replace it`);
    return;
  }
  if (!info.isDirectory()) throw new DumpTargetError(`${out} exists and is not a folder: give another -o`);
  if ((await readdir(out)).length > 0 && !force)
    throw new DumpTargetError(`${out} is not empty: give a new folder, or --force to replace what is in it`);
}

/** The files of a dump, relative paths to contents, from one live snapshot. */
export function dumpFiles(
  snapshot: Snapshot,
  meta: DumpMeta,
  resources: readonly { plural: string; kind: string }[],
) {
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const read = new Set(meta.resources ?? []);
  for (const r of resources) {
    if (!read.has(r.plural)) continue;
    // Termination messages, events and annotations can quote credentials: objects pass the redaction too.
    const items = snapshot.objects.filter((o) => o.object.kind === r.kind).map((o) => redactDeep(o.object));
    files.set(
      `objects/${r.plural}.json`,
      `${JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 1)}\n`,
    );
  }
  const logs = (map: Map<string, string> | undefined, previous: boolean) => {
    for (const [key, text] of map ?? []) {
      const segs = key.split("/");
      if (segs.length !== 3 || !segs.every((s) => SEGMENT.test(s))) {
        skipped.push(key);
        continue;
      }
      files.set(`logs/${segs[0]}/${segs[1]}/${segs[2]}${previous ? ".previous" : ""}.log`, text);
    }
  };
  logs(snapshot.previousLogs, true);
  logs(snapshot.currentLogs, false);
  files.set("pitfall-dump.json", `${JSON.stringify(meta, null, 2)}\n`);
  return { files, skipped };
}

async function writeTree(root: string, files: Map<string, string>): Promise<void> {
  for (const [rel, text] of files) {
    const file = path.join(root, ...rel.split("/"));
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, text, { mode: 0o600 });
  }
}

/** Moves the written folder into place; a replaced folder is removed only once the new one is there. */
async function moveInto(tmp: string, out: string): Promise<void> {
  let old: string | undefined;
  try {
    await stat(out);
    old = `${tmp}.old`;
    await rename(out, old);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    await rename(tmp, out);
  } catch (error) {
    if (old) await rename(old, out);
    throw error;
  }
  if (old) await rm(old, { recursive: true, force: true });
}

export async function writeDump(req: DumpRequest): Promise<DumpResult> {
  const out = path.resolve(req.cwd, req.out);
  const archive = isArchivePath(out);
  await checkTarget(out, archive, Boolean(req.force));
  const progress = req.onProgress ?? (() => {});
  const { kubeConfigsOf } = await import("../sources/kubeconfig.js");
  const { readCluster } = await import("../sources/live.js");
  const { neededResources } = await import("../sources/dump.js");
  // One context: the one named, else the current one.
  const [cluster] = await kubeConfigsOf(
    { ...req.live, cwd: req.live.cwd ?? req.cwd },
    { contexts: req.live.contexts.slice(0, 1) },
  );
  const { context, kubeConfig } = cluster!;
  const snapshot = await readCluster({
    kubeConfig,
    context,
    ...(req.live.namespace ? { namespace: req.live.namespace } : {}),
    ...(req.live.timeoutMs ? { timeoutMs: req.live.timeoutMs } : {}),
    ...(req.live.pageSize ? { pageSize: req.live.pageSize } : {}),
    logs: {
      previous: true,
      current: true,
      tailLines: req.tailLines ?? DEFAULTS.tailLines,
      maxPods: req.maxLogPods ?? DEFAULTS.maxLogPods,
      containers: DUMP_LOG_CONTAINERS,
    },
    onProgress: progress,
  });
  const resources = neededResources();
  const unread = new Set(snapshot.incomplete.map((i) => i.resource));
  const meta: DumpMeta = {
    takenAt: snapshot.takenAt ?? new Date().toISOString(),
    context: snapshot.target.context ?? snapshot.target.name,
    ...(req.live.namespace ? { namespace: req.live.namespace } : {}),
    resources: resources.map((r) => r.plural).filter((p) => !unread.has(p)),
    ...(snapshot.incomplete.length ? { incomplete: snapshot.incomplete } : {}),
    ...(snapshot.target.distribution ? { distribution: snapshot.target.distribution } : {}),
    writtenBy: req.writtenBy,
  };
  const { files, skipped } = dumpFiles(snapshot, meta, resources);
  for (const key of skipped) progress(`log ${key}: a name that is not a safe file name; not written`);

  // Beside the target, so the final rename stays on one file system; 0700, as logs and specs can be sensitive.
  const tmp = await mkdtemp(path.join(path.dirname(out), `.${path.basename(out)}.pitfall-`));
  try {
    await writeTree(tmp, files);
    if (archive) {
      const tar = await import("tar");
      const file = `${tmp}.tar.gz`;
      await tar.create({ gzip: true, file, cwd: tmp, portable: true }, [...files.keys()].sort());
      await rename(file, out);
    } else await moveInto(tmp, out);
  } finally {
    await rm(tmp, { recursive: true, force: true });
    if (archive) await rm(`${tmp}.tar.gz`, { force: true });
  }
  return {
    out,
    archive,
    context: meta.context!,
    takenAt: meta.takenAt!,
    objects: snapshot.objects.length,
    resources: meta.resources!,
    logs: { previous: snapshot.previousLogs?.size ?? 0, current: snapshot.currentLogs?.size ?? 0 },
    incomplete: snapshot.incomplete,
  };
}
