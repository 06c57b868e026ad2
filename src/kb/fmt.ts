// Rewrite a page in canonical form, refusing when printing would change what the page says.
import { readFile } from "node:fs/promises";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import type { Page } from "./model.js";
import { parsePage } from "./parse.js";
import { printPage } from "./print.js";

export interface FormatResult {
  text: string;
  changed: boolean;
}

export async function formatPageFile(file: string, opts: { write: boolean }): Promise<FormatResult> {
  const text = await readFile(file, "utf8");
  const page = parsePage(text, file);
  const out = printPage(page);
  if (out === text || !opts.write) return { text: out, changed: out !== text };
  if (!sameContent(page, parsePage(out, file)))
    throw new Error(
      `${file}: formatting would change what the page says; nothing was written (please report this page)`,
    );
  const release = await lockfile.lock(file, {
    stale: 10_000,
    retries: { retries: 400, minTimeout: 5, maxTimeout: 25 },
  });
  try {
    // Another writer may have changed the page while we printed it.
    if ((await readFile(file, "utf8")) !== text)
      throw new Error(`${file} changed while formatting; run fmt again`);
    await writeFileAtomic(file, out, { fsync: true });
  } finally {
    await release();
  }
  return { text: out, changed: true };
}

/** Same title, fields and sections, ignoring line numbers. */
export function sameContent(a: Page, b: Page): boolean {
  return JSON.stringify(contentOf(a)) === JSON.stringify(contentOf(b));
}

function contentOf(p: Page): unknown {
  return JSON.parse(
    JSON.stringify({ title: p.title, meta: p.meta, intro: p.intro, sections: p.sections }),
    (k, v) => (k === "line" || k === "start" || k === "end" || k === "source" ? undefined : v),
  );
}
