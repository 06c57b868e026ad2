// crash-loop: the log classifier against the page's known causes, the loop's length and its escalation.
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import type { Finding } from "../../src/model/finding.js";
import {
  backoffLowerBoundMs,
  classifyCrashLog,
  crashLoopRule,
  escalationOf,
  missingReferenceOf,
} from "../../src/rules/crash-loop.js";
import { loadSnapshot, one, ruleFixture, scan } from "./support.js";

const REDIS_PORT = 6381;

describe("classifyCrashLog", () => {
  it.each([
    ["KeyError: 'DATABASE_URL'", "crash-loop-missing-env", { variable: "DATABASE_URL" }],
    ["Environment variable DEPLOY_ENV is undefined", "crash-loop-missing-env", { variable: "DEPLOY_ENV" }],
    ["Error: environment variable REDIS_URL not set", "crash-loop-missing-env", { variable: "REDIS_URL" }],
    [
      "fatal: Required environment variable API_KEY is not set",
      "crash-loop-missing-env",
      { variable: "API_KEY" },
    ],
    [
      "Error: Missing required environment variable: OPENAI_API_KEY",
      "crash-loop-missing-env",
      { variable: "OPENAI_API_KEY" },
    ],
    ["SESSION_SECRET is not set", "crash-loop-missing-env", { variable: "SESSION_SECRET" }],
    [
      "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
      "crash-loop-redis-port",
      { host: "redis", port: 6379, expectedPort: 6381 },
    ],
    [
      "[ioredis] Unhandled error event: Error: connect ECONNREFUSED 10.43.12.5:6379",
      "crash-loop-redis-port",
      { host: "10.43.12.5", port: 6379 },
    ],
    [
      "redis: dial tcp 10.43.12.5:6380: connect: connection refused",
      "crash-loop-redis-port",
      { host: "10.43.12.5", port: 6380 },
    ],
    [
      'psycopg2.errors.UndefinedTable: relation "agent_sessions" does not exist',
      "crash-loop-migration",
      { detail: 'relation "agent_sessions" does not exist' },
    ],
    [
      "sqlite3.OperationalError: no such table: jobs",
      "crash-loop-migration",
      { detail: "no such table: jobs" },
    ],
    [
      "ERROR 1146 (42S02): Table 'ge.accounts' doesn't exist",
      "crash-loop-migration",
      { detail: "Table 'ge.accounts' doesn't exist" },
    ],
    [
      "You have 3 unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): auth.",
      "crash-loop-migration",
      { detail: "You have 3 unapplied migration(s)" },
    ],
    [
      "alembic.util.exc.CommandError: Target database is not up to date.",
      "crash-loop-migration",
      { detail: "Target database is not up to date" },
    ],
    [
      "Invalid `prisma.user.findMany()` invocation: The table `public.User` does not exist in the current database.",
      "crash-loop-migration",
      { detail: "The table `public.User` does not exist in the current database" },
    ],
    [
      "ModuleNotFoundError: No module named 'ge_common.streams'",
      "crash-loop-import",
      { module: "ge_common.streams" },
    ],
    [
      "ImportError: cannot import name 'claim_orphans' from 'ge_common.redis' (/app/ge_common/redis.py)",
      "crash-loop-import",
      { module: "claim_orphans" },
    ],
    [
      "ImportError: libGL.so.1: cannot open shared object file: No such file or directory",
      "crash-loop-import",
      { module: "libGL.so.1: cannot open shared object file: No such file or directory" },
    ],
  ])("%s → %s", (line, messageId, data) => {
    const got = classifyCrashLog(`starting\n${line}\n`, REDIS_PORT);
    expect(got?.messageId).toBe(messageId);
    expect(got?.data).toMatchObject(data);
    expect(got?.line).toBe(line);
    expect(got?.index).toBe(1);
  });

  it.each([
    ["refused on the port Redis does listen on", "Error 111 connecting to redis:6381. Connection refused."],
    ["refused by Postgres, not Redis", "connect ECONNREFUSED 10.43.9.1:5432"],
    ["a KeyError on a dict, not the environment", "KeyError: 'user_id'"],
    ["nothing known", "panic: runtime error: index out of range [3] with length 3"],
    ["an empty log", ""],
  ])("leaves %s unclassified", (_what, line) => {
    expect(classifyCrashLog(line, REDIS_PORT)).toBeUndefined();
  });

  it("counts a lower-case KeyError as the environment when the traceback goes through os.environ", () => {
    const log =
      "  File \"/app/cfg.py\", line 3, in <module>\n    TOKEN = os.environ['api_token']\nKeyError: 'api_token'";
    expect(classifyCrashLog(log, REDIS_PORT)?.data).toEqual({ variable: "api_token" });
  });

  it("picks the error nearest the end of the log: the one that ended the run", () => {
    const log = [
      "WARNING redis: Error 111 connecting to redis:6379. Connection refused. (retrying)",
      "Traceback (most recent call last):",
      "ModuleNotFoundError: No module named 'yaml'",
    ].join("\n");
    expect(classifyCrashLog(log, REDIS_PORT)).toMatchObject({ cause: "import", index: 2 });
  });

  it("reads the configured Redis port", () => {
    const line = "Error 111 connecting to redis:6381. Connection refused.";
    expect(classifyCrashLog(line, 6379)?.data).toEqual({ host: "redis", port: 6381, expectedPort: 6379 });
  });

  it("keeps CRLF logs and never throws on odd input", () => {
    expect(classifyCrashLog("KeyError: 'DATABASE_URL'\r\n", REDIS_PORT)?.line).toBe(
      "KeyError: 'DATABASE_URL'",
    );
    expect(classifyCrashLog(undefined, REDIS_PORT)).toBeUndefined();
    expect(classifyCrashLog(42 as unknown as string, REDIS_PORT)).toBeUndefined();
  });
});

