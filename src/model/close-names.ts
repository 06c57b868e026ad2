// Close names, for "did you mean": an object name in explain, a setting or a pitfall id in the config.

/** Names that contain the asked one (or the other way round) first, then those few edits away. */
export function closeNames(asked: string, names: string[], limit = 5): string[] {
  const a = asked.toLowerCase();
  const scored = [...new Set(names)]
    .map((name) => {
      const n = name.toLowerCase();
      const contains = n.includes(a) || a.includes(n);
      return { name, contains, distance: editDistance(a, n) };
    })
    .filter((s) => s.contains || s.distance <= Math.max(2, Math.floor(a.length / 3)))
    .sort(
      (x, y) =>
        Number(y.contains) - Number(x.contains) || x.distance - y.distance || x.name.localeCompare(y.name),
    );
  return scored.slice(0, limit).map((s) => s.name);
}

/** Levenshtein distance: inserts, deletes and substitutions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
