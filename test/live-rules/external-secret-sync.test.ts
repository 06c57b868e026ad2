// external-secret-sync: failing and late ExternalSecrets, and the page's force-sync command with the real name.
import { describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import {
  externalSecretSyncRule,
  refreshIntervalOf,
  serviceOf,
} from "../../src/rules/external-secret-sync.js";
import { about, loadSnapshot, one, ruleFixture, runbookText, scan } from "./support.js";

function withExternalSecret(
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
): Snapshot {
  const snapshot = loadSnapshot(ruleFixture("external-secret-sync"));
  snapshot.objects = [
    {
      object: {
        apiVersion: "external-secrets.io/v1beta1",
        kind: "ExternalSecret",
        metadata: { name, namespace: "ge-agents" },
        spec,
        status,
      },
      origin: {},
    },
  ];
  return snapshot;
}

describe("external-secret-sync on its fixture", () => {
  it("reports a failing sync with the condition and the operator's event", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("external-secret-sync")), [
      externalSecretSyncRule,
    ]);
    const f = one(findings, "fire-sync-failed", "sync-failed");
    expect(f.message).toBe(
      "ExternalSecret fire-sync-failed is not syncing (SecretSyncedError): Secret ge-api-secrets keeps its old value, or does not exist",
    );
    expect(f.evidence?.map((e) => e.kind)).toEqual(["condition", "event"]);
  });

  it("reports a late sync with the interval in force and where it comes from", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("external-secret-sync")), [
      externalSecretSyncRule,
    ]);
    expect(one(findings, "fire-sync-stale", "sync-stale").data).toMatchObject({
      age: "5h",
      interval: "1h",
      intervalSource: "refreshInterval",
    });
    expect(one(findings, "fire-sync-stale-default", "sync-stale").data).toMatchObject({
      age: "3h",
      interval: "1h",
      intervalSource: "default",
    });
  });

  it("allows half an interval of slack", async () => {
    const spec = { refreshInterval: "1h" };
    const ready = [{ type: "Ready", status: "True" }];
    const onTime = withExternalSecret("ge-notes-secrets", spec, {
      conditions: ready,
      refreshTime: "2026-03-26T10:35:00Z",
    });
    expect((await scan(onTime, [externalSecretSyncRule])).findings).toEqual([]);
    const late = withExternalSecret("ge-notes-secrets", spec, {
      conditions: ready,
      refreshTime: "2026-03-26T10:25:00Z",
    });
    expect((await scan(late, [externalSecretSyncRule])).findings.map((f) => f.messageId)).toEqual([
      "sync-stale",
    ]);
  });

  it("fills ge-{service}-secrets with the ExternalSecret's own name, whether or not it fits the page's pattern", async () => {
    const failing = {
      conditions: [{ type: "Ready", status: "False", reason: "SecretSyncedError", message: "no" }],
    };
    const [ge] = (await scan(withExternalSecret("ge-ingest-secrets", {}, failing), [externalSecretSyncRule]))
      .findings;
    expect(runbookText(ge!)).toContain(
      "RUN: kubectl annotate externalsecret ge-ingest-secrets -n ge-agents force-sync=$(date +%s) --overwrite",
    );
    const [other] = (await scan(withExternalSecret("vault-creds", {}, failing), [externalSecretSyncRule]))
      .findings;
    // The word after `externalsecret` names the object the finding is about: its name stands there as it is.
    const run = other!.runbook?.find((s) => s.kind === "RUN");
    expect(run?.unfilled).toBeUndefined();
    expect(run?.text).toBe(
      "kubectl annotate externalsecret vault-creds -n ge-agents force-sync=$(date +%s) --overwrite",
    );
  });

  it("stays silent without a schedule or a status", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("external-secret-sync")), [
      externalSecretSyncRule,
    ]);
    for (const name of ["dont-fire-refresh-off", "dont-fire-on-change", "dont-fire-no-status"])
      expect(about(findings, name)).toEqual([]);
  });
});

describe("values and intervals", () => {
  it.each([
    ["ge-api-secrets", "api"],
    ["ge-agent-runner-secrets", "agent-runner"],
    ["ge-ge-legacy-secrets", "ge-ge-legacy"],
    ["vault-creds", ""],
    ["api-secrets", ""],
  ])("serviceOf(%s) = %s", (name, service) => {
    expect(serviceOf(name)).toBe(service);
  });

  it("reads refreshInterval, else the default", () => {
    expect(refreshIntervalOf({ refreshInterval: "15m" }, "1h")).toEqual({
      ms: 900_000,
      text: "15m",
      source: "refreshInterval",
    });
    expect(refreshIntervalOf({}, "1h")).toEqual({ ms: 3_600_000, text: "1h", source: "default" });
    expect(refreshIntervalOf(undefined, "1h").source).toBe("default");
  });
});
