// A scan checks what is read before the events while they are read (service/scan-early): the engine in steps must
// give what one run over the whole snapshot gives, and a rule that reads events or logs must say so (RuleMeta.needs)
// or it would run before they are in.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../../src/config/model.js";
import { growingLookupOf, lookupOf } from "../../src/engine/lookup.js";
import { type RunOptions, runEngine, startRun } from "../../src/engine/run.js";
import { withPerRunViews } from "../../src/k8s/per-run.js";
import { type KnowledgeBase, loadKnowledgeBase } from "../../src/kb/load.js";
import type { Snapshot, SourcedObject } from "../../src/model/snapshot.js";
import { allRules } from "../../src/rules/index.js";
import type { Lookup } from "../../src/rules/types.js";
import { latentRisks, startLatent } from "../../src/service/latent.js";
import { analyseTargets, checkEarly, type ScanReport } from "../../src/service/scan.js";
import { checkWhole } from "../../src/service/scan-early.js";
import { unexplainedOf, worthExplaining } from "../../src/service/unexplained.js";
import { generateCluster } from "../sim/index.js";

const NOW = new Date("2026-03-26T12:00:00Z");

/** The pods worth explaining before the events are read, in a pass of their own. */
function podsToExplain(
  snapshot: Snapshot,
  lookup: Lookup,
  opts: { config: Config; now: Date },
): SourcedObject[] {
  const worth = worthExplaining(snapshot, lookup, { ...opts, eventsRead: false });
  return withPerRunViews(() => lookup.byKind("Pod").filter(worth));
}
let kb: KnowledgeBase;
let whole: Snapshot;
let firstPart: number;

beforeAll(async () => {
  kb = await loadKnowledgeBase({ cwd: process.cwd() });
  const cluster = generateCluster({ pods: 600, nodes: 15, events: 1500, seed: 7, now: NOW });
  const origin = { context: "sim" };
  // As a live read orders them: the events last.
  const objects: SourcedObject[] = [
    ...cluster.objects.filter((o) => o.kind !== "Event"),
    ...cluster.objects.filter((o) => o.kind === "Event"),
  ].map((object) => ({ object, origin }));
  firstPart = objects.findIndex((o) => o.object.kind === "Event");
  const logs = new Map<string, string>();
  // A previous log for some crash-looping containers, so the rules that read logs have their say.
  for (const o of objects.slice(0, firstPart)) {
    if (o.object.kind !== "Pod" || logs.size > 40) continue;
    const statuses = (o.object.status as { containerStatuses?: { name: string; restartCount?: number }[] })
      ?.containerStatuses;
    for (const c of statuses ?? [])
      if ((c.restartCount ?? 0) > 0)
        logs.set(
          `${o.object.metadata?.namespace}/${o.object.metadata?.name}/${c.name}`,
          "dial tcp 10.43.0.1:443: connect: connection refused\npanic: NOAUTH Authentication required",
        );
  }
  whole = {
    target: { kind: "cluster", name: "sim", context: "sim", distribution: "k3s" },
    objects,
    diagnostics: [],
    incomplete: [],
    takenAt: NOW.toISOString(),
    previousLogs: logs,
    currentLogs: logs,
  };
  expect(firstPart).toBeGreaterThan(600);
  expect(logs.size).toBeGreaterThan(0);
});

/** The run in steps as a scan makes it: `early` on the first part in slices, `late` on it, `all` on the rest. */
function inSteps(opts: Omit<RunOptions, "lookup">, slice: number, wholeEarly: boolean) {
  const partial: Snapshot = { ...whole, objects: whole.objects.slice(0, firstPart) };
  delete partial.previousLogs;
  delete partial.currentLogs;
  const { lookup, grow } = growingLookupOf(partial);
  const run = startRun(partial, { ...opts, lookup });
  const latent = startLatent(partial, { kb, config: opts.config, zone: opts.zone, now: NOW, lookup });
  for (let i = 0; i < firstPart; i += slice)
    withPerRunViews(() => {
      run.check(partial.objects, i, Math.min(i + slice, firstPart), "early");
      latent.run.check(partial.objects, i, Math.min(i + slice, firstPart), "all");
    });
  const latentResult = withPerRunViews(() => latent.finish());
  if (wholeEarly) withPerRunViews(() => run.checkWholeEarly());
  const pods = podsToExplain(partial, lookup, { config: opts.config, now: NOW });
  grow(whole);
  const result = withPerRunViews(() => {
    run.check(whole.objects, 0, firstPart, "late");
    run.check(whole.objects, firstPart, whole.objects.length, "all");
    return run.finish();
  });
  const unexplained = unexplainedOf(whole, result, { config: opts.config, now: NOW, lookup, pods });
  return { result, latent: latentResult, lookup, unexplained, pods };
}

