import { it } from "vitest";
import { defaultConfig } from "../../src/config/model.js";
import { runEngine } from "../../src/engine/run.js";
import { loadKnowledgeBase } from "../../src/kb/load.js";
import { generateCluster } from "../sim/generate.js";
import { allRules } from "../../src/rules/index.js";

it("measure", async () => {
  const kb = await loadKnowledgeBase({ cwd: process.cwd() });
  for (const pods of [3000]) {
    const c = generateCluster({ pods, nodes: Math.ceil(pods / 40), events: pods * 2, seed: 1 });
    const snapshot = { target: { kind: "cluster" as const, name: "x", context: "x", distribution: "k3s" as const }, objects: c.objects.map((object) => ({ object, origin: { context: "x" } })), diagnostics: [], incomplete: [] };
    for (const rule of allRules()) {
      for (const part of ["check", "checkAll"] as const) {
        if (!rule[part]) continue;
        const t = performance.now();
        const r = runEngine(snapshot, { mode: "live", kb, config: defaultConfig(), zone: "1", detect: false, rules: [{ meta: rule.meta, [part]: rule[part] }] });
        console.log(rule.meta.id, part, Math.round(performance.now() - t), "ms", r.findings.length);
      }
    }
    const t = performance.now();
    runEngine(snapshot, { mode: "live", kb, config: defaultConfig(), zone: "1", rules: [] });
    console.log("detect only", Math.round(performance.now() - t));
  }
}, 300000);
