// CrashLoopBackOff: which containers loop, for how long, and which of the page's known causes the log shows.
import { asRecord, asString, metaString, pathText } from "../k8s/fields.js";
import {
  type ContainerStatusAt,
  containerStatusesOf,
  lastTerminated,
  restartCountOf,
  runLengthMs,
  type Termination,
  waitingReason,
} from "../k8s/status.js";
import type { KubeObject } from "../model/kube.js";
import type { Severity } from "../model/severity.js";
import type { Evidence } from "../model/finding.js";
import { ageMs, ageText } from "../k8s/duration.js";
import { clip } from "../model/redact.js";
import { type EventView, eventContainer } from "../k8s/events.js";
import { containersOf } from "../k8s/containers.js";
import { eventEvidence, eventsOf } from "./live-evidence.js";
import { lastLines, logLines } from "../k8s/logs.js";
import { type DurationSetting, durationSetting, portSetting } from "./options.js";
import { defineRule, type ReportOf, type RuleContext } from "./types.js";

export const CRASH_LOOP_PITFALL = "crashloopbackoff";

// The kubelet's default crash back-off: 10 s, doubling, capped at 5 min (KubeletCrashLoopBackOffMax can shorten it).
const BACKOFF_START_MS = 10_000;
const BACKOFF_CAP_MS = 300_000;
// A loop this many times the escalation age is CRITICAL (7 days with the default 24h).
const CRITICAL_FACTOR = 7;

export type CrashCause = "missing-env" | "redis-port" | "migration" | "import";

export interface CrashClassification {
  cause: CrashCause;
  messageId: (typeof MESSAGE_IDS)[CrashCause];
  /** The log line that shows it. */
  line: string;
  /** 0-based index of that line in the log. */
  index: number;
  data: Record<string, string | number>;
}

interface LinePattern {
  cause: CrashCause;
  re: RegExp;
  /** Data from the match; undefined when the line does not count after all. */
  data(m: RegExpExecArray, log: string, redisPort: number): Record<string, string | number> | undefined;
}

const MESSAGE_IDS = {
  "missing-env": "crash-loop-missing-env",
  "redis-port": "crash-loop-redis-port",
  migration: "crash-loop-migration",
  import: "crash-loop-import",
} as const satisfies Record<CrashCause, string>;

const envName = (m: RegExpExecArray) => ({ variable: m[1]! });

/** Redis refused on a port other than the one Redis listens on; 6379 is Redis's default port. */
function redisRefused(m: RegExpExecArray, redisPort: number, redisSure: boolean) {
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port === redisPort) return undefined;
  if (!redisSure && port !== 6379 && !/redis/i.test(m.input)) return undefined;
  return { host: m[1]!, port, expectedPort: redisPort };
}

