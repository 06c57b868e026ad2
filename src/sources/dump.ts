// Offline dumps (`kubectl get … -o json|yaml`, support bundles) turned into the same Snapshot a live read gives.
// The layout is documented in docs/dump-layout.md. A file that is not Kubernetes JSON or YAML becomes a
// diagnostic with file:line and the rest of the dump is still read.
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import type { Origin, Snapshot, SourcedObject } from "../model/snapshot.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { distributionOf } from "../k8s/distribution.js";
import { asRecord, asString } from "../k8s/fields.js";
import { kubeObjectOf } from "../model/kube.js";
import { displayPath, inputProblem as unreadable, objectFilesUnder } from "./manifest-files.js";
import { redact } from "../model/redact.js";
import { parseManifests } from "./manifests.js";
import { withoutSecretValues } from "./secret-values.js";
import path from "node:path";

/** Optional file at the top of a dump folder: `{ "takenAt": "<ISO>", "context": "<kube context>" }`. */
export const DUMP_META_FILE = "pitfall-dump.json";
/** Folder at the top of a dump holding `<namespace>/<pod>/<container>[.previous].log`. */
export const DUMP_LOGS_DIR = "logs";

const PREVIOUS_SUFFIX = ".previous.log";
const CURRENT_SUFFIX = ".log";

export interface ReadDumpOptions {
  cwd: string;
  /** Stops the folder walk and the reading (readDump then throws the signal's reason). */
  signal?: AbortSignal;
}

export interface DumpMeta {
  takenAt?: string;
  context?: string;
}

function problem(file: string, code: string, message: string, line = 1): Diagnostic {
  return { file, line, severity: "error", code, message };
}

export interface ParsedDump {
  objects: SourcedObject[];
  diagnostics: Diagnostic[];
}

/**
 * Objects of one JSON value: an object, a `List` (kubectl) or a typed list such as `PodList` (`kubectl get --raw`),
 * whose items carry no `kind`/`apiVersion` and get them from the list.
 */
function objectsOfJson(
  value: unknown,
  file: string,
  origin: Origin,
  out: ParsedDump,
  label = "the file",
): void {
  const record = asRecord(value);
  const kind = asString(record?.kind);
  const apiVersion = asString(record?.apiVersion);
  if (!record || !kind || !apiVersion) {
    const what = record
      ? "has no string `apiVersion` and `kind`"
      : `is a ${Array.isArray(value) ? "sequence" : "scalar"}`;
    out.diagnostics.push({
      file,
      line: 1,
      severity: "warning",
      code: "not-kubernetes",
      message: `${label} ${what}, so it is not a Kubernetes object; skipped`,
    });
    return;
  }
  if (kind.endsWith("List") && Array.isArray(record.items)) {
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    record.items.forEach((item, i) => {
      const rec = asRecord(item);
      const filled =
        rec && itemKind && rec.kind === undefined ? { apiVersion, kind: itemKind, ...rec } : item;
      objectsOfJson(filled, file, origin, out, `item ${i} of the ${kind}`);
    });
    return;
  }
  const object = kubeObjectOf(record);
  if (typeof object === "string") {
    out.diagnostics.push({
      file,
      line: 1,
      severity: "error",
      code: "invalid-object",
      message: `${label} ${object}; the API server would refuse it; skipped`,
    });
    return;
  }
  out.objects.push({ object: withoutSecretValues(object), origin });
}

/**
 * One dump file. JSON goes through JSON.parse (dumps are big, and fast matters more than positions there);
 * YAML, and JSON that does not parse, go through the manifest parser, which says where the problem is.
 */
