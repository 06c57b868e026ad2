// The knowledge base: the built-in page first, then the team's pages; later pages win on the same id.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../model/diagnostic.js";
import { type Page, type Pitfall, type ZoneDistribution, pitfallsOf } from "./model.js";
import { parsePage } from "./parse.js";

export interface KnowledgeBase {
  pages: Page[];
  /** Effective pitfalls, in page order, one per id (the last page that defines an id wins). */
  pitfalls: Pitfall[];
  byId: Map<string, Pitfall>;
  /** Parse problems of all pages. */
  diagnostics: Diagnostic[];
  /** Zone → distribution, merged over pages (later pages win per zone). */
  zoneMap: ZoneDistribution[];
  /** The built-in page's file name as pitfalls carry it, when it was loaded. */
  builtinFile?: string;
}

export interface LoadOptions {
  /** Pages or folders of pages; relative to cwd. */
  paths?: string[];
  cwd: string;
  /** Load the built-in page first (default true). */
  builtin?: boolean;
}

const PAGE_EXTENSIONS = new Set([".md", ".markdown", ".txt"]);

export class PageNotFoundError extends Error {
  override name = "PageNotFoundError";
}

export function builtinPagePath(): string {
  // Two levels up from src/kb or dist/kb is the package root, where kb/ ships.
  return fileURLToPath(new URL("../../kb/kubernetes.md", import.meta.url));
}

/** Page files named by the paths: files as given, folders searched recursively, sorted. */
export async function pageFiles(paths: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw new PageNotFoundError(`no such page or folder: ${p}`);
    if (st.isDirectory()) out.push(...(await walk(abs)));
    else out.push(abs);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (PAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

export async function loadKnowledgeBase(opts: LoadOptions): Promise<KnowledgeBase> {
  const files = [
    ...(opts.builtin === false ? [] : [builtinPagePath()]),
    ...(await pageFiles(opts.paths ?? [], opts.cwd)),
  ];
  const pages = await Promise.all(
    files.map(async (f) => parsePage(await readFile(f, "utf8"), displayPath(f, opts.cwd))),
  );
  const kb = knowledgeBaseOf(pages);
  if (opts.builtin !== false) kb.builtinFile = displayPath(builtinPagePath(), opts.cwd);
  return kb;
}

export function knowledgeBaseOf(pages: Page[]): KnowledgeBase {
  const byId = new Map<string, Pitfall>();
  const zones = new Map<number, ZoneDistribution>();
  for (const page of pages) {
    for (const p of pitfallsOf(page)) {
      // Re-inserting moves a team's override to its own page position.
      byId.delete(p.id);
      byId.set(p.id, p);
    }
    for (const z of page.zoneMap) zones.set(z.zone, z);
  }
  return {
    pages,
    pitfalls: [...byId.values()],
    byId,
    diagnostics: pages.flatMap((p) => p.diagnostics),
    zoneMap: [...zones.values()].sort((a, b) => a.zone - b.zone),
  };
}

function displayPath(file: string, cwd: string): string {
  const root = resolve(cwd);
  return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}
