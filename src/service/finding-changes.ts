// Findings over time: which appeared and which resolved between two evaluations, keyed by what a finding is about.
import type { Finding } from "../model/finding.js";

export interface FindingChange {
  event: "appeared" | "resolved";
  finding: Finding;
}

/** Identity of a finding across evaluations: context, pitfall, rule, object, container, message id. */
export function findingKey(f: Finding): string {
  const o = f.object;
  return [
    f.context ?? "",
    f.pitfall,
    f.rule,
    o.kind,
    o.namespace ?? "",
    o.name,
    f.container ?? "",
    f.messageId,
  ].join("\u0000");
}

/** The key of the object a finding is about, within its context. */
export function findingObjectKey(f: Finding): string {
  return objectKey(f.object.kind, f.object.namespace, f.object.name);
}

export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ""}\u0000${name}`;
}

/**
 * The published set of findings. `replace` takes a whole new set (a scan); `update` the new state of some keys
 * (an incremental evaluation). Both return what changed; a finding whose key stays but whose text changed
 * (a restart count, an age) is updated silently.
 */
export class FindingSet {
  private readonly current = new Map<string, Finding>();

  get size(): number {
    return this.current.size;
  }

  values(): Finding[] {
    return [...this.current.values()];
  }

  replace(next: readonly Finding[]): FindingChange[] {
    const fresh = new Map<string, Finding>();
    for (const f of next) if (!fresh.has(findingKey(f))) fresh.set(findingKey(f), f);
    const changes: FindingChange[] = [];
    for (const [key, f] of this.current) if (!fresh.has(key)) changes.push({ event: "resolved", finding: f });
    for (const [key, f] of fresh) if (!this.current.has(key)) changes.push({ event: "appeared", finding: f });
    this.current.clear();
    for (const [key, f] of fresh) this.current.set(key, f);
    return changes;
  }

  /** `keys` are the keys looked at; `present(key)` gives the finding now held for a key, or undefined. */
  update(keys: Iterable<string>, present: (key: string) => Finding | undefined): FindingChange[] {
    const changes: FindingChange[] = [];
    for (const key of keys) {
      const was = this.current.get(key);
      const now = present(key);
      if (now) this.current.set(key, now);
      else this.current.delete(key);
      if (now && !was) changes.push({ event: "appeared", finding: now });
      else if (!now && was) changes.push({ event: "resolved", finding: was });
    }
    return changes;
  }
}