export function parseDumpFile(text: string, file: string, context?: string): ParsedDump {
  const out: ParsedDump = { objects: [], diagnostics: [] };
  if (/^\s*[{[]/.test(text)) {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // Falls through to the YAML parser, which reports the line and column.
    }
    if (parsed) {
      objectsOfJson(value, file, context ? { file, context } : { file }, out);
      return out;
    }
  }
  const manifests = parseManifests(text, file);
  for (const o of manifests.objects) {
    out.objects.push(context ? { object: o.object, origin: { ...o.origin, context } } : o);
  }
  for (const d of manifests.diagnostics) out.diagnostics.push(d);
  return out;
}

/** Files with objects under a dump folder, sorted; the logs folder and the meta file are not objects. */
async function objectFiles(
  root: string,
  onError: (dir: string, error: unknown) => void,
  signal?: AbortSignal,
): Promise<string[]> {
  const files = await objectFilesUnder(
    root,
    {
      folder: (name, atRoot) => atRoot && name === DUMP_LOGS_DIR,
      file: (name, atRoot) => atRoot && name === DUMP_META_FILE,
    },
    onError,
    signal,
  );
  return files.sort();
}

interface DumpLog {
  key: string;
  previous: boolean;
  file: string;
}

/** `logs/<namespace>/<pod>/<container>.previous.log` and `<container>.log`; anything else is reported. */
async function logFiles(root: string, cwd: string, diagnostics: Diagnostic[]): Promise<DumpLog[]> {
  const logsDir = path.join(root, DUMP_LOGS_DIR);
  const out: DumpLog[] = [];
  const list = async (dir: string): Promise<Dirent[]> => {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        diagnostics.push(unreadable(displayPath(dir, cwd), error));
      return [];
    }
  };
  const misplaced = (file: string) =>
    diagnostics.push({
      file: displayPath(file, cwd),
      line: 1,
      severity: "warning",
      code: "dump-log-layout",
      message: `not in the logs layout ${DUMP_LOGS_DIR}/<namespace>/<pod>/<container>.log or <container>${PREVIOUS_SUFFIX}; skipped`,
    });
  for (const ns of await list(logsDir)) {
    const nsDir = path.join(logsDir, ns.name);
    if (!ns.isDirectory()) {
      misplaced(nsDir);
      continue;
    }
    for (const pod of await list(nsDir)) {
      const podDir = path.join(nsDir, pod.name);
      if (!pod.isDirectory()) {
        misplaced(podDir);
        continue;
      }
      for (const entry of await list(podDir)) {
        const file = path.join(podDir, entry.name);
        const previous = entry.name.endsWith(PREVIOUS_SUFFIX);
        const container = previous
          ? entry.name.slice(0, -PREVIOUS_SUFFIX.length)
          : entry.name.endsWith(CURRENT_SUFFIX)
            ? entry.name.slice(0, -CURRENT_SUFFIX.length)
            : "";
        if (!entry.isFile() || container === "") {
          misplaced(file);
          continue;
        }
        out.push({ key: `${ns.name}/${pod.name}/${container}`, previous, file });
      }
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** `pitfall-dump.json`, if the folder has one; a bad one is reported and ignored. */
async function readMeta(root: string, cwd: string, diagnostics: Diagnostic[]): Promise<DumpMeta | undefined> {
  const file = path.join(root, DUMP_META_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      diagnostics.push(unreadable(displayPath(file, cwd), error));
    return undefined;
  }
  const shown = displayPath(file, cwd);
  let value: Record<string, unknown> | undefined;
  try {
    value = asRecord(JSON.parse(text));
  } catch (error) {
    diagnostics.push(
      problem(shown, "dump-meta", `${DUMP_META_FILE} is not JSON: ${(error as Error).message}`),
    );
    return undefined;
  }
  const meta: DumpMeta = {};
  const takenAt = asString(value?.takenAt);
  if (takenAt !== undefined) {
    if (Number.isNaN(Date.parse(takenAt))) {
      diagnostics.push(
        problem(
          shown,
          "dump-meta",
          `takenAt ${JSON.stringify(takenAt)} is not a date; write e.g. "2026-03-26T09:30:00Z"`,
        ),
      );
    } else meta.takenAt = new Date(takenAt).toISOString();
  }
  const context = asString(value?.context);
  if (context) meta.context = context;
  return meta;
}

/**
 * Reads dump files and folders (recursively) into one Snapshot. `takenAt` is the dump's `pitfall-dump.json`
 * time, else the newest file's modification time: ages (of crash loops, of events) are measured from it.
 */
export async function readDump(paths: string[], opts: ReadDumpOptions): Promise<Snapshot> {
  const diagnostics: Diagnostic[] = [];
  const objects: SourcedObject[] = [];
  const previousLogs = new Map<string, string>();
  const currentLogs = new Map<string, string>();
  let newestMtime = 0;
  let metaTakenAt: string | undefined;
  let context: string | undefined;

  const readText = async (file: string): Promise<string | undefined> => {
    try {
      const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
      newestMtime = Math.max(newestMtime, info.mtimeMs);
      return text;
    } catch (error) {
      diagnostics.push(unreadable(displayPath(file, opts.cwd), error));
      return undefined;
    }
  };

  const roots: { root?: string; files: string[] }[] = [];
  for (const input of paths) {
    const absolute = path.resolve(opts.cwd, input);
    try {
      if ((await stat(absolute)).isDirectory()) {
        const files = await objectFiles(
          absolute,
          (dir, error) => diagnostics.push(unreadable(displayPath(dir, opts.cwd), error)),
          opts.signal,
        );
        roots.push({ root: absolute, files });
      } else roots.push({ files: [absolute] });
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      diagnostics.push(unreadable(displayPath(absolute, opts.cwd), error));
    }
  }

  for (const { root } of roots) {
    if (!root) continue;
    const meta = await readMeta(root, opts.cwd, diagnostics);
    if (meta?.takenAt && (!metaTakenAt || meta.takenAt > metaTakenAt)) metaTakenAt = meta.takenAt;
    context ??= meta?.context;
  }

  for (const { root, files } of roots) {
    for (const file of files) {
      opts.signal?.throwIfAborted();
      const text = await readText(file);
      if (text === undefined) continue;
      const parsed = parseDumpFile(text, displayPath(file, opts.cwd), context);
      for (const o of parsed.objects) objects.push(o);
      for (const d of parsed.diagnostics) diagnostics.push(d);
    }
    if (!root) continue;
    for (const log of await logFiles(root, opts.cwd, diagnostics)) {
      const text = await readText(log.file);
      // Redacted whole, before anything splits it into lines: a private key spans lines.
      if (text !== undefined) (log.previous ? previousLogs : currentLogs).set(log.key, redact(text));
    }
  }

  const nodes = objects.map((o) => o.object).filter((o) => o.kind === "Node");
  const distribution = distributionOf(nodes);
  const takenAt = metaTakenAt ?? (newestMtime > 0 ? new Date(newestMtime).toISOString() : undefined);
  const snapshot: Snapshot = {
    target: {
      kind: "dump",
      name: paths.join(" "),
      ...(distribution ? { distribution } : {}),
      ...(context ? { context } : {}),
    },
    objects,
    diagnostics,
    incomplete: [],
    previousLogs,
    currentLogs,
  };
  if (takenAt) snapshot.takenAt = takenAt;
  return snapshot;
}
