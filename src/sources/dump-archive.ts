// A .tar.gz (or .tar) dump as a tree, read as a stream: entries are never written to disk, only regular files are
// kept, one at a time. An archive is untrusted input: paths that climb out (`..`, absolute), links, devices, too
// many entries, too many bytes and gzip bombs are refused with a diagnostic, and the rest is still read.
import { createReadStream } from "node:fs";
import type { Diagnostic } from "../model/diagnostic.js";
import { displayPath } from "./manifest-files.js";
import {
  type DumpTree,
  isLogPath,
  kept,
  LOG_TAIL_BYTES,
  MAX_FILE_BYTES,
  type TreeFile,
  tooLarge,
  withoutTop,
} from "./dump-tree.js";

export interface ArchiveLimits {
  /** Entries listed at most. */
  entries: number;
  /** Bytes of all entries together, as the headers say (what extraction would write). */
  totalBytes: number;
  /** Decompressed bytes per compressed byte (a gzip bomb goes far past it). */
  ratio: number;
}

export const ARCHIVE_LIMITS: ArchiveLimits = { entries: 200_000, totalBytes: 8 * 1024 ** 3, ratio: 1000 };

/** gzip (1f 8b) or a tar header's `ustar` magic at offset 257. */
export function isArchive(head: Buffer): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return head.subarray(257, 262).toString("latin1") === "ustar";
}

/** Why an entry's path is refused, or undefined for a safe one (relative, no `..`, no NUL, no backslash). */
export function unsafePath(p: string): string | undefined {
  if (p.includes("\0")) return "has a NUL byte";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "is absolute";
  if (p.includes("\\")) return "has a backslash";
  if (p.split("/").includes("..")) return "climbs out with ..";
  return undefined;
}

interface Entry {
  path: string;
  type: string;
  size: number;
  resume(): void;
  on(event: "data", cb: (chunk: Buffer) => void): void;
  on(event: "end", cb: () => void): void;
}

/** One pass over the archive; `onEntry` sees each entry and must consume or resume it. */
async function pass(
  file: string,
  limits: ArchiveLimits,
  onEntry: (entry: Entry) => void,
  onWarn: (message: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const { Parser } = await import("tar");
  const parser = new Parser({ maxDecompressionRatio: limits.ratio, strict: false });
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      input.destroy();
      parser.abort(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal?.addEventListener("abort", stop, { once: true });
    const done = (error?: unknown) => {
      signal?.removeEventListener("abort", stop);
      input.destroy();
      if (error) reject(error);
      else resolve();
    };
    parser.on("entry", (entry: Entry) => onEntry(entry));
    parser.on("warn", (_code: string, message: string) => onWarn(message));
    parser.on("error", (error: Error) => done(signal?.aborted ? signal.reason : error));
    parser.on("end", () => done());
    input.on("error", (error) => done(error));
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}

/** Lists the archive (first pass), then reads the files asked for (second pass), each bounded. */
export async function archiveTree(
  file: string,
  cwd: string,
  opts: { signal?: AbortSignal; limits?: ArchiveLimits } = {},
): Promise<DumpTree> {
  const limits = opts.limits ?? ARCHIVE_LIMITS;
  const shown = displayPath(file, cwd);
  const problems: Diagnostic[] = [];
  const problem = (message: string, code = "dump-archive"): void => {
    problems.push({ file: shown, line: 1, severity: "error", code, message });
  };
  const listed: TreeFile[] = [];
  const seen = new Set<string>();
  let entries = 0;
  let total = 0;
  let refused = 0;
  let over = false;
  const normal = (p: string) => p.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  try {
    await pass(
      file,
      limits,
      (entry) => {
        entry.resume();
        if (over) return;
        entries++;
        total += entry.size;
        if (entries > limits.entries || total > limits.totalBytes) {
          over = true;
          problem(
            entries > limits.entries
              ? `the archive has more than ${limits.entries} entries; only the first ${limits.entries} are read`
              : `the archive's files add up to more than ${Math.round(limits.totalBytes / 1024 ** 3)} GiB; the rest is not read (extract it and name the folder)`,
          );
          return;
        }
        const p = normal(entry.path);
        const unsafe = unsafePath(entry.path);
        if (unsafe) {
          refused++;
          if (refused <= 5)
            problem(`entry ${JSON.stringify(entry.path)} ${unsafe}; refused`, "dump-archive-path");
          return;
        }
        // Links, devices and FIFOs are never followed or made: a link's target is read as itself when it is a file here.
        if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") return;
        if (!p || seen.has(p)) return;
        seen.add(p);
        listed.push({ path: p, size: entry.size });
      },
      (message) => problem(`${message}`),
      opts.signal,
    );
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    problem(`not a readable tar archive: ${(error as Error).message}`);
  }
  if (refused > 5) problem(`${refused - 5} more entries with unsafe paths refused`, "dump-archive-path");
  listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { files, top } = withoutTop(listed);
  const prefix = top ? `${top}/` : "";
  return {
    shown,
    files,
    ...(top ? { top } : {}),
    show: (p) => `${shown}:${prefix}${p}`,
    problems,
    async read(paths, visit) {
      if (paths.size === 0) return;
      const wanted = new Set([...paths].map((p) => prefix + p));
      const done = new Set<string>();
      // Listed once already: a failure now (a truncated or corrupt end) keeps what was read before it.
      await pass(
        file,
        limits,
        (entry) => {
          const p = normal(entry.path);
          const isFile = entry.type === "File" || entry.type === "OldFile" || entry.type === "ContiguousFile";
          if (!isFile || !wanted.has(p) || done.has(p) || unsafePath(entry.path)) {
            entry.resume();
            return;
          }
          done.add(p);
          const rel = p.slice(prefix.length);
          const tail = isLogPath(p);
          if (!tail && entry.size > MAX_FILE_BYTES) {
            problems.push(tooLarge(`${shown}:${p}`, entry.size));
            entry.resume();
            return;
          }
          // A log keeps its last LOG_TAIL_BYTES: chunks past that are dropped as they come, so memory stays bounded.
          const chunks: Buffer[] = [];
          let held = 0;
          entry.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            held += chunk.length;
            while (tail && held - (chunks[0]?.length ?? 0) >= LOG_TAIL_BYTES) held -= chunks.shift()!.length;
          });
          entry.on("end", () => visit(rel, kept(p, Buffer.concat(chunks))));
        },
        () => {},
        opts.signal,
      ).catch((error: unknown) => {
        if (opts.signal?.aborted) throw error;
        problem(`the archive could not be read to its end: ${(error as Error).message}`);
      });
    },
  };
}
