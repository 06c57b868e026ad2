// Secrets out of everything pitfall prints: one pass over text (any format: text, JSON, SARIF, Markdown, HTML),
// and one over values. Each pattern is linear (bounded repeats, no nested quantifiers over the same characters),
// the result of a pass is left as it is by another (redact(redact(x)) === redact(x)), and serialized JSON stays
// valid JSON: a replacement never takes a quote or half of an escape sequence.

/** What a secret is replaced with. */
export const MASK = "***";

/**
 * Values that name a secret without being one: `$REDIS_PASSWORD`, `${TOKEN}`, `$(cat file)`, `{password}`,
 * `<token>`, `***`, `%s`. Lower-case `$word` is a password that starts with `$`, not a variable.
 */
const REFERENCE = /^(?:\$\{?[A-Z_][A-Z0-9_]*\}?|\$\(.*|\{\{?[^{}]*\}?\}|<[^<>]*>|\*+|%[sv]|\.\.\.|…)$/;

function isReference(value: string): boolean {
  return REFERENCE.test(value);
}

/** Key names whose value is a secret, as the end of a key (`REDIS_PASSWORD`, `client_secret`, `x-api-key`). */
const KEY_WORDS =
  "password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|key[_-]?data";

/** A whole key that is a secret's name (for values deep): ends with one of the words. */
const SECRET_KEY = new RegExp(`(?:${KEY_WORDS})$`, "i");

/** Key names that end like a secret's but name something else (External Secrets' `secretKey` is a key name). */
const NOT_SECRET_KEYS = new Set(["secretKey"]);

/** Values after a secret's key that are settings, not secrets. */
const NOT_SECRET_VALUES = /^(?:true|false|null|yes|no|none|~|\||>|[|>][-+]?)$/i;

// A value after `key:` / `key=`: "double" (JSON, YAML, env), \"escaped\" (JSON inside a JSON string),
// &quot;html&quot;, 'single', or bare (up to a space, quote, backslash, comma, semicolon, ampersand or angle
// bracket). A `"` followed by `:`, `,`, `}` or `]` ends a JSON string rather than opening a value, and no quoted
// form takes a quote of another kind: a mask never spans two JSON strings. Quoted forms are bounded (a quote that
// is never closed is not searched for to the end of the text); a bare value takes all its characters, so nothing
// of it is left to a second pass.
const VALUE = [
  String.raw`"(?![ \t]*[:,}\]])((?:[^"\\\n]|\\.){0,4096})"`,
  String.raw`\\"((?:[^"\\\n]|\\[^"\n]){0,4096})\\"`,
  String.raw`&quot;((?:[^&"\\\n]|&(?!quot;)){0,4096})&quot;`,
  String.raw`'([^'"\\\n]{0,4096})'`,
  String.raw`([^\s"'` +
    "`" +
    String.raw`\\,;&<>=:{[(\x00-\x1f\x7f][^\s"'` +
    "`" +
    String.raw`\\,;&<>\x00-\x1f\x7f]*)`,
].join("|");

/**
 * Whether `text[at]` starts a word: after a character that is not a letter, digit, `_` or `\`, or right after
 * an escape of serialized text (`\nghp_…` in JSON, a made-visible `\x1b`). Checked after a match, not by a
 * lookbehind in front of it: a lookbehind runs at every position and made the whole pass four times slower.
 */
function atWordStart(text: string, at: number): boolean {
  if (at === 0 || !/[\w\\]/.test(text[at - 1]!)) return true;
  return /(?:\\[nrtbf]|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2})$/.test(text.slice(Math.max(0, at - 6), at));
}

interface Rule {
  /** A substring that must be there (lower case), so a rule's regex runs only on text that can match. */
  hint?: string;
  /** The match must start a word (see atWordStart). */
  wordStart?: boolean;
  re: RegExp;
  /** Called as String.replace calls it: the match, each group, the offset, the whole text. */
  replace: (match: string, ...groups: unknown[]) => string;
}

/** Lengths of the closing quote of VALUE's five forms. */
const CLOSING = [1, 2, 6, 1, 0];

/**
 * `key: value` → `key: ***`, the key and quotes kept. `groups[from..from+4]` are VALUE's five groups; the value
 * ends where its closing quote starts, so a value that repeats in the quote is still found.
 */
function maskValue(match: string, groups: unknown[], from: number): string {
  for (let i = 0; i < 5; i++) {
    const value = groups[from + i];
    if (typeof value !== "string") continue;
    // A bare value that ends with `:` is the next label of prose ("the bearer token: Authorization: …").
    if (
      value === "" ||
      isReference(value) ||
      NOT_SECRET_VALUES.test(value) ||
      (i === 4 && value.endsWith(":"))
    )
      return match;
    const end = match.length - CLOSING[i]!;
    return `${match.slice(0, end - value.length)}${MASK}${match.slice(end)}`;
  }
  return match;
}

