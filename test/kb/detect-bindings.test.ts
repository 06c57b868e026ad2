// DETECT lines a person writes in one line: `podSpec` applies to every object that has one (Pod, workloads, CronJob,
// an Argo Rollout), `containers` walks init, regular and ephemeral containers, and each finding points at the field
// the line is about. Through `pitfall lint`, as a team meets it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const TEAM_PAGE = `# Team pitfalls

## Pods on the Host Network

Severity: HIGH
Zone: ALL

ANTI_PATTERN: hostNetwork: true anywhere a pod is made
FIX: use a Service

ADDED_FROM: relay-2026-05, the relay took port 8080 from the node
DETECT: podSpec.hostNetwork == true

## Unpinned Sidecars

Severity: LOW
Zone: ALL

FIX: pin every image, init containers and sidecars too

ADDED_FROM: mesh-2026-06, a sidecar moved to a new major version overnight
DETECT: containers.exists(c, c.kind != 'regular' && c.?image.orValue('').endsWith(':latest'))

## Debug Namespaces

Severity: LOW
Zone: ALL

FIX: drop the debug label

ADDED_FROM: logs-2026-07, debug logging filled the disk
DETECT: metadata.?labels.?debug.orValue('') == 'true' && kind != 'Namespace'
`;

const MANIFESTS = `apiVersion: v1
kind: Pod
metadata:
  name: probe
spec:
  hostNetwork: true
  containers:
    - name: probe
      image: probe:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: relay
spec:
  selector: { matchLabels: { app: relay } }
  template:
    metadata: { labels: { app: relay } }
    spec:
      containers:
        - name: relay
          image: relay:1.0
      hostNetwork: true
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: sweep
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          hostNetwork: true
          containers:
            - name: sweep
              image: sweep:1.0
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
spec:
  strategy: { canary: { steps: [{ setWeight: 20 }] } }
  template:
    spec:
      hostNetwork: true
      containers:
        - name: canary
          image: canary:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: quiet
  labels: { debug: "true" }
spec:
  template:
    spec:
      hostNetwork: false
      initContainers:
        - name: migrate
          image: migrate:2.0
        - name: proxy
          image: envoy:latest
          restartPolicy: Always
      containers:
        - name: app
          image: app:latest
---
apiVersion: v1
kind: Service
metadata:
  name: relay
spec:
  ports: [{ port: 80 }]
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-detect-bindings-"));
  writeFileSync(join(dir, "team.md"), TEAM_PAGE);
  writeFileSync(join(dir, "all.yaml"), MANIFESTS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lineOf = (needle: string, from = 0) =>
  MANIFESTS.split("\n").findIndex((l, i) => i >= from && l.includes(needle)) + 1;

async function lintFindings() {
  const r = await runCli(["lint", "all.yaml", "--kb", "team.md", "-o", "json"], { cwd: dir });
  expect(r.err).not.toMatch(/page .*team\.md/);
  return JSON.parse(r.out).findings as {
    pitfall: string;
    object: { kind: string; name: string };
    line: number;
  }[];
}

describe("a team page's one-line DETECT", () => {
  it("podSpec.hostNetwork == true fires on a Pod, a Deployment, a CronJob and a Rollout, each at its hostNetwork line", async () => {
    const found = (await lintFindings()).filter((f) => f.pitfall === "pods-on-the-host-network");
    const hostNetworkLines = MANIFESTS.split("\n").flatMap((l, i) =>
      l.trim() === "hostNetwork: true" ? [i + 1] : [],
    );
    expect(found.map((f) => [f.object.kind, f.object.name, f.line])).toEqual([
      ["Pod", "probe", hostNetworkLines[0]],
      ["Deployment", "relay", hostNetworkLines[1]],
      ["CronJob", "sweep", hostNetworkLines[2]],
      ["Rollout", "canary", hostNetworkLines[3]],
    ]);
  });

  it("containers walks init containers and sidecars, each with its kind, and points at the field of the one that matches", async () => {
    const found = (await lintFindings()).filter((f) => f.pitfall === "unpinned-sidecars");
    // The sidecar `proxy` (an init container with restartPolicy: Always) is the one; `app:latest` is regular.
    expect(found.map((f) => [f.object.name, f.line])).toEqual([["quiet", lineOf("image: envoy:latest")]]);
  });

  it("metadata and kind are bound, and a missing label reads as absent", async () => {
    const found = (await lintFindings()).filter((f) => f.pitfall === "debug-namespaces");
    expect(found.map((f) => [f.object.name, f.line])).toEqual([["quiet", lineOf("labels: { debug:")]]);
  });

  it("kb lint passes the page: each DETECT reads the object and tells the sample apart", async () => {
    const r = await runCli(["kb", "lint", "team.md", "--no-builtin"], { cwd: dir });
    expect(r.code).toBe(0);
  });
});
