// `scan -o json` as kb draft reads it back: the unexplained failures (model/unexplained.ts), checked by a schema,
// since the file may come from anywhere; and the way one failure is picked out of a list.
import { z } from "zod";
import { visible } from "../model/sanitize.js";
import type { Unexplained } from "../model/unexplained.js";

const text = (max: number) => z.string().max(max);
/** What the API server accepts as a pod, namespace or container name (so a name can hold no page syntax). */
const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "not a Kubernetes name" });
const ref = z.object({
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/, { error: "not a Kubernetes kind" }),
  namespace: name.optional(),
  name,
});

/** One unexplained failure, as `scan -o json` prints it (unknown keys are dropped). */
export const UNEXPLAINED_SCHEMA = z.object({
  pod: ref,
  owner: ref.optional(),
  reason: z
    .string()
    .regex(/^[A-Za-z][\w.-]{0,127}$/, { error: "not a Kubernetes reason (CrashLoopBackOff, …)" }),
  container: name.optional(),
  role: z.enum(["init", "sidecar", "regular"]).optional(),
  restarts: z.number().int().min(0),
  since: text(64).optional(),
  for: text(32).optional(),
  message: text(4000).optional(),
  source: text(256),
  status: text(1000),
  reportedAs: z.array(text(253)).max(50),
  events: z.array(z.object({ kind: text(32), text: text(4000), source: text(256).optional() })).max(50),
  logs: z.object({ source: text(64), lines: z.array(text(4000)).max(100) }).optional(),
  commands: z.array(text(2000)).max(20),
  context: text(253).optional(),
  zone: text(20).optional(),
});

const SCAN_JSON = z.object({
  targets: z
    .array(
      z.object({
        name: text(4096).optional(),
        context: text(253).optional(),
        distribution: text(32).optional(),
      }),
    )
    .optional(),
  unexplained: z.array(UNEXPLAINED_SCHEMA),
});

export interface ScanJson {
  targets: { name?: string; context?: string; distribution?: string }[];
  unexplained: Unexplained[];
}

/** A problem with the input (what was given, which failure was asked for): the caller's to fix. */
export class DraftInputError extends Error {
  override name = "DraftInputError";
}

/** The failures of a `scan -o json` text; a DraftInputError saying what is wrong with it otherwise. */
export function parseScanJson(source: string, name: string): ScanJson {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (e) {
    throw new DraftInputError(
      `${name} is not JSON (${(e as Error).message}): give the output of \`pitfall scan -o json\``,
    );
  }
  const parsed = SCAN_JSON.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join(".") : "the top level";
    throw new DraftInputError(
      `${name} is not the output of \`pitfall scan -o json\`: ${at}: ${issue.message} (it needs an "unexplained" list)`,
    );
  }
  return { targets: parsed.data.targets ?? [], unexplained: parsed.data.unexplained as Unexplained[] };
}

/** Which failure: the Nth as scan lists them (1 is the first), or a pod's (and one of its containers). */
export interface DraftPick {
  index?: number;
  pod?: { namespace?: string; name: string };
  container?: string;
}

/** `ns/name`, `name`, `pod/name` (with the namespace from -n). */
export function podOf(text: string, namespace?: string): { namespace?: string; name: string } {
  const parts = text.replace(/^(pods?|po)\//i, "").split("/");
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  if (parts.length === 1 && parts[0]) return { ...(namespace ? { namespace } : {}), name: parts[0] };
  throw new DraftInputError(
    `'${text}' names no pod: write NAMESPACE/NAME, e.g. ge-agents/web-5d8c7b9f6d-q7xkz`,
  );
}

/** The failure picked out of a list; a DraftInputError that lists them when the pick is missing or unclear. */
export function pickFailure(list: readonly Unexplained[], pick: DraftPick, where: string): Unexplained {
  if (!list.length) throw new DraftInputError(`${where} lists no unexplained failure: nothing to draft`);
  if (pick.index !== undefined) {
    const u = list[pick.index - 1];
    if (!Number.isInteger(pick.index) || !u)
      throw new DraftInputError(
        `--index ${pick.index}: ${where} lists ${list.length} unexplained failures; give 1 to ${list.length}\n${listing(list)}`,
      );
    return u;
  }
  const mine = pick.pod ? list.filter((u) => samePod(u, pick.pod!)) : [...list];
  const chosen = pick.container ? mine.filter((u) => u.container === pick.container) : mine;
  if (chosen.length === 1) return chosen[0]!;
  if (!chosen.length && pick.pod)
    throw new DraftInputError(
      `pod ${podName(pick.pod)}${pick.container ? ` (container ${pick.container})` : ""} is not among the unexplained failures of ${where}\n${listing(list)}`,
    );
  throw new DraftInputError(
    `${where} lists ${chosen.length} unexplained failures: pick one with --index N or --pod NAMESPACE/NAME (and -c CONTAINER)\n${listing(list)}`,
  );
}

export function samePod(u: Unexplained, pod: { namespace?: string; name: string }): boolean {
  return u.pod.name === pod.name && (pod.namespace === undefined || u.pod.namespace === pod.namespace);
}

/** The pods of the same workload that fail the same way (the failure's own first). */
export function siblingPods(list: readonly Unexplained[], u: Unexplained): string[] {
  const same = (o: Unexplained) =>
    o.reason === u.reason &&
    o.container === u.container &&
    o.context === u.context &&
    (u.owner
      ? o.owner?.kind === u.owner.kind &&
        o.owner.name === u.owner.name &&
        o.owner.namespace === u.owner.namespace
      : samePod(o, u.pod));
  return [u.pod.name, ...new Set(list.filter((o) => o !== u && same(o)).map((o) => o.pod.name))].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
}

function podName(p: { namespace?: string; name: string }): string {
  return visible(p.namespace ? `${p.namespace}/${p.name}` : p.name);
}

function listing(list: readonly Unexplained[]): string {
  return list
    .map(
      (u, i) =>
        `  ${i + 1}  ${podName(u.pod)}${u.container ? ` -c ${visible(u.container)}` : ""}  ${visible(u.reason)}${u.context ? `  (${visible(u.context)})` : ""}`,
    )
    .join("\n");
}
