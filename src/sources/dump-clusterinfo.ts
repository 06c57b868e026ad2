// `kubectl cluster-info dump`: with --output-directory, nodes.json, <ns>/<kind>.json and <ns>/<pod>/logs.txt; without,
// the same Lists one after another on stdout with the log blocks between them. Both go through one line-by-line
// reader, so a dump file is read as a stream, once. The logs are the containers' current logs (kubectl takes no
// previous ones), each between `==== START logs for container <c> of pod <ns>/<pod> ====` and its END line.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { redact } from "../model/redact.js";
import { isBlank } from "./char-codes.js";
import {
  absentFromDump,
  type DumpParts,
  emptyParts,
  jsonErrorAt,
  objectsOfJson,
  parseKnownFile,
} from "./dump-objects.js";
import { type DumpTree, LOG_TAIL_BYTES, MAX_FILE_BYTES, readTexts } from "./dump-tree.js";

/** What `kubectl cluster-info dump` saves (staging/src/k8s.io/kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go). */
const SAVED = new Set([
  "nodes",
  "events",
  "replicationcontrollers",
  "services",
  "daemonsets",
  "deployments",
  "replicasets",
  "pods",
]);

const START = /^==== START logs for container (\S+) of pod ([^/\s]+)\/(\S+) ====\s*$/;
const END = /^==== END logs for container (\S+) of pod ([^/\s]+)\/(\S+) ====\s*$/;

/** Paths a cluster-info dump folder has: nodes.json, <ns>/<kind>.json, <ns>/<pod>/logs.txt. */
export function looksLikeClusterInfo(paths: readonly string[]): boolean {
  const kinds =
    /^[^/]+\/(pods|events|services|deployments|replicasets|daemonsets|replication-controllers)\.json$/;
  return (
    paths.includes("nodes.json") ||
    paths.filter((p) => kinds.test(p)).length >= 2 ||
    paths.some((p) => /^[^/]+\/[^/]+\/logs\.txt$/.test(p))
  );
}

function absent(plural: string): string {
  return SAVED.has(plural)
    ? `not in the dump: no ${plural} list was saved`
    : `not in the dump: kubectl cluster-info dump does not save ${plural}`;
}

export interface StreamSink {
  /** A complete top-level JSON value and the line it starts on. */
  value(text: string, line: number): void;
  /** A log block's text, keyed `namespace/pod/container`. */
  log(key: string, text: string): void;
  /** A line that is neither JSON nor a log block. */
  stray(line: number): void;
  /** A JSON value larger than a dump file may be, dropped. */
  tooLarge(line: number): void;
}

/**
 * Splits cluster-info output, line by line, into JSON values and log blocks. Brackets are counted outside strings
 * only, so a value may span lines or share one; inside a log block nothing is counted.
 */
export class ClusterInfoStream {
  private depth = 0;
  private inString = false;
  private escape = false;
  private parts: string[] = [];
  private size = 0;
  private valueLine = 0;
  private dropping = false;
  private block?: { key: string; lines: string[]; size: number };

  /** `json: false` for a logs.txt: lines outside the blocks are kubectl's own messages, not values. */
  constructor(
    private readonly sink: StreamSink,
    private readonly json = true,
  ) {}

  push(line: string, n: number): void {
    if (this.block) {
      const end = END.exec(line);
      if (end && `${end[2]}/${end[3]}/${end[1]}` === this.block.key) this.flushBlock();
      else this.keepLogLine(line);
      return;
    }
    if (this.depth === 0) {
      const start = START.exec(line);
      if (start) {
        this.block = { key: `${start[2]}/${start[3]}/${start[1]}`, lines: [], size: 0 };
        return;
      }
      if (line.trim() === "" || !this.json) return;
    }
    this.scan(line, n);
  }

  /** At the end of the input: a block without its END line is still a log; an unclosed value is reported. */
  end(n: number): void {
    if (this.block) this.flushBlock();
    if (this.depth > 0) {
      this.sink.stray(this.valueLine);
      this.reset();
    }
    void n;
  }

  private keepLogLine(line: string): void {
    const b = this.block!;
    b.lines.push(line);
    b.size += line.length + 1;
    // Only the tail of a log is kept: the error that ended a run is at its end.
    while (b.size > LOG_TAIL_BYTES && b.lines.length > 1) b.size -= b.lines.shift()!.length + 1;
  }

  private flushBlock(): void {
    const b = this.block!;
    this.block = undefined;
    this.sink.log(b.key, b.lines.length ? `${b.lines.join("\n")}\n` : "");
  }

