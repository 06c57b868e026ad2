// The broken-k3s fixture with secrets where clusters leak them: a termination message, the previous log a crash
// is diagnosed from (and the very line that is matched), events, ExternalSecret condition messages, and a Secret's
// data. The same situations, the same findings; only what is said about them carries credentials.
import { readFileSync } from "node:fs";
import type { KubeObject } from "../../src/model/kube.js";
import { parseCluster } from "../sim/load.js";
import type { Cluster } from "../sim/types.js";

export const BROKEN = "test/fixtures/clusters/broken-k3s.yaml";
export const CRASHING_POD = "dolly-orchestrator-5d8c7b9f6d-q7xkz";
export const FAILING_ES = "ge-api-secrets";

const JWT_PAYLOAD = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Z2UtYWdlbnRzOmRvbGx5In0";
const JWT_SIGNATURE = "c2lnbmF0dXJlLW9mLXRoZS1sZWFreS10b2tlbi0xMjM0NQ";
const JWT = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImxlYWt5In0.${JWT_PAYLOAD}.${JWT_SIGNATURE}`;
const PEM_BODY = "MIIEpAIBAAKCAQEAleakyKeyBodyLine0123456789abcdefGHIJ";

/** Each secret the cluster says somewhere; none of them may appear in any output. */
export const SECRETS = {
  password: "Pw-Orchestr8-x9",
  jwtPayload: JWT_PAYLOAD,
  jwtSignature: JWT_SIGNATURE,
  bearer: "7f3c9e1a2b4d6f8e0a1c3e5f7a9b1c3d",
  vault: "CAESIGx1Y2t5LWxlYWt5LXZhdWx0LXRva2Vu",
  awsKeyId: "Z7LEAKYKEY123456",
  awsSecret: "Zk8mQ2vR7tY1uI3oP5aS9dF0gH4jK6lZ8xC2vB7n",
  token: "tok9f8e7d6c5b4a3f2e1d0c",
  hunter: "hunter2-Orchestr8",
  pemBody: PEM_BODY,
  secretData: "cmVkaXNfcGFzc3dvcmQtdmFsdWU=",
} as const;

const URL = `redis://default:${SECRETS.password}@redis:6379`;

/** What a termination message says: a URL with its password, a bearer JWT, and an escape that clears the screen. */
export const TERMINATION_MESSAGE = `fatal: cannot connect to ${URL}\nAuthorization: Bearer ${JWT}\u001b[2JFAKE: everything is fine`;

interface PodLike {
  status: { containerStatuses: { lastState: { terminated: { message?: string } } }[] };
}
interface EventLike {
  reason?: string;
  message: string;
  involvedObject?: { name?: string };
}
interface ExternalSecretLike {
  status: { conditions: { message?: string }[] };
}

export function leakyCluster(now: Date, secrets = true): Cluster {
  const cluster = parseCluster(readFileSync(BROKEN, "utf8"), { now, name: "broken-k3s", file: BROKEN });
  if (!secrets) return cluster;
  const find = <T>(what: string, test: (o: KubeObject) => boolean): T => {
    const o = cluster.objects.find(test);
    if (!o) throw new Error(`the fixture has no ${what}`);
    return o as unknown as T;
  };
  const named = (kind: string, name: string) => (o: KubeObject) =>
    o.kind === kind && o.metadata?.name === name;
  const event = (reason: string | undefined, about: string) => (o: KubeObject) => {
    const e = o as unknown as EventLike;
    return (
      o.kind === "Event" && (reason === undefined || e.reason === reason) && e.involvedObject?.name === about
    );
  };

  const pod = find<PodLike>(`Pod ${CRASHING_POD}`, named("Pod", CRASHING_POD));
  pod.status.containerStatuses[0]!.lastState.terminated.message = TERMINATION_MESSAGE;
  const backoff = find<EventLike>("BackOff event", event("BackOff", CRASHING_POD));
  backoff.message += ` (pull secret token=${SECRETS.token}, AKIA${SECRETS.awsKeyId})`;
  const es = find<ExternalSecretLike>(`ExternalSecret ${FAILING_ES}`, named("ExternalSecret", FAILING_ES));
  es.status.conditions[0]!.message =
    `could not get secret data from provider: vault login with hvs.${SECRETS.vault} refused; aws_secret_access_key=${SECRETS.awsSecret}`;
  const esEvent = find<EventLike>(`event of ${FAILING_ES}`, event(undefined, FAILING_ES));
  esEvent.message += `; request had Authorization: Bearer ${SECRETS.bearer}`;

  const log = cluster.logs.find((l) => l.pod === CRASHING_POD && l.previous);
  if (!log) throw new Error("the fixture has no previous log of the crashing pod");
  const lines = log.text.split("\n");
  const matched = lines.findIndex((l) => l.startsWith("redis.exceptions.ConnectionError"));
  if (matched < 0) throw new Error("the fixture's previous log has no redis ConnectionError line");
  lines[matched] += ` (url ${URL}, password=${SECRETS.hunter})`;
  // Just before the matched line, so they are in the tail that explain shows.
  lines.splice(
    matched,
    0,
    `INFO config: REDIS_URL=${URL} API_TOKEN=${SECRETS.token}`,
    `DEBUG headers: {"authorization": "Bearer ${JWT}"}`,
    "DEBUG loaded key:",
    "-----BEGIN RSA PRIVATE KEY-----",
    PEM_BODY,
    "-----END RSA PRIVATE KEY-----",
    `DEBUG aws: AWS_ACCESS_KEY_ID=AKIA${SECRETS.awsKeyId} AWS_SECRET_ACCESS_KEY=${SECRETS.awsSecret}`,
    `DEBUG vault: X-Vault-Token: hvs.${SECRETS.vault}`,
    "WARN \u001b[31mred\u001b[0m \u001b]0;owned\u0007 done",
  );
  log.text = lines.join("\n");
  return cluster;
}

/** The secrets found in `text`, by name: whole, or their first or last 8 characters (a cut must not leave half). */
export function leaked(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) =>
      [secret, secret.slice(0, 8), secret.slice(-8)].some((part) => text.includes(part)),
    )
    .map(([name]) => name);
}
