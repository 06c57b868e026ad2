import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintPage } from "../../src/kb/lint.js";
import { type Page, pitfallsOf } from "../../src/kb/model.js";
import { parsePage } from "../../src/kb/parse.js";
import { printPage } from "../../src/kb/print.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");
const seedText = fixture("team-page.txt");
const seed = parsePage(seedText, "team-page.txt");

// Facts of the team's page: id, severity, zones.
const EXPECTED: [string, string, string][] = [
  ["k3s-clusterip-broken-from-inside-pods", "CRITICAL", "1"],
  ["hostnetwork-causes-port-conflicts", "HIGH", "ALL"],
  ["image-pull-failures-zone-1", "MEDIUM", "1"],
  ["resource-starvation", "HIGH", "ALL"],
  ["oomkilled", "HIGH", "ALL"],
  ["crashloopbackoff", "MEDIUM", "ALL"],
  ["python-module-caching", "HIGH", "1"],
  ["stale-consumer-groups-redis-streams", "MEDIUM", "ALL"],
  ["secret-sync-delays", "MEDIUM", "ALL"],
  ["traefik-ingress-not-updating", "LOW", "1"],
  ["etcd-upgrade-path", "HIGH", "1"],
];

describe("the team's page (rendered text form)", () => {
  it("parses into the 11 pitfalls with their severities and zones", () => {
    const got = pitfallsOf(seed).map((p) => [
      p.id,
      p.severity,
      p.zones.all ? "ALL" : p.zones.zones.join("+"),
    ]);
    expect(got).toEqual(EXPECTED);
    expect(seed.title).toBe("Kubernetes — Pitfalls");
    expect(seed.preamble).toEqual(["Skip to content", ""]);
    expect(seed.meta.map((m) => m.key)).toEqual([
      "OWNER",
      "ALSO_USED_BY",
      "LAST_VERIFIED",
      "GE_STACK_VERSION",
    ]);
  });

  it("keeps every RUN command intact, in order", () => {
    const runs = pitfallsOf(seed).flatMap((p) => p.steps.filter((s) => s.kind === "RUN").map((s) => s.text));
    const inText = seedText
      .split("\n")
      .filter((l) => l.startsWith("RUN: "))
      .map((l) => l.slice(5));
    expect(runs).toEqual(inText);
    expect(runs).toContain("kubectl logs {pod-name} -n ge-{namespace} --previous");
    expect(runs).toContain(
      "docker build -t {image}:latest . && docker save {image}:latest | sudo k3s ctr images import -",
    );
    expect(runs).toHaveLength(12);
  });

  it("records each ADDED_FROM with incident and note, and the source line of each pitfall", () => {
    for (const p of pitfallsOf(seed)) {
      expect(p.addedFrom, p.id).toHaveLength(1);
      expect(p.addedFrom[0]!.incident).toMatch(/^[a-z0-9-]+-20\d\d-\d\d$/);
      expect(seedText.split("\n")[p.source.line - 1]).toBe(p.title);
    }
    const dolly = pitfallsOf(seed).find((p) => p.id === "crashloopbackoff")!;
    expect(dolly.addedFrom[0]).toMatchObject({
      incident: "dolly-decommission-2026-03",
      note: "8509 restarts over 30 days",
    });
  });

  it("groups an IF with the THEN/RUN lines below it", () => {
    const image = pitfallsOf(seed).find((p) => p.id === "image-pull-failures-zone-1")!;
    expect(image.steps.map((s) => `${s.kind}${s.group}`)).toEqual([
      "IF0",
      "THEN0",
      "RUN0",
      "IF1",
      "THEN1",
      "RUN1",
      "CHECK-1",
      "ANTI_PATTERN-1",
    ]);
  });

  it("keeps snippets and lists", () => {
    const clusterip = pitfallsOf(seed)[0]!;
    const code = clusterip.blocks.find((b) => b.type === "code");
    expect(code?.type === "code" && code.text.split("\n")[0]).toBe("volumes:");
    expect(code?.type === "code" && code.text).toContain("path: /etc/rancher/k3s/k3s.yaml");
    const crash = pitfallsOf(seed).find((p) => p.id === "crashloopbackoff")!;
    const list = crash.blocks.find((b) => b.type === "list");
    expect(list).toMatchObject({ intro: "Common causes in GE:" });
    expect(list?.type === "list" && list.items).toContain(
      "Redis connection refused (wrong port — must be 6381)",
    );
  });

  it("exposes the zone map from the header", () => {
    expect(seed.zoneMap.map((z) => [z.zone, z.distribution])).toEqual([
      [1, "k3s"],
      [2, "managed"],
      [3, "managed"],
    ]);
  });

  it("lints with no errors", () => {
    const errors = lintPage(seed, { now: new Date("2026-04-01") }).filter((d) => d.severity === "error");
    expect(errors).toEqual([]);
  });

  it("round-trips byte for byte and prints stably", () => {
    expect(printPage(seed)).toBe(seedText);
    const md = printPage(seed, "markdown");
    const again = parsePage(md, "x.md");
    expect(printPage(again)).toBe(md);
  });
});

