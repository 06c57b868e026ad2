// Folders whose YAML is source for a tool, not objects to apply: a Helm chart (Chart.yaml beside templates/) is
// Go templates until `helm template` renders it, and the patches a kustomization.yaml lists are fragments until
// `kubectl kustomize` merges them. Linting them as objects gives invalid-YAML errors and findings about fields
// a patch never meant to set; they are skipped with one note each that says what to lint instead.
import { stat } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { asList, asRecord, asString } from "../k8s/fields.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { displayPath, readText } from "./manifest-files.js";

// (`Kustomization` without an extension is never among the files a folder walk lists.)
const KUSTOMIZATION_NAMES = new Set(["kustomization.yaml", "kustomization.yml"]);
/** Fields of a kustomization that name files which are not objects to apply as they are. */
const PATCH_LISTS = ["patchesStrategicMerge", "patches", "patchesJson6902", "replacements"] as const;

export interface SourceFolders {
  /** The files to read as manifests. */
  files: string[];
  /** One note per chart and per kustomization whose files were skipped. */
  notes: Diagnostic[];
}

async function isFolder(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function note(file: string, code: string, message: string): Diagnostic {
  return { file, line: 1, severity: "warning", code, message };
}

/** `.`-relative folder for a command line: `.` for the working directory, `./x` is shown as `x`. */
function shownFolder(dir: string, cwd: string): string {
  const shown = displayPath(dir, cwd);
  return shown === "" || path.resolve(cwd, shown) === path.resolve(cwd) ? "." : shown;
}

/** The file paths a kustomization lists as patches (and replacements), resolved against its folder. */
function patchFilesOf(text: string, dir: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text, { logLevel: "silent" });
  } catch {
    return [];
  }
  const k = asRecord(doc);
  const out: string[] = [];
  for (const key of PATCH_LISTS)
    for (const item of asList(k?.[key])) {
      // A string is a file path, unless it is an inline patch (several lines of YAML).
      const file = typeof item === "string" && !item.includes("\n") ? item : asString(asRecord(item)?.path);
      if (file) out.push(path.resolve(dir, file));
    }
  return out;
}

/**
 * Under a folder input: leave out Helm charts and the kustomization files with the patches they list, with a note
 * for each. A file named on its own is always read.
 */
export async function withoutSourceFolders(
  input: string,
  files: string[],
  cwd: string,
): Promise<SourceFolders> {
  const root = path.resolve(cwd, input);
  if (files.length === 1 && files[0] === root) return { files, notes: [] };
  const notes: Diagnostic[] = [];
  const skipped = new Set<string>();

  // Outermost charts first, so a subchart under charts/ is covered by its parent's note.
  const charts: string[] = [];
  for (const file of files
    .filter((f) => path.basename(f) === "Chart.yaml")
    .sort((a, b) => a.length - b.length)) {
    const dir = path.dirname(file);
    if (charts.some((c) => dir.startsWith(c + path.sep))) continue;
    if (!(await isFolder(path.join(dir, "templates")))) continue;
    charts.push(dir);
    const shown = shownFolder(dir, cwd);
    notes.push(
      note(
        displayPath(file, cwd),
        "helm-chart-skipped",
        `${shown} is a Helm chart (Chart.yaml beside templates/): its templates are not YAML until Helm renders them, so it was skipped; lint what it renders: helm template ${shown} | pitfall lint -`,
      ),
    );
  }
  const inChart = (f: string) => charts.some((c) => f.startsWith(c + path.sep));
  for (const f of files) if (inChart(f)) skipped.add(f);

  const present = new Set(files);
  for (const file of files) {
    if (skipped.has(file) || !KUSTOMIZATION_NAMES.has(path.basename(file))) continue;
    // The kustomization itself is kustomize's input, never an object to apply.
    skipped.add(file);
    const text = await readText(file);
    if (typeof text !== "string") continue;
    const dir = path.dirname(file);
    const patches = patchFilesOf(text, dir).filter((p) => present.has(p) && !skipped.has(p));
    if (!patches.length) continue;
    for (const p of patches) skipped.add(p);
    const shown = shownFolder(dir, cwd);
    const list = patches
      .map((p) => displayPath(p, cwd))
      .sort()
      .join(", ");
    notes.push(
      note(
        displayPath(file, cwd),
        "kustomize-patches-skipped",
        `${patches.length === 1 ? "1 patch" : `${patches.length} patches`} of ${displayPath(file, cwd)} skipped (${list}): a patch is not a whole object until kustomize merges it; lint what kustomize renders: kubectl kustomize ${shown} | pitfall lint -`,
      ),
    );
  }
  return { files: files.filter((f) => !skipped.has(f)), notes };
}