/** The page's known causes of a crash loop, as the lines that show them in a log. */
const PATTERNS: readonly LinePattern[] = [
  // Python: os.environ['X'] raises KeyError; an upper-case name or a traceback through environ says it is a variable.
  {
    cause: "missing-env",
    re: /\bKeyError: ['"]([A-Za-z_][A-Za-z0-9_]*)['"]/,
    data: (m, log) => (/^[A-Z][A-Z0-9_]*$/.test(m[1]!) || /environ/.test(log) ? envName(m) : undefined),
  },
  {
    cause: "missing-env",
    re: /[Ee]nvironment variables? ['"`]?([A-Za-z_][A-Za-z0-9_]*)['"`]? (?:is |was )?(?:undefined|not set|not defined|missing|required|must be set)/,
    data: envName,
  },
  {
    cause: "missing-env",
    re: /(?:[Mm]issing|[Rr]equired) (?:required )?(?:environment variable|env var)s?:? ['"`]?([A-Za-z_][A-Za-z0-9_]*)/,
    data: envName,
  },
  {
    cause: "missing-env",
    re: /\b([A-Z][A-Z0-9_]*)['"`]? (?:environment variable )?(?:is )?not set\b/,
    data: envName,
  },
  // redis-py: `Error 111 connecting to redis:6379. Connection refused.`
  {
    cause: "redis-port",
    re: /Error 111 connecting to ([^\s:]+):(\d+)\. Connection refused/,
    data: (m, _log, port) => redisRefused(m, port, true),
  },
  // ioredis / node: `connect ECONNREFUSED 10.43.12.5:6379`
  {
    cause: "redis-port",
    re: /ECONNREFUSED (\S+):(\d+)\b/,
    data: (m, _log, port) => redisRefused(m, port, false),
  },
  // go-redis: `dial tcp 10.43.12.5:6379: connect: connection refused`
  {
    cause: "redis-port",
    re: /dial tcp (\S+):(\d+): connect: connection refused/,
    data: (m, _log, port) => redisRefused(m, port, false),
  },
  { cause: "migration", re: /relation "[^"]+" does not exist/, data: (m) => ({ detail: m[0] }) },
  {
    cause: "migration",
    re: /column "[^"]+"(?: of relation "[^"]+")? does not exist/,
    data: (m) => ({ detail: m[0] }),
  },
  { cause: "migration", re: /no such table: [\w.]+/, data: (m) => ({ detail: m[0] }) },
  { cause: "migration", re: /Table '[^']+' doesn't exist/, data: (m) => ({ detail: m[0] }) },
  {
    cause: "migration",
    re: /The table `[^`]+` does not exist in the current database/,
    data: (m) => ({ detail: m[0] }),
  },
  { cause: "migration", re: /You have \d+ unapplied migration\(s\)/, data: (m) => ({ detail: m[0] }) },
  { cause: "migration", re: /Target database is not up to date/, data: (m) => ({ detail: m[0] }) },
  { cause: "migration", re: /Can't locate revision identified by '[^']+'/, data: (m) => ({ detail: m[0] }) },
  {
    cause: "migration",
    re: /[Ff]ollowing migrations? (?:have|has) not yet been applied/,
    data: (m) => ({ detail: m[0] }),
  },
  { cause: "import", re: /ModuleNotFoundError: No module named '([^']+)'/, data: (m) => ({ module: m[1]! }) },
  { cause: "import", re: /ImportError: cannot import name '([^']+)'/, data: (m) => ({ module: m[1]! }) },
  { cause: "import", re: /ImportError: No module named '?([\w.]+)'?/, data: (m) => ({ module: m[1]! }) },
  { cause: "import", re: /ImportError: (\S.*)$/, data: (m) => ({ module: m[1]!.trim() }) },
];

/**
 * Which known cause a crashed container's log shows. The matching line nearest the end wins: the error that ended
 * the run is written last.
 */
export function classifyCrashLog(
  log: string | undefined,
  redisPort: number,
): CrashClassification | undefined {
  const lines = logLines(log);
  const text = lines.join("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const p of PATTERNS) {
      const m = p.re.exec(line);
      const data = m ? p.data(m, text, redisPort) : undefined;
      if (data) return { cause: p.cause, messageId: MESSAGE_IDS[p.cause], line: clip(line), index: i, data };
    }
  }
  return undefined;
}

export interface MissingReference {
  resource: "Secret" | "ConfigMap";
  name: string;
  key?: string;
}

/** `secret "x" not found`, `configmap "x" not found`, `couldn't find key K in Secret ns/x`. */
export function missingReferenceOf(message: string | undefined): MissingReference | undefined {
  if (!message) return undefined;
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) (?:[^/\s]+\/)?(\S+)/.exec(message);
  if (key) return { resource: key[2] as MissingReference["resource"], name: key[3]!, key: key[1]! };
  const m = /\b(secret|configmap) "([^"]+)" not found/i.exec(message);
  if (!m) return undefined;
  return { resource: m[1]!.toLowerCase() === "secret" ? "Secret" : "ConfigMap", name: m[2]! };
}

