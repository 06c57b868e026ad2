// The explicit registry of detectors. Add a rule by importing it here; ids must be unique.
import { externalSecretRefreshRule } from "./external-secret-refresh.js";
import { hostNetworkRule } from "./host-network.js";
import { imagePullPolicyRule } from "./image-pull-policy.js";
import { inClusterApiRule } from "./in-cluster-api.js";
import { nodeCapacityRule } from "./node-capacity.js";
import { redisPortRule } from "./redis-port.js";
import { resourcesRule } from "./resources.js";
import { crashLoopRule } from "./crash-loop.js";
import { etcdUpgradeRule } from "./etcd-upgrade.js";
import { externalSecretSyncRule } from "./external-secret-sync.js";
import { hostPortConflictRule } from "./host-port-conflict.js";
import { imagePullRule } from "./image-pull.js";
import { inClusterApiLiveRule } from "./in-cluster-api-live.js";
import { ingressBackendRule } from "./ingress-backend.js";
import { nodePressureRule } from "./node-pressure.js";
import { oomKilledRule } from "./oom-killed.js";
import { poisonMessageRule } from "./poison-message.js";
import { staleConsumerRule } from "./stale-consumer.js";
import { stuckPendingRule } from "./stuck-pending.js";
import { schedulingStarvationRule } from "./scheduling-starvation.js";
import type { Rule } from "./types.js";

const MANIFEST_RULES: Rule[] = [
  // manifest rules (lint) go here
  hostNetworkRule,
  resourcesRule,
  nodeCapacityRule,
  imagePullPolicyRule,
  inClusterApiRule,
  externalSecretRefreshRule,
  redisPortRule,
];

const LIVE_RULES: Rule[] = [
  // live rules (scan) go here
  crashLoopRule,
  oomKilledRule,
  imagePullRule,
  hostPortConflictRule,
  nodePressureRule,
  schedulingStarvationRule,
  externalSecretSyncRule,
  ingressBackendRule,
  inClusterApiLiveRule,
  etcdUpgradeRule,
];

const STREAMS_RULES: Rule[] = [
  // Redis Streams rules (streams, scan --redis) go here
  staleConsumerRule,
  stuckPendingRule,
  poisonMessageRule,
];

export function allRules(): Rule[] {
  const rules = [...MANIFEST_RULES, ...LIVE_RULES, ...STREAMS_RULES];
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.meta.id)) throw new Error(`duplicate rule id ${r.meta.id}`);
    seen.add(r.meta.id);
  }
  return rules;
}
