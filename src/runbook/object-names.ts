// Placeholders the object itself names: in `kubectl annotate externalsecret ge-{service}-secrets`, the word after
// `externalsecret` is the finding's ExternalSecret, so its real name stands there, and when that name fits the
// page's pattern (`ge-orchestrator-secrets`) it tells the other placeholders too (`service` = `orchestrator`).
import type { Step } from "../kb/model.js";
import { PLACEHOLDER } from "./fill.js";

/** kubectl's short names, beside the kind in lower case and its plural. */
const SHORT_NAMES: Record<string, string[]> = {
  ConfigMap: ["cm"],
  CronJob: ["cj"],
  DaemonSet: ["ds"],
  Deployment: ["deploy"],
  ExternalSecret: ["es"],
  Ingress: ["ing"],
  Namespace: ["ns"],
  Node: ["no"],
  PersistentVolumeClaim: ["pvc"],
  Pod: ["po"],
  ReplicaSet: ["rs"],
  Service: ["svc"],
  ServiceAccount: ["sa"],
  StatefulSet: ["sts"],
};

export interface NamedSteps {
  steps: Step[];
  /** Placeholder values read from the object's name where it fits the page's pattern. */
  values: Record<string, string>;
}

/**
 * The steps with each placeholder word that names the object (right after its kind in a RUN step: `kind word`,
 * `kind/word`) turned into `{name}`, and the values that word's pattern gives for the object's name.
 */
export function stepsNamingObject(
  steps: Step[],
  kind: string | undefined,
  name: string | undefined,
): NamedSteps {
  const values: Record<string, string> = {};
  if (!kind || !name) return { steps, values };
  const words = [kind.toLowerCase(), `${kind.toLowerCase()}s`, ...(SHORT_NAMES[kind] ?? [])];
  const kindWord = words.map(regexText).join("|");
  // The kind (optionally with its API group) then a word holding a placeholder, as kubectl takes them.
  const naming = new RegExp(
    `(?<![\\w.-])((?:${kindWord})(?:\\.[\\w.-]+)?(?:\\s+|/))(\\S*\\{[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*\\}\\S*)`,
    "g",
  );
  const out = steps.map((s) => {
    if (s.kind !== "RUN") return s;
    const text = s.text.replace(naming, (_m, head: string, word: string) => {
      Object.assign(values, valuesFromName(word, name));
      return `${head}{name}`;
    });
    return text === s.text ? s : { ...s, text };
  });
  return { steps: out, values };
}

/** `ge-{service}-secrets` against `ge-orchestrator-secrets` → `{ service: "orchestrator" }`; nothing if it does not fit. */
function valuesFromName(word: string, name: string): Record<string, string> {
  const keys: string[] = [];
  let pattern = "";
  let last = 0;
  for (const m of word.matchAll(PLACEHOLDER)) {
    pattern += regexText(word.slice(last, m.index)) + "(.+?)";
    keys.push(m[1]!);
    last = m.index! + m[0].length;
  }
  pattern += regexText(word.slice(last));
  // A word that is one bare placeholder says nothing about the name's parts.
  if (pattern === "(.+?)") return {};
  const match = new RegExp(`^${pattern}$`).exec(name);
  if (!match) return {};
  const out: Record<string, string> = {};
  keys.forEach((k, i) => {
    const v = match[i + 1];
    if (v !== undefined && (out[k] === undefined || out[k] === v)) out[k] = v;
  });
  return out;
}

function regexText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
