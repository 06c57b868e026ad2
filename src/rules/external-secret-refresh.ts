// External Secrets Operator refreshes on a timer: too short loads Vault, zero (or CreatedOnce) never delivers a rotation.
import { asRecord, asString, metaString } from "../k8s/fields.js";
import { formatDuration } from "../k8s/duration.js";
import { parseGoDuration } from "../k8s/go-duration.js";
import { durationSetting } from "./options.js";
import { defineRule } from "./types.js";

/** ESO API versions whose ExternalSecret has `spec.refreshInterval`. */
const API_VERSIONS = new Set(["external-secrets.io/v1beta1", "external-secrets.io/v1"]);

const MESSAGES = {
  "refresh-too-short":
    "ExternalSecret {{name}} refreshes every {{interval}}, below the recommended minimum of {{minimum}}: every refresh reads Vault; a rotated secret arrives within {{interval}}",
  "refresh-off":
    "ExternalSecret {{name}} never refreshes ({{how}}): a secret rotated in Vault does not reach the pods until someone forces a sync",
} as const;

export const externalSecretRefreshRule = defineRule({
  meta: {
    id: "external-secret-refresh",
    pitfall: "secret-sync-delays",
    runs: ["manifest"],
    description:
      "An ExternalSecret refreshing more often than the page's minimum, or never (refreshInterval 0, refreshPolicy CreatedOnce / OnChange).",
    looksAt: "ExternalSecret spec.refreshInterval, spec.refreshPolicy",
    kinds: ["ExternalSecret"],
    messages: MESSAGES,
  },
  options: (config) => ({
    defaultInterval: durationSetting(config.expect, "defaultRefreshInterval"),
    minimum: durationSetting(config.expect, "minRefreshInterval").ms,
  }),
  check(ctx, o) {
    if (!API_VERSIONS.has(asString(o.object.apiVersion) ?? "")) return [];
    const spec = asRecord(o.object.spec);
    if (!spec) return [];
    const name = metaString(o.object, "name") ?? "(unnamed)";
    // The runbook names `ge-{service}-secrets`; the fill keeps the `ge-` when the name already has it.
    const service = /^(.+)-secrets$/.exec(name)?.[1];
    const values = service ? { service } : undefined;
    const policy = asString(spec.refreshPolicy);
    if (policy === "CreatedOnce" || policy === "OnChange") {
      return [
        {
          messageId: "refresh-off",
          data: { name, how: `refreshPolicy: ${policy}` },
          path: ["spec", "refreshPolicy"],
          ...(values ? { values } : {}),
        },
      ];
    }
    const raw = spec.refreshInterval;
    const given = raw !== undefined && raw !== null;
    const { defaultInterval, minimum } = ctx.options;
    // ESO reads it with Go's time.ParseDuration; a value it refuses is an input error, reported as such.
    const parsed = given ? (typeof raw === "string" ? parseGoDuration(raw) : undefined) : undefined;
    const interval = given ? (parsed && "ms" in parsed ? parsed.ms : undefined) : defaultInterval.ms;
    if (interval === undefined || interval < 0) return [];
    const path = given ? ["spec", "refreshInterval"] : ["spec"];
    const shown = given ? String(raw) : `${defaultInterval.text} (the default)`;
    const evidence = [
      {
        kind: "field",
        text:
          interval === 0
            ? "a rotation never arrives by itself"
            : `a rotation in Vault reaches the Secret within ${formatDuration(interval)}`,
        source: given ? "spec.refreshInterval" : "ExternalSecret default refreshInterval",
      },
    ];
    if (interval === 0)
      return [
        {
          messageId: "refresh-off",
          data: { name, how: `refreshInterval: ${shown}` },
          path,
          evidence,
          ...(values ? { values } : {}),
        },
      ];
    if (interval >= minimum) return [];
    return [
      {
        messageId: "refresh-too-short",
        data: {
          name,
          interval: formatDuration(interval),
          minimum: formatDuration(minimum),
          effective: shown,
        },
        path,
        evidence,
        ...(values ? { values } : {}),
      },
    ];
  },
});
