// A dump as a tree of files, whatever holds it: a folder on disk or a .tar.gz (dump-archive.ts). The per-layout
// readers see only `/`-separated paths relative to the dump's top, and read the files they pick in one pass.
import type { Dirent } from "node:fs";
import { lstat, open, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "../model/diagnostic.js";
import { displayPath, inputProblem } from "./manifest-files.js";

export interface TreeFile {
  /** `/`-separated, relative to the dump's top (a single top folder, as archives have, is left out). */
  path: string;
  size: number;
}

export interface DumpTree {
  /** What the user named, as shown in messages. */
  shown: string;
  /** Files, sorted by path. */
  files: TreeFile[];
  /** The single folder everything was under (`support-bundle-2024-05-01T10_00_00`), if any. */
  top?: string;
  /** The path of a file as messages show it. */
  show(file: string): string;
  /** Reads these files, in `files` order, handing each one's bytes to `visit`. */
  read(paths: ReadonlySet<string>, visit: (file: string, bytes: Buffer) => void): Promise<void>;
  /** Problems met while listing (unreadable folders, refused archive entries). */
  problems: Diagnostic[];
}

/** Largest file read whole; a dump file past it is reported, not read (a log keeps its last LOG_TAIL_BYTES). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** The end of a log is where the error is; more than this of a log is not kept. */
export const LOG_TAIL_BYTES = 1024 * 1024;

export function isLogPath(file: string): boolean {
  return /\.(log|txt)$/i.test(file);
}

/** The bytes kept of a file: a log's tail, anything else whole. */
export function kept(file: string, bytes: Buffer): Buffer {
  return isLogPath(file) && bytes.length > LOG_TAIL_BYTES
    ? bytes.subarray(bytes.length - LOG_TAIL_BYTES)
    : bytes;
}

/** Text of a file, or undefined for bytes that are not text (NUL bytes, which no JSON, YAML or log holds). */
export function textOf(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  return bytes.toString("utf8");
}

/** Files that say "this is the top of a dump" in one of the layouts. */
const MARKERS = /^(pitfall-dump\.json|version\.yaml|nodes\.json|cluster-resources\/.*)$/;

/**
 * Paths with one common top folder and nothing beside it lose that folder when the dump starts inside it (archives
 * are packed that way, and people name the folder they extracted into).
 */
export function withoutTop(files: TreeFile[]): { files: TreeFile[]; top?: string } {
  const first = files[0]?.path.split("/")[0];
  if (!first || files.some((f) => !f.path.startsWith(`${first}/`))) return { files };
  const inner = files.map((f) => ({ ...f, path: f.path.slice(first.length + 1) }));
  return inner.some((f) => MARKERS.test(f.path)) ? { files: inner, top: first } : { files };
}

/** A folder on disk. Dot-folders are skipped; symlinks are followed only to files inside the folder. */
export async function folderTree(root: string, cwd: string, signal?: AbortSignal): Promise<DumpTree> {
  const problems: Diagnostic[] = [];
  const realRoot = await realpath(root);
  const listed: TreeFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push(inputProblem(displayPath(dir, cwd), error));
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".")) await walk(full, relPath);
      } else if (entry.isFile()) {
        // A file gone since the listing (/proc, a rotated log) is skipped, not an error that ends the read.
        const size = await lstat(full).then(
          (info) => info.size,
          () => undefined,
        );
        if (size !== undefined) listed.push({ path: relPath, size });
      } else if (entry.isSymbolicLink()) {
        const target = await insideRoot(full, realRoot);
        if (target) listed.push({ path: relPath, size: target.size });
      }
    }
  };
  await walk(root, "");
  listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { files, top } = withoutTop(listed);
  const fullPath = (file: string) => path.join(root, ...(top ? [top] : []), ...file.split("/"));
  return {
    shown: displayPath(root, cwd),
    files,
    ...(top ? { top } : {}),
    show: (file) => displayPath(fullPath(file), cwd),
    problems,
    async read(paths, visit) {
      for (const f of files) {
        if (!paths.has(f.path)) continue;
        signal?.throwIfAborted();
        const bytes = await readFileBounded(fullPath(f.path), f.path, problems, cwd);
        if (bytes) visit(f.path, bytes);
      }
    },
  };
}

/** A symlink's target when it is a file inside the dump (a bundle is untrusted: a link must not reach out of it). */
async function insideRoot(link: string, realRoot: string) {
  try {
    const real = await realpath(link);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return undefined;
    const info = await stat(real);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

/** A file's bytes, a log's tail only, nothing past MAX_FILE_BYTES (reported). */
export async function readFileBounded(
  full: string,
  rel: string,
  problems: Diagnostic[],
  cwd: string,
): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(full, "r");
    const size = (await handle.stat()).size;
    const tail = isLogPath(rel) && size > LOG_TAIL_BYTES;
    if (!tail && size > MAX_FILE_BYTES) {
      problems.push(tooLarge(displayPath(full, cwd), size));
      return undefined;
    }
    const length = tail ? LOG_TAIL_BYTES : size;
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, (tail ? size - length : 0) + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  } catch (error) {
    problems.push(inputProblem(displayPath(full, cwd), error));
    return undefined;
  } finally {
    await handle?.close();
  }
}

export function tooLarge(file: string, size: number): Diagnostic {
  return {
    file,
    line: 1,
    severity: "error",
    code: "dump-too-large",
    message: `${file} is ${Math.round(size / 1024 / 1024)} MiB, more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB a dump file may have; skipped`,
  };
}

/**
 * Reads these files of the tree as text, in tree order; a binary one (a NUL byte, which no JSON, YAML or log holds)
 * is reported as `expected` would not be, and skipped.
 */
export function readTexts(
  tree: DumpTree,
  paths: ReadonlySet<string>,
  diagnostics: Diagnostic[],
  expected: string,
  visit: (file: string, text: string, shown: string) => void,
): Promise<void> {
  return tree.read(paths, (file, bytes) => {
    const shown = tree.show(file);
    const text = textOf(bytes);
    if (text === undefined)
      diagnostics.push({
        file: shown,
        line: 1,
        severity: "error",
        code: "dump-binary",
        message: `a binary file, not ${expected}; skipped`,
      });
    else visit(file, text, shown);
  });
}
