// The page's steps fitted to the finding: -c for the container, describe for a container that never ran, the
// object's own name where a step names it, redis-cli pointed at the Redis that was read.
import { describe, expect, it } from "vitest";
import type { Step } from "../kb/model.js";
import type { RunbookStep } from "../model/finding.js";
import { fillSteps } from "./fill.js";
import { fitLogSteps } from "./log-steps.js";
import { stepsNamingObject } from "./object-names.js";
import { redisStepsAt } from "./redis-steps.js";

const run = (text: string): RunbookStep => ({ kind: "RUN", text });
const step = (kind: Step["kind"], text: string) => ({ kind, text }) as Step;

describe("kubectl logs steps", () => {
  const page = [
    run("kubectl logs web-1 -n shop --previous"),
    run("kubectl logs web-1 -n shop | grep -i error"),
  ];

  it("add -c before any pipe when kubectl must be told the container", () => {
    expect(fitLogSteps(page, { container: "downloader", needsContainer: true }).map((s) => s.text)).toEqual([
      "kubectl logs web-1 -n shop --previous -c downloader",
      "kubectl logs web-1 -n shop -c downloader | grep -i error",
    ]);
  });

  it("leave a single-container pod's steps and steps that already choose a container alone", () => {
    expect(fitLogSteps(page, { container: "web", needsContainer: false })).toEqual(page);
    const chosen = [
      run("kubectl logs web-1 -c sidecar --previous"),
      run("kubectl logs -l app=web --tail=50"),
    ];
    expect(fitLogSteps(chosen, { container: "web", needsContainer: true })).toEqual(chosen);
  });

  it("give way to describe and events, once, for a container that never ran", () => {
    const fitted = fitLogSteps([step("THEN", "read the log") as RunbookStep, ...page], {
      container: "api",
      needsContainer: false,
      neverRan: true,
      pod: "web-1",
      namespace: "shop",
    });
    expect(fitted.map((s) => `${s.kind}: ${s.text}`)).toEqual([
      "THEN: read the log",
      "RUN: kubectl describe pod web-1 -n shop",
      "RUN: kubectl get events -n shop --field-selector involvedObject.name=web-1",
    ]);
  });
});

describe("steps that name the object", () => {
  const page = [
    step(
      "RUN",
      "kubectl annotate externalsecret ge-{service}-secrets -n ge-{namespace} force-sync=1 --overwrite",
    ),
    step("RUN", "kubectl rollout restart deployment ge-{service}"),
    step("THEN", "check ge-{service}-secrets in Vault"),
  ];

  it("take the object's name after its kind, and the placeholders its name fits", () => {
    const named = stepsNamingObject(page, "ExternalSecret", "ge-orchestrator-secrets");
    expect(named.values).toEqual({ service: "orchestrator" });
    const filled = fillSteps(named.steps, {
      namespace: "ge-agents",
      name: "ge-orchestrator-secrets",
      ...named.values,
    });
    expect(filled.map((s) => s.text)).toEqual([
      "kubectl annotate externalsecret ge-orchestrator-secrets -n ge-agents force-sync=1 --overwrite",
      "kubectl rollout restart deployment ge-orchestrator",
      "check ge-orchestrator-secrets in Vault",
    ]);
  });

  it("a name that does not fit the pattern still stands after the kind; what it cannot tell stays unfilled", () => {
    const named = stepsNamingObject(page, "ExternalSecret", "vault-creds");
    expect(named.values).toEqual({});
    const filled = fillSteps(named.steps, { namespace: "ge-agents", name: "vault-creds" });
    expect(filled[0]).toEqual({
      kind: "RUN",
      text: "kubectl annotate externalsecret vault-creds -n ge-agents force-sync=1 --overwrite",
    });
    expect(filled[1]).toEqual({
      kind: "RUN",
      text: "kubectl rollout restart deployment ge-{service}",
      unfilled: ["service"],
    });
  });

  it("short names and kind/name forms count; other kinds' words do not", () => {
    const steps = [
      step("RUN", "kubectl get es/{service}-es -o yaml"),
      step("RUN", "kubectl get deploy ge-{service}"),
    ];
    const named = stepsNamingObject(steps, "ExternalSecret", "billing-es");
    expect(named.values).toEqual({ service: "billing" });
    expect(named.steps.map((s) => s.text)).toEqual([
      "kubectl get es/{name} -o yaml",
      "kubectl get deploy ge-{service}",
    ]);
  });
});

describe("redis-cli steps", () => {
  const page = [
    run("redis-cli -p 6381 -a $REDIS_PASSWORD XPENDING triggers.x ge-executor-group - + 10"),
    run("echo done"),
  ];

  it("point at the host and port that were read, keeping the password reference", () => {
    expect(redisStepsAt(page, { host: "redis.ge-system", port: 6390 }).map((s) => s.text)).toEqual([
      "redis-cli -h redis.ge-system -p 6390 -a $REDIS_PASSWORD XPENDING triggers.x ge-executor-group - + 10",
      "echo done",
    ]);
  });

  it("carry TLS and the database, and replace the page's own host", () => {
    const steps = [run("redis-cli -h localhost --tls -p 6381 -a $REDIS_PASSWORD PING")];
    expect(redisStepsAt(steps, { host: "10.0.0.5", port: 6381, tls: true, db: 2 })[0]!.text).toBe(
      "redis-cli -h 10.0.0.5 -p 6381 --tls -n 2 -a $REDIS_PASSWORD PING",
    );
  });
});