/** The model without positions, form-specific details or file names. */
function content(p: Page): unknown {
  return JSON.parse(
    JSON.stringify({
      title: p.title,
      meta: p.meta,
      intro: p.intro,
      sections: p.sections,
      zoneMap: p.zoneMap,
    }),
    (k, v) => (["line", "start", "end", "source", "lang"].includes(k) ? undefined : v),
  );
}

describe("the markdown form", () => {
  it("gives the same model as the rendered form", () => {
    const md = parsePage(fixture("team-page.md"), "team-page.md");
    expect(md.form).toBe("markdown");
    expect(seed.form).toBe("text");
    expect(content(md)).toEqual(content(seed));
  });

  it("does not read structured lines inside code fences", () => {
    const page = parsePage(
      "# T\n\n## A Pitfall\n\nSeverity: LOW\nZone: ALL\n\n```\nIF: not a step\n## not a heading\n```\n\nADDED_FROM: x-1, y\n",
      "t.md",
    );
    const [p] = pitfallsOf(page);
    expect(p!.steps).toEqual([]);
    expect(page.sections).toHaveLength(1);
    expect(p!.blocks[0]).toMatchObject({ type: "code", text: "IF: not a step\n## not a heading" });
  });

  it("takes an explicit ID over the title slug", () => {
    const page = parsePage(
      "# T\n\n## Some Title\n\nID: custom-id\nSeverity: LOW\nZone: 2+3\n\nADDED_FROM: a-1, b\n",
      "t.md",
    );
    expect(pitfallsOf(page)[0]).toMatchObject({ id: "custom-id", zones: { all: false, zones: [2, 3] } });
  });
});

describe("kb lint finds each class of mistake at its line", () => {
  const text = fixture("broken.md");
  const lineOf = (needle: string, from = 0) =>
    text.split("\n").findIndex((l, i) => i >= from && l.includes(needle)) + 1;
  const diags = lintPage(parsePage(text, "broken.md"), {
    wikiRoot: new URL("../fixtures/wiki", import.meta.url).pathname,
    now: new Date("2026-11-25"),
  });
  const at = (code: string) => diags.filter((d) => d.code === code).map((d) => d.line);

  it.each([
    ["missing-severity", lineOf("## Missing Severity")],
    ["invalid-severity", lineOf("Severity: URGENT")],
    ["invalid-zone", lineOf("Zone: everywhere")],
    ["missing-added-from", lineOf("## No Provenance")],
    ["duplicate-id", lineOf("## No Provenance", lineOf("## No Provenance"))],
    ["then-without-if", lineOf("THEN: restart the pod")],
    ["run-without-step", lineOf("RUN: kubectl get pods")],
    ["detect-compile", lineOf("DETECT:")],
    ["read-also-missing", lineOf("absent.md")],
    ["bad-date", lineOf("LAST_VERIFIED")],
  ])("%s", (code, line) => {
    expect(at(code)).toContain(line);
    expect(diags.find((d) => d.code === code)!.message.length).toBeGreaterThan(20);
  });

  it("malformed placeholders: both, on the RUN line, with a suggestion", () => {
    const bad = diags.filter((d) => d.code === "bad-placeholder");
    expect(bad.map((d) => d.line)).toEqual([lineOf("{Pod Name}"), lineOf("{Pod Name}")]);
    expect(bad.map((d) => d.message).join(" ")).toContain("{pod-name}");
    expect(bad.map((d) => d.message).join(" ")).toContain("{namespace}");
  });

  it("warns on a key that looks like a typo, and not on the present READ_ALSO", () => {
    expect(diags.find((d) => d.code === "unknown-key")).toMatchObject({
      line: lineOf("THNE:"),
      severity: "warning",
    });
    expect(diags.some((d) => d.code === "read-also-missing" && d.line === lineOf("present.md"))).toBe(false);
  });

  it("warns when LAST_VERIFIED is older than the allowed age", () => {
    const page = parsePage(seedText, "team-page.txt");
    expect(lintPage(page, { now: new Date("2026-11-25"), maxAgeDays: 180 }).map((d) => d.code)).toEqual([
      "stale-page",
    ]);
    expect(lintPage(page, { now: new Date("2026-11-25"), maxAgeDays: 365 })).toEqual([]);
  });
});
