// Secret sync delays, live: an ExternalSecret that fails to sync, or has not synced for longer than its interval.
import { parseDuration, ageMs, ageText } from "../k8s/duration.js";
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { conditionsOf } from "../k8s/status.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { eventEvidence, eventsOf } from "./live-evidence.js";
import { durationSetting } from "./options.js";
import { defineRule } from "./types.js";

export const SECRET_SYNC_PITFALL = "secret-sync-delays";

// ESO requeues at the interval after the last refresh; half an interval more (at least 5 minutes) is late.
const SLACK_FACTOR = 0.5;
const MIN_SLACK_MS = 300_000;

/**
 * `{service}` for the page's `ge-{service}-secrets`: the name without `ge-` and `-secrets`. A name of another
 * shape cannot be written that way, so the value is empty and the placeholder stays visible rather than wrong.
 */
export function serviceOf(name: string): string {
  const middle = /^ge-(.+)-secrets$/.exec(name)?.[1];
  if (middle === undefined) return "";
  // A value that itself starts with `ge-` replaces the page's prefix when filled, so keep the prefix on it then.
  return middle.startsWith("ge-") ? `ge-${middle}` : middle;
}

/** The refresh interval in force: `spec.refreshInterval`, else the operator's default. */
export function refreshIntervalOf(
  spec: Record<string, unknown> | undefined,
  defaultInterval: string,
): { ms: number | undefined; text: string; source: "refreshInterval" | "default" } {
  const own = asString(spec?.refreshInterval);
  if (own !== undefined && own !== "")
    return { ms: parseDuration(own), text: own, source: "refreshInterval" };
  return { ms: parseDuration(defaultInterval), text: defaultInterval, source: "default" };
}

const MESSAGES = {
  "sync-failed":
    "ExternalSecret {{name}} is not syncing ({{reason}}): Secret {{target}} keeps its old value, or does not exist",
  "sync-stale":
    "ExternalSecret {{name}} last synced {{age}} ago, longer than its refresh interval of {{interval}} ({{intervalSource}})",
} as const;

export const externalSecretSyncRule = defineRule({
  meta: {
    id: "external-secret-sync",
    pitfall: SECRET_SYNC_PITFALL,
    runs: ["live"],
    needs: ["events"],
    description:
      "ExternalSecrets whose Ready condition is False, or whose last refresh is older than their refresh interval: pods keep the old value.",
    looksAt:
      "ExternalSecret status.conditions[Ready], status.refreshTime, spec.refreshInterval, spec.refreshPolicy",
    kinds: ["ExternalSecret"],
    messages: MESSAGES,
  },
  options: (config) => ({ defaultInterval: durationSetting(config.expect, "defaultRefreshInterval").text }),
  check(ctx, object) {
    const es = object.object;
    const name = metaString(es, "name") ?? "";
    const namespace = metaString(es, "namespace") ?? "";
    const spec = asRecord(es.spec);
    const status = asRecord(es.status);
    const target = asString(asRecord(spec?.target)?.name) || name;
    // Empty `service` keeps a guessed name (from labels) out of the runbook; see serviceOf.
    const values = { service: serviceOf(name), namespace };

    const ready = conditionsOf(es).find((c) => c.type === "Ready");
    if (ready?.status === false) {
      const evidence: Evidence[] = [
        {
          kind: "condition",
          text: `Ready False (${ready.reason ?? "no reason"}): ${clip(ready.message ?? "")}`,
          source: "status.conditions[Ready]",
        },
      ];
      const event = eventsOf(ctx.lookup, es)
        .filter((e) => e.type === "Warning")
        .pop();
      if (event) evidence.push(eventEvidence(event, ctx.now));
      return [
        {
          messageId: "sync-failed",
          data: { name, reason: ready.reason ?? "Ready False", target },
          path: ["status", "conditions"],
          evidence,
          values,
        },
      ];
    }

    // Policies that do not refresh on a timer have no interval to be late against.
    const policy = asString(spec?.refreshPolicy);
    if (policy === "CreatedOnce" || policy === "OnChange") return [];
    const interval = refreshIntervalOf(spec, ctx.options.defaultInterval);
    if (interval.ms === undefined || interval.ms <= 0) return [];
    const age = ageMs(status?.refreshTime, ctx.now);
    if (age === undefined) return [];
    const slack = Math.max(interval.ms * SLACK_FACTOR, MIN_SLACK_MS);
    if (age <= interval.ms + slack) return [];
    return [
      {
        messageId: "sync-stale",
        data: { name, age: ageText(age), interval: interval.text, intervalSource: interval.source },
        path: ["status", "refreshTime"],
        evidence: [
          {
            kind: "status",
            text: `refreshTime ${asString(status?.refreshTime)} (${ageText(age)} ago); refresh interval ${interval.text} (${interval.source})`,
            source: "status.refreshTime",
          },
        ],
        values,
      },
    ];
  },
});
