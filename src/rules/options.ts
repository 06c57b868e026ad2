// Settings rules read from the config (`expect:`), checked once per run: a value a rule cannot use is an error
// that names the setting, never a silent default.
import type { Expectations } from "../config/model.js";
import { parseDuration } from "../k8s/duration.js";
import { RuleOptionsError } from "./types.js";

export interface DurationSetting {
  ms: number;
  /** As written in the config, for messages. */
  text: string;
}

/** A duration of `expect:` (`24h`, `15m`), zero or more. */
export function durationSetting(expect: Expectations, key: keyof Expectations): DurationSetting {
  const text = expect[key];
  const ms = parseDuration(text);
  if (typeof text !== "string" || ms === undefined || ms < 0)
    throw new RuleOptionsError(
      `expect.${key} must be a duration such as 15m, 24h or 7d, not ${JSON.stringify(text)}`,
    );
  return { ms, text };
}

/** A port of `expect:` (1 to 65535). */
export function portSetting(expect: Expectations, key: keyof Expectations): number {
  const port = expect[key];
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new RuleOptionsError(
      `expect.${key} must be a port number (1 to 65535), not ${JSON.stringify(port)}`,
    );
  return port;
}

/** A fraction of `expect:` above 0 and at most 1 (`0.8` for 80%). */
export function fractionSetting(expect: Expectations, key: keyof Expectations): number {
  const value = expect[key];
  if (typeof value !== "number" || !(value > 0 && value <= 1))
    throw new RuleOptionsError(
      `expect.${key} must be a fraction above 0 and at most 1 (0.8 for 80%), not ${JSON.stringify(value)}`,
    );
  return value;
}
