// What every dump layout shares: Kubernetes objects out of JSON and YAML files (objects, kubectl Lists, typed lists,
// arrays), the parts a layout reader hands back, and the dump's own clock (the newest time written inside it).
import { parse as parseYaml } from "yaml";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Distribution, Incomplete, Origin, SourcedObject } from "../model/snapshot.js";
import { asRecord, asString } from "../k8s/fields.js";
import { kubeObjectOf } from "../model/kube.js";
import { parseManifests } from "./manifests.js";
import { withoutSecretValues } from "./secret-values.js";

export interface ParsedDump {
  objects: SourcedObject[];
  diagnostics: Diagnostic[];
  /** Kinds of the typed lists read (`PodList` → `Pod`), empty ones included: that kind was read. */
  listedKinds?: Set<string>;
}

/** What one layout reader gives back, merged by readDump into a Snapshot. */
export interface DumpParts extends ParsedDump {
  listedKinds: Set<string>;
  previousLogs: Map<string, string>;
  currentLogs: Map<string, string>;
  /** Resources (plurals) the dump says it read, whatever it found. */
  read: Set<string>;
  /** Resources the dump says it could not read. */
  incomplete: Incomplete[];
  /** Why a resource the detectors read is missing, in this layout's words. */
  absent(plural: string): string;
  /** The dump's own time and where it comes from; else the newest time inside its objects is used. */
  takenAt?: { at: string; from: string };
  context?: string;
  /** When the dump says so without nodes (a k3s server version). */
  distribution?: Distribution;
  /** Files skipped quietly because they hold no Kubernetes objects (a bundle's analysis, host data, …). */
  skipped: string[];
  layout: DumpLayout;
}

export type DumpLayout = "pitfall" | "cluster-info" | "support-bundle";

/** Why a kind is missing from pitfall's layout: `resources` in pitfall-dump.json says what was read, even empty. */
export function absentFromDump(declared: boolean) {
  return (plural: string) =>
    declared
      ? `not in the dump: pitfall-dump.json does not list ${plural} as read`
      : `not in the dump: no ${plural} in it, and no pitfall-dump.json "resources" says it was read empty`;
}

export function emptyParts(layout: DumpLayout, absent: (plural: string) => string): DumpParts {
  return {
    layout,
    objects: [],
    diagnostics: [],
    listedKinds: new Set(),
    previousLogs: new Map(),
    currentLogs: new Map(),
    read: new Set(),
    incomplete: [],
    absent,
    skipped: [],
  };
}

export interface ObjectsOptions {
  /** A top-level array of objects is read (a support bundle's custom resources); else it is not Kubernetes. */
  arrays?: boolean;
  /** Not-Kubernetes values are not reported (the caller counts them); the result says whether any was found. */
  quiet?: boolean;
}

/**
 * Objects of one JSON value: an object, a `List` (kubectl) or a typed list such as `PodList` (`kubectl get --raw`),
 * whose items carry no `kind`/`apiVersion` and get them from the list. Returns false when the value is not
 * Kubernetes at all.
 */
export function objectsOfJson(
  value: unknown,
  file: string,
  origin: Origin,
  out: ParsedDump,
  opts: ObjectsOptions = {},
  label = "the file",
): boolean {
  if (opts.arrays && Array.isArray(value)) {
    let any = value.length === 0 ? undefined : false;
    value.forEach((item, i) => {
      if (objectsOfJson(item, file, origin, out, { quiet: opts.quiet }, `item ${i} of the sequence`))
        any = true;
    });
    return any !== false;
  }
  const record = asRecord(value);
  const kind = asString(record?.kind);
  const apiVersion = asString(record?.apiVersion);
  if (!record || !kind || !apiVersion) {
    if (opts.quiet) return false;
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
    return false;
  }
  // `"items": null` is what the API writes for an empty list.
  if (kind.endsWith("List") && (Array.isArray(record.items) || record.items === null)) {
    const items = Array.isArray(record.items) ? record.items : [];
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    if (itemKind) {
      out.listedKinds ??= new Set();
      out.listedKinds.add(itemKind);
    }
    items.forEach((item, i) => {
      const rec = asRecord(item);
      const filled =
        rec && itemKind && rec.kind === undefined ? { apiVersion, kind: itemKind, ...rec } : item;
      objectsOfJson(filled, file, origin, out, { quiet: opts.quiet }, `item ${i} of the ${kind}`);
    });
    return true;
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
    return true;
  }
  out.objects.push({ object: withoutSecretValues(object), origin });
  return true;
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

/**
 * A file of a layout whose files are known (a support bundle, a cluster-info dump): JSON or YAML, arrays allowed.
 * Returns false when it holds nothing Kubernetes (the caller skips it quietly); malformed text is a diagnostic.
 */
export function parseKnownFile(text: string, file: string, out: ParsedDump): boolean {
  let value: unknown;
  try {
    value =
      /^\s*[{[]/.test(text) && !/\.ya?ml$/i.test(file)
        ? JSON.parse(text)
        : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const { line, message } = jsonErrorAt(text, error);
    out.diagnostics.push({
      file,
      line,
      severity: "error",
      code: "dump-syntax",
      message: `not valid JSON or YAML: ${message}`,
    });
    return true;
  }
  return objectsOfJson(value, file, { file }, out, { arrays: true, quiet: true });
}

/**
 * Offset of the first JSON syntax error in `text` (Node's JSON.parse no longer says where), or -1. A plain
 * recursive-descent walk that builds nothing; only called after JSON.parse has failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === "\\" ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === "{") {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ":") fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    const word = c === "t" ? "true" : c === "f" ? "false" : c === "n" ? "null" : undefined;
    if (c === '"') string();
    else if (word) literal(word);
    else {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === "number" ? at : -1;
  }
}

/** Line of a JSON.parse error, found by walking the text, and the parser's message. */
export function jsonErrorAt(text: string, error: unknown, firstLine = 1): { line: number; message: string } {
  const message = (error instanceof Error ? error.message : String(error))
    .split("\n")[0]!
    .replace(/, ".*$/, "");
  const at = jsonErrorOffset(text);
  let line = firstLine;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return { line, message };
}

const TIME_KEY = /(?:Time|Timestamp|At|^time)$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
/** A clock skewed into the future must not make every age negative. */
const FUTURE_SLACK_MS = 24 * 3600_000;

/**
 * The newest time written in the objects (events' lastTimestamp, conditions' transition and heartbeat times,
 * containers' start and finish times, creation times): the latest the dump can have been taken, never a file's
 * mtime. Values that are not RFC 3339 (some recorders drop the `T`) are passed over.
 */
export function newestTimestamp(objects: readonly SourcedObject[], now = Date.now()): string | undefined {
  let newest = Number.NEGATIVE_INFINITY;
  const visit = (value: unknown, key: string, depth: number): void => {
    if (depth > 12) return;
    if (typeof value === "string") {
      if (!TIME_KEY.test(key) || !RFC3339.test(value)) return;
      const t = Date.parse(value);
      if (!Number.isNaN(t) && t > newest && t <= now + FUTURE_SLACK_MS) newest = t;
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) visit(v, key, depth + 1);
      return;
    }
    if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) if (k !== "spec") visit(v, k, depth + 1);
  };
  for (const o of objects) visit(o.object, "", 0);
  return Number.isFinite(newest) ? new Date(newest).toISOString() : undefined;
}