describe("missingReferenceOf", () => {
  it.each([
    ['secret "ge-api-secrets" not found', { resource: "Secret", name: "ge-api-secrets" }],
    ['configmap "ge-config" not found', { resource: "ConfigMap", name: "ge-config" }],
    [
      "couldn't find key DB_PASSWORD in Secret ge-system/ge-db",
      { resource: "Secret", name: "ge-db", key: "DB_PASSWORD" },
    ],
    [
      "couldn't find key mode in ConfigMap ge-agents/ge-config",
      { resource: "ConfigMap", name: "ge-config", key: "mode" },
    ],
  ])("%s", (message, want) => {
    expect(missingReferenceOf(message)).toEqual(want);
  });

  it("ignores other container config errors", () => {
    expect(missingReferenceOf("container has runAsNonRoot and image will run as root")).toBeUndefined();
    expect(missingReferenceOf(undefined)).toBeUndefined();
  });
});

describe("how long a loop has lasted", () => {
  it("adds up the kubelet's back-off: 10s doubling to a 5-minute cap", () => {
    expect(backoffLowerBoundMs(0)).toBe(0);
    expect(backoffLowerBoundMs(1)).toBe(10_000);
    expect(backoffLowerBoundMs(5)).toBe(310_000);
    expect(backoffLowerBoundMs(6)).toBe(610_000);
    // The page's orchestrator: 8509 restarts take at least 29.5 days at the cap.
    expect(backoffLowerBoundMs(8509) / 86_400_000).toBeCloseTo(29.53, 2);
  });

  it("escalates past crashLoopEscalateAfter, and to CRITICAL past seven times that", () => {
    const day = 86_400_000;
    expect(escalationOf(23 * 3_600_000, day)).toBeUndefined();
    expect(escalationOf(day, day)).toBe("HIGH");
    expect(escalationOf(6 * day, day)).toBe("HIGH");
    expect(escalationOf(7 * day, day)).toBe("CRITICAL");
    expect(escalationOf(2 * 3_600_000, 3_600_000)).toBe("HIGH");
  });

  it("an unreadable crashLoopEscalateAfter is an error that names the setting, not a silent default", () => {
    const config = defaultConfig();
    config.expect.crashLoopEscalateAfter = "soon";
    expect(() => crashLoopRule.options?.(config)).toThrow(
      /expect\.crashLoopEscalateAfter must be a duration such as 15m, 24h or 7d, not "soon"/,
    );
  });

  it("measures from the first BackOff event, the restart count, or the pod's start, and says which", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule]);
    expect(one(findings, "fire-redis-port", "crash-loop-redis-port").data).toMatchObject({
      duration: "30d",
      since: "first BackOff event",
    });
    // 64 restarts need at least 5h at the back-off; the pod is that old, so the pod's start bounds it.
    expect(one(findings, "fire-import", "crash-loop-import").data).toMatchObject({
      duration: "5h",
      since: "pod start",
    });
    expect(one(findings, "fire-unknown-cause", "crash-loop").data).toMatchObject({
      duration: "2m30s",
      since: "restart count",
    });
  });

  it("escalates by a configured age", async () => {
    const config = defaultConfig();
    config.expect.crashLoopEscalateAfter = "1h";
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule], config);
    expect(one(findings, "fire-import", "crash-loop-import").severity).toBe("HIGH");
    expect(one(findings, "fire-migration", "crash-loop-migration").severity).toBe("MEDIUM");
  });
});

