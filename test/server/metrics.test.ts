// /metrics is valid Prometheus text: `promtool check metrics` reads the body without a complaint.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startTestServer, waitReady } from "./support.js";

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
const havePromtool = promtool.status === 0;
if (!havePromtool && process.env.CI === "true")
  throw new Error("promtool is missing: install Debian's prometheus package");
if (!havePromtool)
  console.warn("skipping the /metrics checks: promtool is not installed (apt-get install prometheus)");

function promtoolCheck(body: string) {
  return spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
}

// RBAC forbids listing Ingresses: an API error, and a resource left unread.
const FORBIDDEN = [{ kind: "forbidden" as const, resource: "ingresses" }];

describe.skipIf(!havePromtool)("metrics", () => {
  it("with --watch: passes promtool and counts findings, evaluations, API errors, unread resources", async () => {
    const t = await startTestServer({ watch: true, faults: FORBIDDEN });
    try {
      await waitReady(t.url);
      const r = await fetch(`${t.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await r.text();
      const check = promtoolCheck(body);
      expect(check.stderr + check.stdout).toBe("");
      expect(check.status).toBe(0);
      expect(body).toMatch(
        /^pitfall_findings\{pitfall="crashloopbackoff",severity="MEDIUM",zone="1",namespace="ge-agents"\} [1-9]/m,
      );
      expect(body).toMatch(/^pitfall_scan_duration_seconds_count 1$/m);
      expect(body).toMatch(/^pitfall_watch_evaluation_duration_seconds_count\{kind="full"\} 1$/m);
      expect(body).toMatch(/^pitfall_kubernetes_api_errors_total\{resource="ingresses",code="403"\} [1-9]/m);
      expect(body).toMatch(/^pitfall_incomplete_resources\{resource="ingresses"\} 1$/m);
      expect(body).toMatch(/^pitfall_process_resident_memory_bytes /m);
    } finally {
      await t.close();
    }
  });

  it("scanning: passes promtool and counts the scan, the API error and the unread resource", async () => {
    const t = await startTestServer({ faults: FORBIDDEN });
    try {
      await waitReady(t.url);
      const body = await (await fetch(`${t.url}/metrics`)).text();
      const check = promtoolCheck(body);
      expect(check.stderr + check.stdout).toBe("");
      expect(check.status).toBe(0);
      expect(body).toMatch(/^pitfall_scan_duration_seconds_count 1$/m);
      expect(body).toMatch(/^pitfall_kubernetes_api_errors_total\{resource="ingresses",code="403"\} 1$/m);
      expect(body).toMatch(/^pitfall_incomplete_resources\{resource="ingresses"\} 1$/m);
      expect(body).toMatch(
        /^pitfall_findings\{pitfall="oomkilled",severity="HIGH",zone="1",namespace="ge-agents"\} [1-9]/m,
      );
    } finally {
      await t.close();
    }
  });
});
