// Loading the knowledge base for a command, with --kb and --no-builtin.
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { UsageError } from "./errors.js";
import type { Io } from "./io.js";

export interface KbFlags {
  kb?: string[];
  builtin?: boolean;
}

export async function loadKb(io: Io, flags: KbFlags, extra: string[] = []): Promise<KnowledgeBase> {
  const { loadKnowledgeBase, PageNotFoundError } = await import("../kb/load.js");
  try {
    return await loadKnowledgeBase({
      paths: [...extra, ...(flags.kb ?? [])],
      cwd: io.cwd,
      builtin: flags.builtin !== false,
    });
  } catch (e) {
    if (e instanceof PageNotFoundError)
      throw new UsageError(`${e.message} (--kb takes a page file or a folder of .md/.txt pages)`);
    throw e;
  }
}

export function zoneLabel(p: Pitfall): string {
  return p.zones.text || (p.zones.all ? "ALL" : p.zones.zones.join("+"));
}