/** The key's whole name, read back from where its secret word starts (`REDIS_PASSWORD` from `PASSWORD`). */
function keyBefore(text: string, wordStart: number, word: string): string {
  let i = wordStart;
  while (i > 0 && wordStart - i < 64 && /[\w.-]/.test(text[i - 1]!)) i--;
  return text.slice(i, wordStart) + word;
}

/** Token shapes: each has one group, the prefix that stays, so a reader knows which credential it was. */
const TOKEN_SHAPES = [
  String.raw`(gh[pousr]_)[A-Za-z0-9]{36,}\b`, // GitHub
  "(github_pat_)[A-Za-z0-9_]{22,}",
  "(gl(?:pat|dt|rt|ptt|ft|cbt|oas|imt|soat)-)[A-Za-z0-9_-]{20,}", // GitLab
  "(xox[abposre]-)[A-Za-z0-9-]{10,}", // Slack
  String.raw`(xapp-)\d-[A-Za-z0-9-]{10,}`,
  String.raw`(https://hooks\.slack\.com/services/)[A-Za-z0-9/]{10,}`,
  String.raw`(AIza)[0-9A-Za-z_-]{35}(?![\w-])`, // Google API key
  String.raw`(ya29\.)[0-9A-Za-z_-]{20,}`, // Google OAuth access token
  String.raw`(AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b`, // AWS access key id
  String.raw`(hv[sbr]\.)[A-Za-z0-9_-]{20,}`, // Vault
  String.raw`(s\.)[A-Za-z0-9]{24}(?![\w.])`, // Vault, before 1.10
  "((?:sk|rk)_live_)[0-9A-Za-z]{16,}", // Stripe
  String.raw`(sk-ant-(?:api|admin)\d\d-)[A-Za-z0-9_-]{32,}`, // Anthropic
  "(sk-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{10,255}T3BlbkFJ[A-Za-z0-9_-]{10,255}", // OpenAI
  String.raw`(npm_)[A-Za-z0-9]{36}\b`,
  String.raw`(SG\.)[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![\w-])`, // SendGrid
  "(dckr_pat_)[A-Za-z0-9_-]{20,}", // Docker Hub
  String.raw`(hf_)[A-Za-z0-9]{34,}\b`, // Hugging Face
  String.raw`(glsa_)[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b`, // Grafana
  String.raw`(shp(?:at|ca|pa|ss)_)[a-fA-F0-9]{32}\b`, // Shopify
  "(K10)[0-9a-f]{32,128}::[a-z]+:[0-9A-Za-z]+", // k3s join token
];

