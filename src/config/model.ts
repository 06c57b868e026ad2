// The settings a run uses, built by the CLI from flags, `.pitfall.yaml` and the environment.
import type { Distribution } from "../model/snapshot.js";

export interface ZoneConfig {
  distribution?: Distribution;
  /** Kube contexts that belong to this zone. */
  contexts?: string[];
}

export interface RedisConfig {
  url?: string;
  host?: string;
  /** The page's Redis listens on 6381. */
  port?: number;
  /** File holding the password; else REDIS_PASSWORD from the environment. */
  passwordFile?: string;
  tls?: boolean;
  db?: number;
  /** Stream key pattern for SCAN MATCH, e.g. `triggers.*`. */
  streams?: string;
  groups?: string[];
  /** Pending entries idle longer than this are stuck, e.g. `5m`. */
  idle?: string;
  /** Deliveries above this make a message poison. */
  poisonDeliveries?: number;
}

/** Values the page's facts depend on; a team can change them. */
export interface Expectations {
  /** The port Redis listens on (the page: 6381). */
  redisPort: number;
  /** Fraction of allocatable that total requests may reach (the page: 80%). */
  requestsThreshold: number;
  /** Shortest ExternalSecret refreshInterval the page recommends (15m). */
  minRefreshInterval: string;
  /** External Secrets Operator's default refreshInterval (1h). */
  defaultRefreshInterval: string;
  /** A crash loop older than this is escalated. */
  crashLoopEscalateAfter: string;
  /** A pod Pending (or still creating its containers) longer than this is failing. */
  pendingAfter: string;
  /** LAST_VERIFIED older than this is a page-lint warning. */
  lastVerifiedMaxAge: string;
}

export interface IgnoreRule {
  /** Glob over manifest paths (`**`, `*`, `{a,b}`, `[…]`). */
  path?: string;
  namespace?: string;
  /** Pitfall or rule ids; empty or absent means all. */
  pitfalls?: string[];
  reason?: string;
}

/** `pitfall guard`: how the team's shells spell commands. */
export interface GuardConfig {
  /** Shell aliases the guard expands, e.g. `k: kubectl`. */
  aliases?: Record<string, string>;
}

export interface Config {
  /** Where the config came from, for messages. */
  file?: string;
  /** The line of a setting in `file` (e.g. `["ignore", 0, "pitfalls", 1]`), for messages about it. */
  locate?(path: readonly (string | number)[]): number | undefined;
  zones: Record<string, ZoneConfig>;
  redis?: RedisConfig;
  expect: Expectations;
  ignore: IgnoreRule[];
  /** Extra pages or folders of pages. */
  kb: string[];
  guard?: GuardConfig;
}

export const DEFAULT_EXPECTATIONS: Expectations = {
  redisPort: 6381,
  requestsThreshold: 0.8,
  minRefreshInterval: "15m",
  defaultRefreshInterval: "1h",
  crashLoopEscalateAfter: "24h",
  pendingAfter: "5m",
  lastVerifiedMaxAge: "180d",
};

export function defaultConfig(): Config {
  return { zones: {}, expect: { ...DEFAULT_EXPECTATIONS }, ignore: [], kb: [] };
}
