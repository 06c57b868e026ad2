// "Did you mean": the known word nearest to a misspelt one.
import { editDistance } from "../model/close-names.js";

/** The known word within edit distance 2 (case ignored), if any. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toUpperCase(), k.toUpperCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