/** Least time the kubelet needs for `restarts` restarts at its back-off, not counting the runs themselves. */
export function backoffLowerBoundMs(restarts: number): number {
  let total = 0;
  let delay = BACKOFF_START_MS;
  for (let i = 0; i < restarts; i++) {
    total += delay;
    if (delay >= BACKOFF_CAP_MS) return total + (restarts - i - 1) * BACKOFF_CAP_MS;
    delay = Math.min(delay * 2, BACKOFF_CAP_MS);
  }
  return total;
}

export type LoopSince = "first BackOff event" | "restart count" | "pod start";

/**
 * How long a container has been looping, and what says so: the first BackOff event for it, or the least time its
 * restart count takes at the kubelet's back-off; whichever is longer, never longer than the pod has existed.
 */
function loopDuration(
  ctx: RuleContext,
  pod: KubeObject,
  container: string,
  restarts: number,
): { ms: number; since: LoopSince } {
  const backoff = eventsOf(ctx.lookup, pod).filter(
    (e) =>
      e.reason === "BackOff" &&
      (eventContainer(e) === container || e.message.includes(`restarting failed container ${container} `)),
  );
  const fromEvent = backoff.reduce<number | undefined>((max, e) => {
    const age = ageMs(e.first, ctx.now);
    return age !== undefined && (max === undefined || age > max) ? age : max;
  }, undefined);
  const fromRestarts = backoffLowerBoundMs(restarts);
  let result: { ms: number; since: LoopSince } =
    fromEvent !== undefined && fromEvent >= fromRestarts
      ? { ms: fromEvent, since: "first BackOff event" }
      : { ms: fromRestarts, since: "restart count" };
  const status = asRecord(asRecord(pod)?.status);
  const podAge = ageMs(asString(status?.startTime) ?? metaString(pod, "creationTimestamp"), ctx.now);
  if (podAge !== undefined && podAge >= 0 && podAge < result.ms) result = { ms: podAge, since: "pod start" };
  return result;
}

/** HIGH past `crashLoopEscalateAfter` (in ms), CRITICAL past seven times that; undefined below (or when 0). */
export function escalationOf(loopMs: number, after: number): Severity | undefined {
  if (after <= 0) return undefined;
  if (loopMs >= after * CRITICAL_FACTOR) return "CRITICAL";
  if (loopMs >= after) return "HIGH";
  return undefined;
}

function terminationEvidence(t: Termination, at: ContainerStatusAt, now: Date): Evidence {
  const parts = [`last run ended ${t.reason ?? "terminated"}`];
  if (t.exitCode !== undefined) parts.push(`exit code ${t.exitCode}`);
  const ran = runLengthMs(t);
  if (ran !== undefined) parts.push(`after ${ageText(ran)}`);
  const ago = ageMs(t.finishedAt, now);
  if (ago !== undefined) parts.push(`${ageText(ago)} ago`);
  const text = parts.join(", ") + (t.message ? `: ${clip(t.message)}` : "");
  return { kind: "status", text, source: pathText([...at.path, "lastState", "terminated"]) };
}

/** Containers the rule looks at, with the word a message uses for each (ephemeral ones never restart). */
const ROLE_WORDS: Record<string, string> = {
  init: "init container",
  sidecar: "sidecar container",
  regular: "container",
};

interface CrashLoopOptions {
  escalateAfter: DurationSetting;
  redisPort: number;
}

