// image-pull: the pull policy behind a k3s pull failure, the runbook's image names, k3s only.
import { describe, expect, it } from "vitest";
import { imagePullRule, imageValues } from "../../src/rules/image-pull.js";
import { about, loadSnapshot, one, ruleFixture, runbookText, scan } from "./support.js";

describe("image-pull on its fixture", () => {
  it("blames Always (defaulted from :latest) and fills the import commands", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("image-pull")), [imagePullRule]);
    const f = one(findings, "fire-latest-always", "pull-policy-always");
    expect(f.data).toMatchObject({
      policy: "Always",
      policySource: "the default for a :latest tag",
      reason: "ImagePullBackOff",
    });
    expect(f.evidence?.map((e) => e.kind)).toEqual(["status", "status", "event"]);
    // The registry's answer, not the later back-off event.
    expect(f.evidence?.[2]?.text).toMatch(
      /^Warning Failed \(x11 over 40m, last 3m ago\): Failed to pull image/,
    );
    expect(runbookText(f)).toContain("RUN: sudo k3s ctr images list | grep ge-executor");
  });

  it("says the image is not imported when the policy never pulls", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("image-pull")), [imagePullRule]);
    const f = one(findings, "fire-never-not-imported", "image-not-imported");
    expect(f.data).toMatchObject({
      policy: "Never",
      policySource: "set in the spec",
      reason: "ErrImageNeverPull",
    });
    const text = runbookText(f);
    expect(text).toContain("grep tools");
    expect(text).toContain("docker build -t registry.ge.local:5000/ge/tools:latest .");
  });

  it("leaves a pod on a managed node alone even in a k3s target", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("image-pull")), [imagePullRule]);
    expect(about(findings, "dont-fire-managed-node")).toEqual([]);
  });

  it("is a k3s-only rule: the engine does not run it on a managed target", async () => {
    expect(imagePullRule.meta.distribution).toBe("k3s");
    const result = await scan(loadSnapshot(ruleFixture("image-pull"), { distribution: "managed" }), [
      imagePullRule,
    ]);
    expect(result.findings).toEqual([]);
    expect(result.skipped.map((s) => s.pitfall)).toContain("image-pull-failures-zone-1");
  });
});

describe("imageValues", () => {
  it.each([
    ["ge-executor:latest", "ge-executor", "ge-executor"],
    ["ge-executor", "ge-executor", "ge-executor"],
    ["localhost/ge/executor:1.2@sha256:" + "a".repeat(64), "localhost/ge/executor", "executor"],
    ["registry.ge.local:5000/ge/tools:1.2.0", "registry.ge.local:5000/ge/tools", "tools"],
  ])("%s → image %s, image-name %s", (ref, image, name) => {
    expect(imageValues(ref)).toEqual({ image, "image-name": name });
  });

  it("gives nothing for what is not an image reference", () => {
    expect(imageValues("Not An Image!")).toBeUndefined();
  });
});
