// Findings on system namespaces that are not happening now (latent risks: missing limits on k3s's bundled pods,
// its own components using the in-cluster API) are counted per namespace instead of listed; failures there are
// reported as usual.
import { isSystemNamespace } from "../k8s/namespaces.js";
import type { Finding } from "../model/finding.js";
import type { NoiseGroup } from "../model/noise.js";
import { SEVERITIES } from "../model/severity.js";

export function groupSystemNoise(findings: Finding[]): { shown: Finding[]; grouped: NoiseGroup[] } {
  const shown: Finding[] = [];
  const byNamespace = new Map<string, Finding[]>();
  for (const f of findings) {
    const ns = f.object.namespace;
    if (f.kind !== "latent" || !isSystemNamespace(ns)) {
      shown.push(f);
      continue;
    }
    const key = f.context ? `${f.context}\u0000${ns}` : ns!;
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), f]);
  }
  const grouped = [...byNamespace.values()].map((list): NoiseGroup => {
    const severities: NoiseGroup["severities"] = {};
    for (const s of SEVERITIES) {
      const n = list.filter((f) => f.severity === s).length;
      if (n) severities[s] = n;
    }
    const group: NoiseGroup = {
      namespace: list[0]!.object.namespace!,
      findings: list.length,
      severities,
      pitfalls: [...new Set(list.map((f) => f.pitfall))].sort(),
    };
    return list[0]!.context ? { context: list[0]!.context, ...group } : group;
  });
  grouped.sort(
    (a, b) => (a.context ?? "").localeCompare(b.context ?? "") || a.namespace.localeCompare(b.namespace),
  );
  return { shown, grouped };
}
