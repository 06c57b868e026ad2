// What every tool shares: the deps, the caller, and the pages loaded once (again after add_pitfall writes the page).
import type { KnowledgeBase } from "../kb/load.js";
import type { McpCaller, McpDeps } from "./deps.js";

export interface ToolContext {
  deps: McpDeps;
  caller: McpCaller;
  kb(): Promise<KnowledgeBase>;
  /** The page changed: the next kb() reads the pages again. */
  reloadKb(): void;
}

export function toolContext(deps: McpDeps, caller: McpCaller): ToolContext {
  let loaded: Promise<KnowledgeBase> | undefined;
  return {
    deps,
    caller,
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

/** The same pages, another caller (HTTP: one per request). */
export function forCaller(shared: ToolContext, caller: McpCaller): ToolContext {
  return {
    deps: shared.deps,
    caller,
    kb: () => shared.kb(),
    reloadKb: () => shared.reloadKb(),
  };
}
