import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MASK, redact, redactDeep } from "./redact.js";

const JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2lnbmF0dXJlLTEyMzQ1Njc4OTA";

// Each shape: the text, what it must become. The prefix or key stays so a reader can act on it.
const REDACTED: [string, string, string][] = [
  ["URL userinfo", "redis://default:pw@redis:6381", "redis://default:***@redis:6381"],
  [
    "URL, no user",
    "connect redis://:hunter2@redis:6381/0 failed",
    "connect redis://:***@redis:6381/0 failed",
  ],
  ["URL, / in the password", "redis://:pa/ss@host:6379", "redis://:***@host:6379"],
  ["URL, @ and : in the password", "redis://u:p@s:s@host:6379", "redis://u:***@host:6379"],
  ["URL, percent-encoded", "redis://:pa%2Fss%40x@host:6379", "redis://:***@host:6379"],
  [
    "URL, https",
    "git clone https://oauth2:abc123@gitlab.example.com/x.git",
    "git clone https://oauth2:***@gitlab.example.com/x.git",
  ],
  ["password=", "login with password=hunter2 now", "login with password=*** now"],
  ["passwd:", "passwd: hunter2", "passwd: ***"],
  ["secret=", "client_secret=s3cr3t&x=1", "client_secret=***&x=1"],
  ["token=", "?access_token=abc.def-ghi&next=1", "?access_token=***&next=1"],
  ["api_key", "api_key: 'k-123'", "api_key: '***'"],
  ["api-key", "X-Api-Key=k123", "X-Api-Key=***"],
  ["apikey", "apikey=k123", "apikey=***"],
  ["env style", "REDIS_PASSWORD=hunter2", "REDIS_PASSWORD=***"],
  ["env style, quoted", 'export DB_PASSWORD="two words"', 'export DB_PASSWORD="***"'],
  ["YAML", "  password: hunter2", "  password: ***"],
  ["JSON", '{"password": "hunter2", "user": "me"}', '{"password": "***", "user": "me"}'],
  ["JSON, escaped quote in the value", '{"token":"a\\"b"}', '{"token":"***"}'],
  [
    "JSON inside a JSON string",
    '"msg": "{\\"password\\":\\"hunter2\\"}"',
    '"msg": "{\\"password\\":\\"***\\"}"',
  ],
  ["HTML-escaped JSON", "&quot;password&quot;: &quot;hunter2&quot;", "&quot;password&quot;: &quot;***&quot;"],
  ["flag with =", "--password=hunter2", "--password=***"],
  ["flag and value apart", "kubeadm join --token abcdef.0123456789abcdef", "kubeadm join --token ***"],
  ["Authorization: Bearer", "Authorization: Bearer abc.def.ghi", "Authorization: Bearer ***"],
  [
    "Authorization: Basic",
    "curl -H 'Authorization: Basic dXNlcjpwYXNz' x",
    "curl -H 'Authorization: Basic ***' x",
  ],
  [
    "authorization in JSON",
    '{"authorization": "Bearer 0123456789abcdef"}',
    '{"authorization": "Bearer ***"}',
  ],
  ["a bare bearer token", "sent Bearer 0f3a9c2e7b1d4f60a8c5", "sent Bearer ***"],
  ["a bearer token, an escape right after it", "Bearer 0f3a9c2e7b1d4f60a8c5\u001b[2J", "Bearer ***\u001b[2J"],
  [
    "Authorization, an escape right after it",
    "Authorization: Bearer abc\u001b[2Jx",
    "Authorization: Bearer ***\u001b[2Jx",
  ],
  ["password=, an escape right after it", "password=abc\u001b[2J", "password=***\u001b[2J"],
  ["JWT", `id_token ${JWT} rest`, "id_token eyJ*** rest"],
  [
    "PEM",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc+/=\n-----END RSA PRIVATE KEY-----\nafter",
    "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----\nafter",
  ],
  [
    "PEM in JSON",
    '"k": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n"',
    '"k": "-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\\n"',
  ],
  [
    "PEM cut short",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk",
    "-----BEGIN OPENSSH PRIVATE KEY-----***",
  ],
  ["Vault", "vault token hvs.CAESIJabcdefghijklmnopqrstuv", "vault token hvs.***"],
  ["Vault, legacy", "X-Vault-Token s.abcdefghijklmnopqrstuvwx", "X-Vault-Token s.***"],
  ["a token after a JSON escape", '"\\tAKIAZ7LEAKYKEY123456"', '"\\tAKIA***"'],
  ["AWS access key", "AKIAZ7LEAKYKEY123456 in use", "AKIA*** in use"],
  [
    "AWS secret key",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = ***",
  ],
  ["GitHub", `ghp_${"a1".repeat(18)}`, "ghp_***"],
  ["GitHub after an escaped newline", `line\\nghp_${"a1".repeat(18)}`, "line\\nghp_***"],
  ["GitHub fine-grained", `github_pat_${"A1b2".repeat(10)}`, "github_pat_***"],
  ["GitLab", "glpat-abcdefghij0123456789", "glpat-***"],
  ["Slack", "xoxb-1234567890-abcdefghij", "xoxb-***"],
  [
    "Slack webhook",
    "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXX",
    "https://hooks.slack.com/services/***",
  ],
  ["Google API key", `AIza${"B".repeat(35)}`, "AIza***"],
  ["Stripe", "sk_live_0123456789abcdefABCD", "sk_live_***"],
  ["npm", `npm_${"a".repeat(36)}`, "npm_***"],
  ["k3s join token", `K10${"a1".repeat(32)}::server:${"b2".repeat(16)}`, "K10***"],
];