describe("the engine in steps (a scan's checks begun while the events are read)", () => {
  for (const zone of ["1", "2"])
    it(`gives what one run over the whole snapshot gives (zone ${zone}; the live run and the latent risks)`, () => {
      const opts = { mode: "live" as const, kb, config: defaultConfig(), now: NOW, zone };
      const once = runEngine(whole, opts);
      const onceLatent = latentRisks(whole, { kb, config: defaultConfig(), zone, now: NOW });
      // Kinds of finding that need the events or the logs, and some that need neither.
      const rules = new Set(once.findings.map((f) => f.rule));
      expect(rules.has("crash-loop")).toBe(true);
      expect(rules.size).toBeGreaterThanOrEqual(4);
      expect(onceLatent.findings.length).toBeGreaterThan(0);
      const onceUnexplained = unexplainedOf(whole, once, { config: opts.config, now: NOW });
      expect(onceUnexplained.length).toBeGreaterThan(0);
      for (const [slice, wholeEarly] of [
        [1, true],
        [97, false],
        [100_000, true],
      ] as const) {
        const stepped = inSteps(opts, slice, wholeEarly);
        expect(stepped.result).toEqual(once);
        expect(stepped.latent).toEqual(onceLatent);
        expect(stepped.unexplained).toEqual(onceUnexplained);
        // Only the pods worth a look: most of a cluster's are healthy.
        const pods = whole.objects.filter((o) => o.object.kind === "Pod").length;
        expect(stepped.pods.length).toBeGreaterThan(0);
        expect(stepped.pods.length).toBeLessThan(pods / 2);
        expect(stepped.lookup.byKind("Event")).toHaveLength(whole.objects.length - firstPart);
      }
    });

  for (const zone of ["1", "2"])
    it(`checks a whole snapshot in one pass as the live run, the latent risks and the unexplained list do apart (zone ${zone})`, () => {
      const config = defaultConfig();
      const lookup = lookupOf(whole);
      const checked = checkWhole(whole, lookup, (l) => ({
        live: { mode: "live", kb, config, now: NOW, zone, lookup: l },
        latent: { kb, config, zone, now: NOW, lookup: l },
      }));
      expect(checked.live).toEqual(runEngine(whole, { mode: "live", kb, config, now: NOW, zone }));
      expect(checked.latent).toEqual(latentRisks(whole, { kb, config, zone, now: NOW }));
      const everyPod = unexplainedOf(whole, checked.live, { config, now: NOW });
      expect(everyPod.length).toBeGreaterThan(0);
      const { pods, failures } = checked;
      expect(unexplainedOf(whole, checked.live, { config, now: NOW, lookup, pods, failures })).toEqual(
        everyPod,
      );
      expect([...failures.keys()]).toEqual(pods);
      // With the events read, only the pods that fail: none that podsToExplain (before the events) would not take.
      const chosen = new Set(checked.pods.map((o) => o.object.metadata?.name));
      for (const u of everyPod) expect(chosen.has(u.pod.name)).toBe(true);
      const early = podsToExplain(whole, lookup, { config, now: NOW });
      expect(checked.pods.every((o) => early.includes(o))).toBe(true);
      expect(checked.pods.length).toBeGreaterThan(0);
    });

  it("analyseTargets finishes checks begun early, and leaves aside those begun on other objects", async () => {
    const req = { kb, config: defaultConfig(), now: NOW };
    const report = ({ snapshots: _read, ...rest }: ScanReport) => rest;
    const partial: Snapshot = { ...whole, objects: whole.objects.slice(0, firstPart) };
    const plain = report(analyseTargets([whole], req));
    expect(plain.findings.length).toBeGreaterThan(50);
    expect(plain.unexplained.length).toBeGreaterThan(0);
    const fits = report(
      analyseTargets([whole], req, undefined, new Map([["sim", await checkEarly(partial, req)]])),
    );
    expect(fits).toEqual(plain);
    // The same objects in other wrappers, as another read would give them: nothing begun on the first is used.
    const other: Snapshot = { ...whole, objects: whole.objects.map((o) => ({ ...o })) };
    const early = new Map([["sim", await checkEarly(partial, req)]]);
    expect(report(analyseTargets([other], req, undefined, early))).toEqual(
      report(analyseTargets([other], req)),
    );
  });

  it("a grown lookup refuses a whole that does not begin with the first part", () => {
    const { grow } = growingLookupOf({ ...whole, objects: whole.objects.slice(0, 10) });
    expect(() => grow({ ...whole, objects: whole.objects.slice(1) })).toThrow(/must begin with/);
  });
});

describe("RuleMeta.needs", () => {
  const reads = {
    events: /\b(?:eventsOf|eventsFor)\(/,
    logs: /\b(?:previousLog|currentLog)\(/,
  };
  const dir = join(process.cwd(), "src/rules");
  const sources = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => [f.replace(/\.ts$/, ""), readFileSync(join(dir, f), "utf8")]),
  );

  it("names the events and logs each rule's module reads (the rules run before them otherwise)", () => {
    const declared = new Map(allRules().map((r) => [r.meta.id, new Set(r.meta.needs ?? [])]));
    let checked = 0;
    for (const rule of allRules()) {
      const text = sources.get(rule.meta.id);
      if (text === undefined) continue;
      checked++;
      for (const [need, pattern] of Object.entries(reads))
        expect({
          rule: rule.meta.id,
          need,
          declared: declared.get(rule.meta.id)!.has(need as "events"),
        }).toEqual({
          rule: rule.meta.id,
          need,
          declared: pattern.test(text),
        });
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    // Modules named after their rule: each reader of events and of logs among them.
    expect(sources.has("crash-loop") && sources.has("in-cluster-api-live")).toBe(true);
  });
});