const RULES: Rule[] = [
  {
    // PEM private keys, as text or inside a JSON string (`\n` escapes); the END line is kept when present.
    hint: "private key",
    re: /(-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)(?:\*\*\*)?(?:[A-Za-z0-9+/=:,.\s]|\\[nrt]|-(?!----))*(-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----)?/g,
    replace: (_m, begin, end) => `${begin}${MASK}${end ?? ""}`,
  },
  {
    // `Authorization: Bearer x`, `"authorization": "Basic x"`, `-H 'Authorization: token x'`; without a scheme
    // only a value that looks like a credential (prose: "may require authorization: server message").
    hint: "authorization",
    wordStart: true,
    re: /((?:proxy-)?authorization(?:\\?["']|&quot;)?[ \t]*[:=][ \t]*(?:\\?["']|&quot;)?)(?:((?:bearer|basic|token|digest|negotiate|apikey|sso-key)[ \t]+)([^\s"'\\,;&<>\x00-\x1f\x7f]+)|(?=[^\s"'\\,;&<>\x00-\x1f\x7f]{0,4096}\d)([^\s"'\\,;&<>\x00-\x1f\x7f]{16,}))/gi,
    replace: (m, head, scheme, value, bare) => {
      const secret = (value ?? bare) as string;
      return isReference(secret) || /^\*+$/.test(secret) ? m : `${head}${scheme ?? ""}${MASK}`;
    },
  },
  {
    // A bearer token anywhere (a log line, a curl command); it has a digit, so prose ("Bearer authentication") stays.
    hint: "bearer",
    wordStart: true,
    re: /(bearer[ \t]+)(?=[\w.~+/-]{0,4096}\d)([\w.~+/-]{16,}=*)/gi,
    replace: (_m, head) => `${head}${MASK}`,
  },
  {
    // URL userinfo: `redis://default:pw@redis:6381` → `redis://default:***@redis:6381`. The password runs to the
    // last `@` of the URL, so `/`, `@` and `:` in it are covered; `host:8080/path@x` (a port) and `@sha256:` are not.
    hint: "://",
    re: /(:\/\/)([^\s:/?#@"'`<>\\[\]\x00-\x1f\x7f]{0,256}):([^\s"'`<>\\\x00-\x1f\x7f]{1,256})@(?!sha\d{3}:)/g,
    replace: (m, scheme, user, secret) => {
      const password = secret as string;
      if (isReference(password) || password === MASK) return m;
      if (user && /^\d{1,5}(?:\/|$)/.test(password)) return m;
      return `${scheme}${user}:${MASK}@`;
    },
  },
  {
    // `password=x`, `REDIS_PASSWORD: x`, `"token": "x"`, `client_secret='x'`, `--password=x`.
    re: new RegExp(String.raw`(${KEY_WORDS})(\\?["']|&quot;)?[ \t]*[:=][ \t]*(?:${VALUE})`, "gi"),
    replace: (m, ...rest) => {
      const word = rest[0] as string;
      const quote = rest[1] as string | undefined;
      if (NOT_SECRET_KEYS.has(keyBefore(rest[8] as string, rest[7] as number, word))) return m;
      // In JSON a quoted key's bare value is a number, true, false or null: masking it would break the JSON.
      if (quote === '"' && rest[6] !== undefined) return m;
      return maskValue(m, rest, 2);
    },
  },
  {
    // `--password x`, `--token x` (a flag and its value apart).
    hint: "--",
    re: new RegExp(String.raw`(--(?:${KEY_WORDS}))[ \t]+(?:${VALUE})`, "gi"),
    replace: (m, ...rest) => maskValue(m, rest, 1),
  },
  {
    // JSON Web Tokens (service-account tokens, OIDC): header and payload are base64 JSON (`eyJ`).
    hint: "eyj",
    wordStart: true,
    re: /eyJ[\w-]{2,}\.eyJ[\w-]{2,}\.[\w-]*/g,
    replace: () => `eyJ${MASK}`,
  },
  {
    wordStart: true,
    re: new RegExp(`(?:${TOKEN_SHAPES.join("|")})`, "g"),
    replace: (m, ...groups) => {
      const prefix = groups.slice(0, TOKEN_SHAPES.length).find((g) => g !== undefined) ?? "";
      // `pods.s.…` is a name, not a Vault token.
      const at = groups[groups.length - 2] as number;
      if (prefix === "s." && at > 0 && (groups[groups.length - 1] as string)[at - 1] === ".") return m;
      return `${prefix}${MASK}`;
    },
  },
];

/** The text with every secret it holds replaced by `***`; everything else as it was. */
export function redact(text: string): string {
  if (text.length < 6) return text;
  const lower = text.toLowerCase();
  let out = text;
  for (const rule of RULES) {
    if (rule.hint && !lower.includes(rule.hint)) continue;
    rule.re.lastIndex = 0;
    const replace = rule.wordStart
      ? (m: string, ...args: unknown[]) =>
          atWordStart(args[args.length - 1] as string, args[args.length - 2] as number)
            ? rule.replace(m, ...args)
            : m
      : rule.replace;
    out = out.replace(rule.re, replace as (substring: string, ...args: unknown[]) => string);
  }
  return out;
}

/**
 * A value with every string redacted, and the string under a secret's key (`password`, `apiKey`) masked whole;
 * the shape (keys, arrays, numbers) is kept. For results handed on as objects (MCP's structuredContent).
 */
export function redactDeep<T>(value: T): T {
  return deep(value, undefined, 0) as T;
}

function deep(value: unknown, key: string | undefined, depth: number): unknown {
  if (typeof value === "string") {
    if (key !== undefined && SECRET_KEY.test(key) && !NOT_SECRET_KEYS.has(key)) {
      return value === "" || isReference(value) || NOT_SECRET_VALUES.test(value) ? value : MASK;
    }
    return redact(value);
  }
  if (typeof value !== "object" || value === null || depth > 200) return value;
  if (Array.isArray(value)) return value.map((v) => deep(v, undefined, depth + 1));
  // Only plain records: a Map, a class instance or a function is passed on as it is.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = deep(v, k, depth + 1);
  return out;
}

const MAX_TEXT = 400;

/** Long log lines and messages cut to a readable length; redacted first, so a cut never leaves half a secret. */
export function clip(text: string, max = MAX_TEXT): string {
  const t = redact(text).trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