// Must come out as they went in: names, references, prose and the commands a runbook gives.
const KEPT = [
  "tokenizer=abc",
  "max_tokens: 100",
  "name: password-reset-service",
  "image: ghcr.io/acme/password-reset-service:1.2",
  "secretRef:\n  name: ge-api-secrets",
  "valueFrom:\n  secretKeyRef:\n    name: redis\n    key: password",
  "secretName: redis-tls",
  "secretKey: REDIS_PASSWORD",
  "automountServiceAccountToken: false",
  '{"token": 5, "password": null, "secret": true}',
  "redis-cli -h redis -p 6381 -a $REDIS_PASSWORD XPENDING triggers.x g",
  "redis://:$REDIS_PASSWORD@redis:6381",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as a runbook writes it
  "REDIS_PASSWORD=${REDIS_PASSWORD}",
  'curl -H "Authorization: Bearer $TOKEN" https://api',
  "Writes need Authorization: Bearer <token>.",
  "this needs a bearer token: Authorization: Bearer <token>",
  "pull access denied, may require authorization: server message: insufficient_scope",
  "Bearer authentication is required",
  "kubectl get secret ge-api-secrets -n ge-system -o jsonpath='{.data.password}' | base64 -d",
  "kubectl create secret generic x --from-literal=REDIS_PASSWORD=$REDIS_PASSWORD",
  "pitfall serve --token-file token",
  "redis://[:password@]host[:port][/db]",
  "REDIS_PASSWORD=... pitfall streams",
  "docker-pullable://registry.local:5000/team/app@sha256:0123abcd",
  "https://registry.local:5000/v2/@scope/pkg",
  "ssh://git@github.com/acme/repo.git",
  "redis://redis.ge-system:6381/0",
  "containerd://ab8b87f84176b87911245f491e0d5bba2ec1ebfee709bb372d1197268bcbb054",
  "dolly-orchestrator-5d8c7b9f6d-q7xkz",
  "sha256:7e90c4ccaea6f9edca27787ba181a1ff1773367c77bcabe124a250c1082ad02d",
  "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
  "ge-api.ge-system.svc.cluster.local",
  "xghp_a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
  "pods.s.abcdefghijklmnopqrstuvwx",
  "abcdef.0123456789abcdef.svc",
];