const MESSAGES = {
  "crash-loop":
    "{{role}} {{container}} of pod {{pod}} is in CrashLoopBackOff: {{restarts}} restarts, looping for {{duration}} (from the {{since}})",
  "crash-loop-missing-env":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}) because environment variable {{variable}} is missing",
  "crash-loop-redis-port":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}): Redis refused the connection at {{host}}:{{port}}, but Redis listens on {{expectedPort}}",
  "crash-loop-migration":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}) because a database migration is not applied: {{detail}}",
  "crash-loop-import":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}) on a Python import error: {{module}} is not in the image",
  "missing-secret":
    "{{role}} {{container}} of pod {{pod}} cannot start: {{resource}} {{name}} does not exist",
  "missing-secret-key":
    "{{role}} {{container}} of pod {{pod}} cannot start: key {{key}} is not in {{resource}} {{name}}",
  "crash-loop-oom":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}) because it is OOMKilled: its memory limit is {{limit}}",
  "crash-loop-probe":
    "{{role}} {{container}} of pod {{pod}} crash-loops ({{restarts}} restarts, {{duration}}) because its liveness probe fails and the kubelet kills it (exit code {{exitCode}}): {{probe}}",
  "probe-restarts":
    "{{role}} {{container}} of pod {{pod}} keeps being restarted by its failing liveness probe: {{restarts}} restarts, the last one {{ago}} ago (exit code {{exitCode}}): {{probe}}",
  "run-error":
    "{{role}} {{container}} of pod {{pod}} cannot start its process ({{restarts}} restarts): {{detail}}",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const crashLoopRule = defineRule({
  meta: {
    id: "crash-loop",
    pitfall: CRASH_LOOP_PITFALL,
    runs: ["live"],
    needs: ["events", "logs"],
    description:
      "Containers in CrashLoopBackOff, how long they have looped, and the known cause in the previous log; containers that cannot start for a missing Secret or ConfigMap.",
    looksAt:
      "status.{init,}containerStatuses[].state.waiting, lastState.terminated, restartCount; BackOff events; previous container log",
    kinds: ["Pod"],
    messages: MESSAGES,
    withoutCause: ["crash-loop", "run-error"],
  },
  options: (config) => ({
    escalateAfter: durationSetting(config.expect, "crashLoopEscalateAfter"),
    redisPort: portSetting(config.expect, "redisPort"),
  }),
  check(ctx, object) {
    const pod = object.object;
    const out: Reported[] = [];
    for (const at of containerStatusesOf(pod)) {
      const role = ROLE_WORDS[at.role];
      if (!role || !at.name) continue;
      const reason = waitingReason(at.status);
      const report =
        reason === "CrashLoopBackOff"
          ? crashLoopReport(ctx, pod, at, role)
          : reason === "CreateContainerConfigError"
            ? missingReferenceReport(ctx, pod, at, role)
            : reason === "RunContainerError"
              ? runErrorReport(ctx, pod, at, role)
              : reason === undefined
                ? probeRestartsReport(ctx, pod, at, role)
                : undefined;
      if (report) out.push(report);
    }
    return out;
  },
});

/** What every report of this rule names: the container, its pod, and the page's placeholders for them. */
function subjectOf(pod: KubeObject, at: ContainerStatusAt, role: string) {
  const podName = metaString(pod, "name") ?? "";
  const namespace = metaString(pod, "namespace") ?? "";
  return {
    podName,
    namespace,
    base: { role, container: at.name, pod: podName },
    values: { "pod-name": podName, namespace, container: at.name },
    waitingPath: [...at.path, "state", "waiting"],
    waitingMessage: asString(asRecord(asRecord(at.status.state)?.waiting)?.message),
  };
}

/** CreateContainerConfigError because a Secret or ConfigMap (or a key of one) is missing. */
function missingReferenceReport(
  ctx: RuleContext<CrashLoopOptions>,
  pod: KubeObject,
  at: ContainerStatusAt,
  role: string,
): Reported | undefined {
  const { base, values, waitingPath, waitingMessage } = subjectOf(pod, at, role);
  const missing = missingReferenceOf(waitingMessage);
  if (!missing) return undefined;
  const evidence: Evidence[] = [
    {
      kind: "status",
      text: `CreateContainerConfigError: ${clip(waitingMessage ?? "")}`,
      source: pathText(waitingPath),
    },
  ];
  const event = eventsOf(ctx.lookup, pod)
    .filter((e) => eventContainer(e) === at.name && missingReferenceOf(e.message))
    .pop();
  if (event) evidence.push(eventEvidence(event, ctx.now));
  const data = { ...base, resource: missing.resource, name: missing.name };
  const details = { path: waitingPath, container: at.name, evidence, values, neverRan: true };
  return missing.key !== undefined
    ? { messageId: "missing-secret-key", data: { ...data, key: missing.key }, ...details }
    : { messageId: "missing-secret", data, ...details };
}

