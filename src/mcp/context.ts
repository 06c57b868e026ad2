// What every tool shares: the deps, and the pages loaded once (again after add_pitfall writes the page).
import type { KnowledgeBase } from "../kb/load.js";
import type { McpDeps } from "./deps.js";

export interface ToolContext {
  deps: McpDeps;
  kb(): Promise<KnowledgeBase>;
  /** The page changed: the next kb() reads the pages again. */
  reloadKb(): void;
}

export function toolContext(deps: McpDeps): ToolContext {
  let loaded: Promise<KnowledgeBase> | undefined;
  return {
    deps,
    kb() {
      loaded ??= deps.loadKb().catch((e) => {
        loaded = undefined;
        throw e;
      });
      return loaded;
    },
    reloadKb() {
      loaded = undefined;
    },
  };
}