describe("redact", () => {
  it.each(REDACTED)("%s", (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it.each(KEPT)("keeps %j", (text) => {
    expect(redact(text)).toBe(text);
  });

  it("leaves the built-in page alone", async () => {
    const { readFileSync } = await import("node:fs");
    const page = readFileSync("kb/kubernetes.md", "utf8");
    expect(redact(page)).toBe(page);
  });

  it("masks secret keys deep, keeps the shape and other values", () => {
    const value = {
      url: "redis://:pw@redis:6381",
      env: [{ name: "X", value: "1" }],
      apiKey: "k-1",
      password: "$REDIS_PASSWORD",
      count: 3,
      secretKey: "REDIS_PASSWORD",
    };
    expect(redactDeep(value)).toEqual({
      url: "redis://:***@redis:6381",
      env: [{ name: "X", value: "1" }],
      apiKey: MASK,
      password: "$REDIS_PASSWORD",
      count: 3,
      secretKey: "REDIS_PASSWORD",
    });
  });
});

// Strings built from the pieces the patterns look for, so the properties meet near-misses and real matches.
const piece = fc.constantFrom(
  "password",
  "PASSWORD",
  "token",
  "secret",
  "api_key",
  "=",
  ": ",
  ":",
  '"',
  "'",
  "\\",
  "\\n",
  '\\"',
  "&quot;",
  "@",
  "/",
  "redis://",
  "://",
  "u:",
  "Bearer ",
  "authorization",
  "Basic ",
  "eyJ",
  "eyJabc",
  ".",
  "-----BEGIN RSA PRIVATE KEY-----",
  "-----END RSA PRIVATE KEY-----",
  "-----",
  "ghp_",
  "AKIA",
  "hvs.",
  "s.",
  "abcdef",
  "0123456789",
  "ABCDEFGHIJKLMNOP",
  "$REDIS_PASSWORD",
  "***",
  "*",
  " ",
  "\n",
  "\t",
  "{",
  "}",
  "[",
  ",",
  ";",
  "&",
  "<",
  ">",
  "--",
  "é",
);
const texts = fc
  .array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 40 })
  .map((a) => a.join(""));

describe("redact: properties", () => {
  it("is idempotent: redact(redact(x)) === redact(x)", () => {
    fc.assert(
      fc.property(texts, (t) => {
        const once = redact(t);
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps JSON valid JSON, whatever the strings in it hold", () => {
    const values = fc.dictionary(
      fc.oneof(piece, fc.string({ maxLength: 8 })),
      fc.oneof(
        texts,
        fc.array(texts, { maxLength: 4 }),
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.dictionary(texts, texts, { maxKeys: 3 }),
      ),
      { maxKeys: 6 },
    );
    fc.assert(
      fc.property(values, fc.boolean(), (value, pretty) => {
        const json = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
        const out = redact(json);
        expect(() => JSON.parse(out)).not.toThrow();
        // JSON of JSON (a string holding JSON) too.
        expect(() => JSON.parse(redact(JSON.stringify({ text: json })))).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it("never makes text longer than it was by more than the masks it adds", () => {
    fc.assert(
      fc.property(texts, (t) => {
        const out = redact(t);
        const masks = (out.match(/\*\*\*/g) ?? []).length;
        expect(out.length).toBeLessThanOrEqual(t.length + masks * MASK.length);
      }),
    );
  });

  // A pattern that backtracks catastrophically takes seconds to minutes on these; linear ones take milliseconds.
  it.each([
    ["URL starts without an @", "x://:".repeat(40_000)],
    ["keys without values", "password=".repeat(40_000)],
    ["keys with long values", `password=${"a".repeat(200_000)}`],
    ["quoted values never closed", 'password: "'.repeat(20_000)],
    ["escaped quotes never closed", 'token=\\"'.repeat(20_000)],
    ["bearer without a digit", `Bearer ${"a".repeat(200_000)}`],
    ["authorization without a value", "authorization: ".repeat(20_000)],
    ["JWT halves", "eyJabc.".repeat(40_000)],
    ["PEM headers without bodies", "-----BEGIN RSA PRIVATE KEY-----".repeat(10_000)],
    ["PEM body never ended", `-----BEGIN RSA PRIVATE KEY-----${"A".repeat(300_000)}`],
    ["token prefixes", "ghp_glpat-xoxb-AKIAhvs.s.".repeat(10_000)],
    ["bootstrap-token shapes", "abcdef.".repeat(40_000)],
    ["long words", `${"a".repeat(100_000)} ${"B1".repeat(100_000)}`],
  ])("stays linear: %s", (_name, text) => {
    const out = redact(text);
    expect(typeof out).toBe("string");
    expect(redact(out)).toBe(out);
  });
});