  private reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.parts = [];
    this.size = 0;
    this.dropping = false;
  }

  private scan(line: string, n: number): void {
    let from = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (this.depth === 0) {
        if (c === 123 || c === 91) {
          this.depth = 1;
          this.valueLine = n;
          from = i;
          continue;
        }
        if (isBlank(c)) continue;
        this.sink.stray(n);
        return;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          this.parts.push(line.slice(from, i + 1));
          if (this.dropping) this.sink.tooLarge(this.valueLine);
          else this.sink.value(this.parts.join("\n"), this.valueLine);
          this.reset();
          from = i + 1;
        }
      }
    }
    if (this.depth > 0 && !this.dropping) {
      const piece = line.slice(from);
      this.size += piece.length + 1;
      if (this.size > MAX_FILE_BYTES) {
        this.dropping = true;
        this.parts = [];
      } else this.parts.push(piece);
    }
  }
}

/** A sink that turns values into objects and blocks into current logs, for one file of the dump. */
function sinkInto(parts: DumpParts, shown: string): StreamSink & { strays: number[]; values: number } {
  const strays: number[] = [];
  return {
    strays,
    values: 0,
    value(text, line) {
      this.values++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const at = jsonErrorAt(text, error, line);
        parts.diagnostics.push({
          file: shown,
          line: at.line,
          severity: "error",
          code: "dump-syntax",
          message: `not valid JSON: ${at.message}`,
        });
        return;
      }
      if (!objectsOfJson(value, shown, { file: shown }, parts, { quiet: true }))
        parts.diagnostics.push({
          file: shown,
          line,
          severity: "warning",
          code: "not-kubernetes",
          message: "a JSON value without `apiVersion` and `kind`, so not a Kubernetes object; skipped",
        });
    },
    // Redacted whole, before anything splits it into lines: a private key spans lines.
    log: (key, text) => parts.currentLogs.set(key, redact(text)),
    stray: (line) => strays.push(line),
    tooLarge: (line) =>
      parts.diagnostics.push({
        file: shown,
        line,
        severity: "error",
        code: "dump-too-large",
        message: `a JSON value larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; skipped`,
      }),
  };
}

function reportStrays(parts: DumpParts, shown: string, strays: number[]): void {
  if (strays.length === 0) return;
  parts.diagnostics.push({
    file: shown,
    line: strays[0]!,
    severity: "error",
    code: "dump-syntax",
    message: `${strays.length === 1 ? "a line" : `${strays.length} lines`} neither JSON nor inside a "==== START logs for container …" block; skipped`,
  });
}

/** `kubectl cluster-info dump > FILE`: read as a stream of lines. */
export async function readClusterInfoFile(
  file: string,
  shown: string,
  signal?: AbortSignal,
): Promise<DumpParts> {
  const parts = emptyParts("cluster-info", absent);
  const sink = sinkInto(parts, shown);
  const stream = new ClusterInfoStream(sink);
  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const line of lines) {
    if (++n % 4096 === 0) signal?.throwIfAborted();
    stream.push(line, n);
  }
  stream.end(n);
  reportStrays(parts, shown, sink.strays);
  // One JSON value and no log block is a plain `kubectl get -o json` file: pitfall's own layout, one file of it.
  if (sink.values <= 1 && parts.currentLogs.size === 0)
    return { ...parts, layout: "pitfall", absent: absentFromDump(false) };
  return parts;
}

/** Cluster-info output already in memory (a `.dump` file inside a folder); values and blocks go into `parts`. */
export function readClusterInfoText(text: string, shown: string, parts: DumpParts): void {
  const sink = sinkInto(parts, shown);
  const stream = new ClusterInfoStream(sink);
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    stream.push(line, i + 1);
  });
  stream.end(lines.length);
  reportStrays(parts, shown, sink.strays);
}

/** `kubectl cluster-info dump --output-directory DIR`. */
export async function readClusterInfoTree(tree: DumpTree): Promise<DumpParts> {
  const parts = emptyParts("cluster-info", absent);
  const wanted = new Set(
    tree.files.filter((f) => /\.json$/i.test(f.path) || /(^|\/)logs\.txt$/.test(f.path)).map((f) => f.path),
  );
  for (const f of tree.files) if (!wanted.has(f.path)) parts.skipped.push(f.path);
  await readTexts(tree, wanted, parts.diagnostics, "JSON or a log", (file, text, shown) => {
    if (file.endsWith("logs.txt")) {
      const sink = sinkInto(parts, shown);
      const stream = new ClusterInfoStream(sink, false);
      text.split("\n").forEach((line, i) => {
        stream.push(line, i + 1);
      });
      stream.end(0);
      return;
    }
    if (!parseKnownFile(text, shown, parts)) parts.skipped.push(file);
  });
  return parts;
}
