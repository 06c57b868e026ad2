// JSON to CEL input: the one conversion every CEL line (DETECT, GUARD) evaluates on.
import type { CelInput } from "@bufbuild/cel";

/** JSON to CEL input: objects become Maps, integers become bigint (CEL int), other numbers stay double. */
export function toCelValue(json: unknown): CelInput {
  if (json === null || json === undefined) return null;
  if (Array.isArray(json)) return json.map(toCelValue);
  switch (typeof json) {
    case "number":
      return Number.isInteger(json) ? BigInt(json) : json;
    case "string":
    case "boolean":
    case "bigint":
      return json;
    case "object": {
      const map = new Map<string, CelInput>();
      for (const [key, value] of Object.entries(json)) {
        // JSON has no undefined; a missing field must stay missing so `has()` is false.
        if (value !== undefined) map.set(key, toCelValue(value));
      }
      return map;
    }
    default:
      return null;
  }
}
