// pitfall's own dump layout (docs/dump-layout.md, written by `pitfall dump`): any `kubectl get -o json|yaml` files,
// `logs/<namespace>/<pod>/<container>[.previous].log`, and `pitfall-dump.json` saying when, from where and what
// was read.
import type { Diagnostic } from "../model/diagnostic.js";
import { asList, asRecord, asString } from "../k8s/fields.js";
import { redact } from "../model/redact.js";
import type { Distribution, Incomplete } from "../model/snapshot.js";
import { readClusterInfoText } from "./dump-clusterinfo.js";
import { absentFromDump, type DumpParts, emptyParts, parseDumpFile } from "./dump-objects.js";
import { type DumpTree, readTexts } from "./dump-tree.js";

/** Optional file at the top of a dump folder: `{ "takenAt": "<ISO>", "context": "<kube context>", … }`. */
export const DUMP_META_FILE = "pitfall-dump.json";
/** Folder at the top of a dump holding `<namespace>/<pod>/<container>[.previous].log`. */
export const DUMP_LOGS_DIR = "logs";

const PREVIOUS_SUFFIX = ".previous.log";
const CURRENT_SUFFIX = ".log";

export interface DumpMeta {
  takenAt?: string;
  context?: string;
  /** Only this namespace was read (`pitfall dump -n`). */
  namespace?: string;
  /** Resources (plurals) read completely, whatever they held. */
  resources?: string[];
  /** What could not be read, as a live scan lists it. */
  incomplete?: Incomplete[];
  distribution?: Distribution;
  /** `pitfall 0.1.0`. */
  writtenBy?: string;
}

function metaProblem(file: string, message: string): Diagnostic {
  return { file, line: 1, severity: "error", code: "dump-meta", message };
}

/** `pitfall-dump.json`; what is wrong in it is reported and left out, the rest is used. */
export function parseMeta(text: string, shown: string, diagnostics: Diagnostic[]): DumpMeta {
  let value: Record<string, unknown> | undefined;
  try {
    value = asRecord(JSON.parse(text));
  } catch (error) {
    diagnostics.push(metaProblem(shown, `${DUMP_META_FILE} is not JSON: ${(error as Error).message}`));
    return {};
  }
  const meta: DumpMeta = {};
  const takenAt = asString(value?.takenAt);
  if (takenAt !== undefined) {
    if (Number.isNaN(Date.parse(takenAt)))
      diagnostics.push(
        metaProblem(
          shown,
          `takenAt ${JSON.stringify(takenAt)} is not a date; write e.g. "2026-03-26T09:30:00Z"`,
        ),
      );
    else meta.takenAt = new Date(takenAt).toISOString();
  }
  const context = asString(value?.context);
  if (context) meta.context = context;
  const namespace = asString(value?.namespace);
  if (namespace) meta.namespace = namespace;
  if (value?.resources !== undefined) {
    const resources = asList(value.resources).filter((r): r is string => typeof r === "string" && r !== "");
    if (!Array.isArray(value.resources) || resources.length !== value.resources.length)
      diagnostics.push(
        metaProblem(shown, `resources must be a list of resource names such as ["pods", "events"]`),
      );
    meta.resources = resources;
  }
  if (value?.incomplete !== undefined) {
    const entries = asList(value.incomplete).map((i) => ({
      resource: asString(asRecord(i)?.resource),
      reason: asString(asRecord(i)?.reason),
    }));
    const good = entries.filter((i): i is Incomplete => !!i.resource && !!i.reason);
    if (!Array.isArray(value.incomplete) || good.length !== entries.length)
      diagnostics.push(metaProblem(shown, `incomplete must be a list of {"resource": "…", "reason": "…"}`));
    meta.incomplete = good;
  }
  const distribution = asString(value?.distribution);
  if (distribution === "k3s" || distribution === "managed") meta.distribution = distribution;
  const writtenBy = asString(value?.writtenBy);
  if (writtenBy) meta.writtenBy = writtenBy;
  return meta;
}

/** `logs/<ns>/<pod>/<container>.previous.log` or `.log`; undefined for anything else. */
function logKey(file: string): { key: string; previous: boolean } | undefined {
  const segs = file.split("/");
  if (segs.length !== 4 || segs[0] !== DUMP_LOGS_DIR) return undefined;
  const name = segs[3]!;
  const previous = name.endsWith(PREVIOUS_SUFFIX);
  const container = previous
    ? name.slice(0, -PREVIOUS_SUFFIX.length)
    : name.endsWith(CURRENT_SUFFIX)
      ? name.slice(0, -CURRENT_SUFFIX.length)
      : "";
  return container ? { key: `${segs[1]}/${segs[2]}/${container}`, previous } : undefined;
}

export async function readPitfallTree(tree: DumpTree): Promise<DumpParts> {
  const diagnostics: Diagnostic[] = [];
  let meta: DumpMeta | undefined;
  const wanted = new Set<string>();
  const skipped: string[] = [];
  for (const { path: file } of tree.files) {
    if (file === DUMP_META_FILE) wanted.add(file);
    else if (file.startsWith(`${DUMP_LOGS_DIR}/`)) {
      if (logKey(file)) wanted.add(file);
      else
        diagnostics.push({
          file: tree.show(file),
          line: 1,
          severity: "warning",
          code: "dump-log-layout",
          message: `not in the logs layout ${DUMP_LOGS_DIR}/<namespace>/<pod>/<container>.log or <container>${PREVIOUS_SUFFIX}; skipped`,
        });
    } else if (/\.(json|ya?ml|dump)$/i.test(file)) wanted.add(file);
    else skipped.push(file);
  }
  const previousLogs = new Map<string, string>();
  const currentLogs = new Map<string, string>();
  const found = emptyParts("pitfall", absentFromDump(false));
  await readTexts(tree, wanted, diagnostics, "JSON, YAML or a log", (file, text, shown) => {
    if (file === DUMP_META_FILE) {
      meta = parseMeta(text, shown, diagnostics);
      return;
    }
    if (file.endsWith(".dump")) {
      // `kubectl cluster-info dump > cluster-info.dump` kept in a folder.
      const before = found.objects.length;
      readClusterInfoText(text, shown, found);
      for (const d of found.diagnostics.splice(0)) diagnostics.push(d);
      if (found.objects.length === before) skipped.push(file);
      return;
    }
    const log = logKey(file);
    // Redacted whole, before anything splits it into lines: a private key spans lines.
    if (log) (log.previous ? previousLogs : currentLogs).set(log.key, redact(text));
    else {
      const parsed = parseDumpFile(text, shown);
      for (const o of parsed.objects) found.objects.push(o);
      for (const d of parsed.diagnostics) diagnostics.push(d);
      for (const k of parsed.listedKinds ?? []) found.listedKinds.add(k);
    }
  });
  for (const [k, v] of found.currentLogs) if (!currentLogs.has(k)) currentLogs.set(k, v);
  const parts: DumpParts = {
    ...found,
    diagnostics,
    previousLogs,
    currentLogs,
    read: new Set(meta?.resources ?? []),
    incomplete: meta?.incomplete ?? [],
    absent: absentFromDump(meta?.resources !== undefined),
    skipped,
  };
  if (meta?.takenAt) parts.takenAt = { at: meta.takenAt, from: DUMP_META_FILE };
  if (meta?.context) {
    parts.context = meta.context;
    for (const o of parts.objects) o.origin = { ...o.origin, context: meta.context };
  }
  if (meta?.distribution) parts.distribution = meta.distribution;
  return parts;
}