describe("crash-loop on its fixture", () => {
  it("names init and sidecar containers as such and fills the page's --previous command with -c", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule]);
    const env = one(findings, "fire-missing-env", "crash-loop-missing-env");
    expect(env.message).toBe(
      "init container migrate of pod fire-missing-env crash-loops (37 restarts, 2h45m) because environment variable DATABASE_URL is missing",
    );
    expect(env.container).toBe("migrate");
    expect(env.runbook?.find((s) => s.kind === "RUN")?.text).toBe(
      "kubectl logs fire-missing-env -n ge-agents --previous -c migrate",
    );
    expect(one(findings, "fire-import", "crash-loop-import").data.role).toBe("sidecar container");
    const key = one(findings, "fire-missing-secret-key", "missing-secret-key");
    expect(key.message).toBe(
      "container api of pod fire-missing-secret-key cannot start: key DB_PASSWORD is not in Secret ge-db",
    );
  });

  it("names the cause a crash loop's end shows: OOMKilled at its limit, or killed after failing its liveness probe", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule]);
    expect(one(findings, "fire-oom-loop", "crash-loop-oom").message).toBe(
      "container memory-eater of pod fire-oom-loop crash-loops (6 restarts, 10m10s) because it is OOMKilled: its memory limit is 100Mi",
    );
    const probe = one(findings, "fire-liveness-loop", "crash-loop-probe");
    expect(probe.message).toContain(
      "because its liveness probe fails and the kubelet kills it (exit code 137): Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
    expect(probe.evidence?.find((e) => e.kind === "event")?.text).toMatch(
      /^Warning Unhealthy \(x36 over 1h59m/,
    );
    const restarts = one(findings, "fire-liveness-restarts", "probe-restarts");
    expect(restarts.message).toBe(
      "container tunnel-front of pod fire-liveness-restarts keeps being restarted by its failing liveness probe: 430 restarts, the last one 8m7s ago (exit code 137): Liveness probe failed:",
    );
  });

  it("shows the last lines of a previous log that matches no known cause", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule]);
    expect(one(findings, "fire-unknown-cause", "crash-loop").evidence).toContainEqual({
      kind: "log",
      text: "panic: runtime error: invalid memory address or nil pointer dereference",
      source: "previous log, last lines",
    });
  });

  it("a container that never ran gets describe and events instead of logs --previous", async () => {
    const { findings } = await scan(loadSnapshot(ruleFixture("crash-loop")), [crashLoopRule]);
    const run = (f: Finding) => (f.runbook ?? []).filter((s) => s.kind === "RUN").map((s) => s.text);
    expect(run(one(findings, "fire-missing-secret", "missing-secret"))).toEqual([
      "kubectl describe pod fire-missing-secret -n ge-system",
      "kubectl get events -n ge-system --field-selector involvedObject.name=fire-missing-secret",
    ]);
    const init = one(findings, "fire-init-run-error", "run-error");
    expect(init.message).toBe(
      'init container install of pod fire-init-run-error cannot start its process (1 restarts): failed to start container "install": exec: "wge": executable file not found in $PATH: unknown',
    );
    expect(run(init)).toEqual([
      "kubectl describe pod fire-init-run-error -n ge-agents",
      "kubectl get events -n ge-agents --field-selector involvedObject.name=fire-init-run-error",
    ]);
  });

  it("falls back to the termination message when the previous log is not there", async () => {
    const snapshot = loadSnapshot(ruleFixture("crash-loop"));
    snapshot.previousLogs = new Map();
    const { findings } = await scan(snapshot, [crashLoopRule]);
    const f = one(findings, "fire-redis-port", "crash-loop-redis-port");
    expect(f.evidence?.find((e) => e.kind === "log")?.source).toBe("termination message");
    expect(one(findings, "fire-unknown-cause", "crash-loop").evidence?.some((e) => e.kind === "log")).toBe(
      false,
    );
  });
});