/** A container in CrashLoopBackOff: how long, escalated when old, and the cause its log shows. */
function crashLoopReport(
  ctx: RuleContext<CrashLoopOptions>,
  pod: KubeObject,
  at: ContainerStatusAt,
  role: string,
): Reported {
  const { podName, namespace, base, values, waitingPath, waitingMessage } = subjectOf(pod, at, role);
  const restarts = restartCountOf(at.status);
  const loop = loopDuration(ctx, pod, at.name, restarts);
  const evidence: Evidence[] = [
    {
      kind: "status",
      text: `waiting: CrashLoopBackOff, restartCount ${restarts}${waitingMessage ? ` (${clip(waitingMessage)})` : ""}`,
      source: pathText(waitingPath),
    },
  ];
  const last = lastTerminated(at.status);
  if (last) evidence.push(terminationEvidence(last, at, ctx.now));
  const backoff = eventsOf(ctx.lookup, pod)
    .filter((e) => e.reason === "BackOff" && eventContainer(e) === at.name)
    .pop();
  if (backoff) evidence.push(eventEvidence(backoff, ctx.now));

  // The page says: read the PREVIOUS container's log; a dump may only hold the termination message.
  const sources: [string, string | undefined][] = [
    ["previous log", ctx.lookup.previousLog(namespace, podName, at.name)],
    ["termination message", last?.message],
  ];
  let cause: CrashClassification | undefined;
  for (const [source, text] of sources) {
    cause = classifyCrashLog(text, ctx.options.redisPort);
    if (cause) {
      evidence.push({ kind: "log", text: cause.line, source });
      break;
    }
  }
  const liveness = livenessFailures(ctx, pod, at.name);
  if (liveness) evidence.push(eventEvidence(liveness, ctx.now));
  // Without a cause in the log, how the last run ended may say it: the memory limit, or the kubelet's kill.
  const ended = cause ? undefined : terminationCause(pod, at, last, liveness);
  // The termination message is shown with the last run already; a log is shown by its last lines.
  if (!cause) {
    const unmatched = unmatchedLines(sources.filter(([source]) => source !== "termination message"));
    if (unmatched) evidence.push(unmatched);
  }

  const after = ctx.options.escalateAfter;
  const severity = escalationOf(loop.ms, after.ms);
  if (severity) {
    evidence.push({
      kind: "history",
      text: `looping for ${ageText(loop.ms)} (from the ${loop.since}), longer than crashLoopEscalateAfter ${after.text}`,
      source: loop.since,
    });
  }
  // A classification's data fills the slots of its own message (classifyCrashLog pairs them).
  const report = {
    messageId: cause?.messageId ?? ended?.messageId ?? "crash-loop",
    data: {
      ...base,
      restarts,
      duration: ageText(loop.ms),
      since: loop.since,
      ...cause?.data,
      ...ended?.data,
    },
    path: waitingPath,
    container: at.name,
    evidence,
    values,
  } as Reported;
  if (severity) report.severity = severity;
  return report;
}

/** The liveness probe's failures for a container, the latest of its Unhealthy events (they count the rest). */
function livenessFailures(ctx: RuleContext, pod: KubeObject, container: string): EventView | undefined {
  return eventsOf(ctx.lookup, pod)
    .filter(
      (e) =>
        e.reason === "Unhealthy" && eventContainer(e) === container && /^Liveness probe/i.test(e.message),
    )
    .pop();
}

/** Exit codes of a container the kubelet stopped: SIGKILL (137) or SIGTERM (143). */
const KILLED = new Set([137, 143]);

