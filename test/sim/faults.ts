// Injected failures: which ones apply to a request, counting those that fire only a number of times.
import type { Fault, Verb } from "./types.js";

export interface FaultRequest {
  /** Plural or `plural/subresource`; undefined for discovery and other non-resource paths. */
  resource?: string;
  verb?: Verb;
  namespace?: string;
  hasContinue: boolean;
}

export interface FaultDecision {
  forbidden?: { user: string };
  status?: { code: 429 | 500 | 503; retryAfterSeconds: number };
  expiredContinue: boolean;
  delayMs: number;
  drop: boolean;
}

const DEFAULT_USER = "system:serviceaccount:pitfall:pitfall";

export class FaultPlan {
  private faults: Fault[] = [];
  private fired: number[] = [];

  constructor(faults: readonly Fault[] = []) {
    this.set(faults);
  }

  set(faults: readonly Fault[]): void {
    this.faults = [...faults];
    this.fired = faults.map(() => 0);
  }

  /** True when a resource is made absent (a CRD that is not installed). */
  isAbsent(resource: string): boolean {
    const base = resource.split("/")[0];
    return this.faults.some((f) => f.kind === "absent" && f.resource === base);
  }

  /** Decides what happens to one request; counts the limited faults that fire. */
  decide(req: FaultRequest): FaultDecision {
    const d: FaultDecision = { expiredContinue: false, delayMs: 0, drop: false };
    this.faults.forEach((f, i) => {
      if (f.kind === "absent" || !this.applies(f.resource, req.resource)) return;
      // Discovery and other non-resource paths only get slowed down or dropped.
      if (req.resource === undefined && f.kind !== "delay" && f.kind !== "drop") return;
      switch (f.kind) {
        case "forbidden":
          if ((f.verb && f.verb !== req.verb) || (f.namespace && f.namespace !== req.namespace)) return;
          d.forbidden ??= { user: f.user ?? DEFAULT_USER };
          return;
        case "status":
          if (d.status || !this.take(i, f.times)) return;
          d.status = { code: f.code, retryAfterSeconds: f.retryAfterSeconds ?? 1 };
          return;
        case "expiredContinue":
          if (!req.hasContinue || d.expiredContinue || !this.take(i, f.times ?? 1)) return;
          d.expiredContinue = true;
          return;
        case "delay":
          d.delayMs += f.ms;
          return;
        case "drop":
          if (d.drop || !this.take(i, f.times ?? Number.POSITIVE_INFINITY)) return;
          d.drop = true;
          return;
      }
    });
    return d;
  }

  private applies(faultResource: string | undefined, requestResource: string | undefined): boolean {
    if (faultResource === undefined) return true;
    return requestResource !== undefined && requestResource === faultResource;
  }

  private take(i: number, times: number): boolean {
    const n = this.fired[i] ?? 0;
    if (n >= times) return false;
    this.fired[i] = n + 1;
    return true;
  }
}
