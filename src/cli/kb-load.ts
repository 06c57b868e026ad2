// Loading the knowledge base for a command, with --kb and --no-builtin.
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { Pitfall } from "../kb/model.js";
import { configFor } from "./common.js";
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

/**
 * The config (--config, else `.pitfall.yaml` found upward) and the pages it and the flags name. An ignore entry
 * naming a pitfall or rule that does not exist is a usage error with the file and line: it would silence nothing.
 */
export async function configAndKb(
  io: Io,
  flags: KbFlags & { config?: string },
): Promise<{ config: Config; kb: KnowledgeBase }> {
  const config = await configFor(io, flags.config);
  const kb = await loadKb(io, flags, config.kb);
  await checkIgnoreIds(config, kb);
  return { config, kb };
}

/** The config's ignore entries name pitfalls of these pages, or rules. */
export async function checkIgnoreIds(config: Config, kb: KnowledgeBase): Promise<void> {
  if (config.ignore.some((e) => e.pitfalls?.length)) {
    const { checkIgnoredIds, ConfigError } = await import("../config/load.js");
    const { allRules } = await import("../rules/index.js");
    const known = new Set([...kb.byId.keys(), ...allRules().map((r) => r.meta.id)]);
    try {
      checkIgnoredIds(config, known);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
}

export function zoneLabel(p: Pitfall): string {
  return p.zones.text || (p.zones.all ? "ALL" : p.zones.zones.join("+"));
}
