// What the MCP server is given by whoever starts it (the CLI, `serve`): settings, never process state.
import type { Config } from "../config/model.js";
import type { KnowledgeBase } from "../kb/load.js";
import type { RedisSource } from "../service/scan.js";
import type { KubeAccess } from "../sources/kubeconfig.js";

/** The default target of the cluster tools, as `scan`'s flags give it. */
export interface McpTarget extends KubeAccess {
  /** A dump (files or folders); when set, the cluster tools read it instead of a cluster. */
  from?: string[];
  /** The server's own contexts (--context); the first is the default. None: the current context. */
  contexts?: string[];
  /** The server reads every context of its kubeconfig (serve --all-contexts): each one is its own. */
  allContexts?: boolean;
  /** How long one read may take: a cluster read, and a walk of a dump folder. */
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
  /**
   * Absolute paths (folders or files) a tool's `from` may name, besides the working directory: the --from and
   * --allow-path of the command line. Symlinks are resolved before the check.
   */
  pathRoots: string[];
  /** --read-only: the tools that write (add_pitfall) are not offered at all. */
  readOnly?: boolean;
  version: string;
}

/**
 * Who calls, as the transport knows it (never the tool's arguments). A trusted caller (stdio: the user's own
 * agent; HTTP: a request with the server's token) may name other kube contexts, other Redis servers and dump
 * paths under the allowed folders, and add pitfalls. Anyone else reaches only the server's own targets.
 */
export interface McpCaller {
  trusted: boolean;
  transport: "stdio" | "http";
  /** Runs CPU-heavy work (lint) in the server's queue; may throw ToolBusyError. Default: runs it now. */
  heavy?: <T>(work: () => T) => Promise<T>;
}
