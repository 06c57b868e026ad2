// What the MCP server is given by whoever starts it (the CLI, `serve`): settings, never process state.
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { RedisSource } from "../service/scan.js";

/** The default target of the cluster tools, as `scan`'s flags give it. */
export interface McpTarget {
  /** A dump (files or folders); when set, the cluster tools read it instead of a cluster. */
  from?: string[];
  kubeconfig?: string;
  /** The value of KUBECONFIG. */
  kubeconfigEnv?: string;
  home?: string;
  context?: string;
  timeoutMs?: number;
}

export interface McpDeps {
  cwd: string;
  config: Config;
  /** Loads the pages (built-in, --kb, the --page); called again after add_pitfall changes the page. */
  loadKb(): Promise<KnowledgeBase>;
  target: McpTarget;
  /** The target's zone when the config and the nodes do not say it. */
  zone?: string;
  /** The page add_pitfall writes to; without it add_pitfall refuses. */
  page?: string;
  /** Redis settings for check_streams; the password comes from the server's environment or config only. */
  redis: RedisSource;
  /** Whether tool arguments may name files on this machine (the `from` of scan and explain). Default false. */
  allowPaths?: boolean;
  version: string;
}
