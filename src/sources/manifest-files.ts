// Which files an input names (a file, or a folder searched recursively), and how to show their paths.
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import type { Diagnostic } from "../model/diagnostic.js";
import path from "node:path";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Absolute paths of the manifest files an input names, sorted; problems as diagnostics. */
export async function manifestFilesOf(
  input: string,
  cwd: string,
): Promise<{ files: string[]; problems: Diagnostic[] }> {
  const absolute = path.resolve(cwd, input);
  const files: string[] = [];
  const problems: Diagnostic[] = [];
  try {
    if (!(await stat(absolute)).isDirectory()) return { files: [absolute], problems };
  } catch (error) {
    problems.push(inputProblem(displayPath(absolute, cwd), error));
    return { files, problems };
  }
  files.push(
    ...(await objectFilesUnder(absolute, { folder: (name) => name === "node_modules" }, (dir, error) =>
      problems.push(inputProblem(displayPath(dir, cwd), error)),
    )),
  );
  if (files.length === 0 && problems.length === 0) {
    const shown = displayPath(absolute, cwd);
    problems.push({
      file: shown,
      line: 1,
      severity: "warning",
      code: "input-empty",
      message: `no .yaml, .yml or .json files in ${shown}`,
    });
  }
  // Plain code-unit order: the same on every machine and locale.
  files.sort();
  return { files, problems };
}

/** What a folder walk leaves out, besides dot-folders (.git, chart caches), which hold no objects. */
export interface WalkSkips {
  /** Folder names not entered (e.g. `node_modules`, a dump's `logs`); `atRoot` is true directly under the root. */
  folder?(name: string, atRoot: boolean): boolean;
  file?(name: string, atRoot: boolean): boolean;
}

/**
 * `.yaml`/`.yml`/`.json` files under a folder, recursively, unsorted; unreadable folders go to onError. An aborted
 * `signal` stops the walk (it throws the signal's reason).
 */
export async function objectFilesUnder(
  root: string,
  skips: WalkSkips,
  onError: (dir: string, error: unknown) => void,
  signal?: AbortSignal,
): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      onError(dir, error);
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith(".") || skips.folder?.(entry.name, dir === root)) continue;
        await walk(full);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (!MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
        if (skips.file?.(entry.name, dir === root)) continue;
        // Symlinked files are read; symlinked folders are not followed (they can loop).
        if (entry.isSymbolicLink() && !(await isFile(full))) continue;
        files.push(full);
      }
    }
  };
  await walk(root);
  return files;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The file's text, or the error; never rejects, so it can be started ahead of time. */
export function readText(file: string): Promise<string | Error> {
  return readFile(file, "utf8").catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
}

/** Relative to cwd when inside it, with `/` separators so output is the same everywhere. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  const inside = relative !== "" && !outside;
  return (inside ? relative : file).split(path.sep).join("/");
}

/** A file or folder that could not be read, as an error diagnostic on its first line. */
export function inputProblem(file: string, error: unknown): Diagnostic {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT"
      ? "no such file or folder"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a folder"
          : error instanceof Error
            ? error.message
            : String(error);
  return {
    file,
    line: 1,
    severity: "error",
    code: code === "ENOENT" ? "input-missing" : "input-unreadable",
    message: `cannot read ${file}: ${reason}`,
  };
}