/** A crash loop's cause told by how the last run ended: OOMKilled, or killed after failing its liveness probe. */
function terminationCause(
  pod: KubeObject,
  at: ContainerStatusAt,
  last: Termination | undefined,
  liveness: EventView | undefined,
): { messageId: "crash-loop-oom" | "crash-loop-probe"; data: Record<string, string | number> } | undefined {
  if (last?.reason === "OOMKilled") {
    const spec = containersOf(asRecord(pod)?.spec).find((c) => c.name === at.name);
    const limit = asString(asRecord(asRecord(spec?.container.resources)?.limits)?.memory);
    return { messageId: "crash-loop-oom", data: { limit: limit ?? "not set" } };
  }
  if (liveness && last?.exitCode !== undefined && KILLED.has(last.exitCode))
    return {
      messageId: "crash-loop-probe",
      data: { exitCode: last.exitCode, probe: clip(liveness.message) },
    };
  return undefined;
}

/** Lines of a log that match none of the known causes: its last few, as the evidence there is. */
const UNMATCHED_LINES = 3;

function unmatchedLines(sources: [string, string | undefined][]): Evidence | undefined {
  for (const [source, text] of sources) {
    const { lines } = lastLines(text, UNMATCHED_LINES);
    if (lines.length)
      return { kind: "log", text: lines.map((l) => clip(l)).join("\n"), source: `${source}, last lines` };
  }
  return undefined;
}

/** Failures this recent say the container is being restarted now, not once long ago. */
const RECENT_MS = 3_600_000;

/** A running container its liveness probe keeps restarting (it never stays down long enough for a back-off). */
function probeRestartsReport(
  ctx: RuleContext<CrashLoopOptions>,
  pod: KubeObject,
  at: ContainerStatusAt,
  role: string,
): Reported | undefined {
  const restarts = restartCountOf(at.status);
  // Most running containers never restarted: neither their last run nor their events are read.
  if (restarts < 2) return undefined;
  const last = lastTerminated(at.status);
  if (!last) return undefined;
  const liveness = livenessFailures(ctx, pod, at.name);
  const endedAgo = ageMs(last.finishedAt, ctx.now);
  const probeAgo = ageMs(liveness?.last, ctx.now);
  if (!liveness || endedAgo === undefined || probeAgo === undefined) return undefined;
  if (endedAgo > RECENT_MS || probeAgo > RECENT_MS) return undefined;
  const { base, values } = subjectOf(pod, at, role);
  return {
    messageId: "probe-restarts",
    data: {
      ...base,
      restarts,
      ago: ageText(endedAgo),
      exitCode: last.exitCode ?? "unknown",
      probe: clip(liveness.message),
    },
    path: [...at.path, "lastState", "terminated"],
    container: at.name,
    evidence: [terminationEvidence(last, at, ctx.now), eventEvidence(liveness, ctx.now)],
    values,
  };
}

/** RunContainerError: the runtime could not start the container's process (a command that is not in the image). */
function runErrorReport(
  ctx: RuleContext<CrashLoopOptions>,
  pod: KubeObject,
  at: ContainerStatusAt,
  role: string,
): Reported {
  const { base, values, waitingPath, waitingMessage } = subjectOf(pod, at, role);
  const evidence: Evidence[] = [
    {
      kind: "status",
      text: `RunContainerError${waitingMessage ? `: ${clip(waitingMessage)}` : ""}`,
      source: pathText(waitingPath),
    },
  ];
  const failed = eventsOf(ctx.lookup, pod)
    .filter((e) => e.reason === "Failed" && eventContainer(e) === at.name)
    .pop();
  if (failed) evidence.push(eventEvidence(failed, ctx.now));
  return {
    messageId: "run-error",
    data: { ...base, restarts: restartCountOf(at.status), detail: clip(waitingMessage ?? "no message") },
    path: waitingPath,
    container: at.name,
    evidence,
    values,
    neverRan: true,
  };
}
