import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Pitfall, pitfallsOf } from "./model.js";
import { parsePage } from "./parse.js";
import { buildSearchIndex, searchPitfalls, termsOf } from "./search.js";
import { SYMPTOMS } from "./symptoms.js";

const builtin = pitfallsOf(
  parsePage(readFileSync(new URL("../../kb/kubernetes.md", import.meta.url), "utf8"), "kb/kubernetes.md"),
);
const index = buildSearchIndex(builtin);

function first(query: string, opts?: { zone?: string }): string | undefined {
  return searchPitfalls(index, query, opts)[0]?.id;
}

// As people and agents type them: error strings, kubectl output, half sentences.
const PHRASINGS: [query: string, expected: string][] = [
  ["pod ImagePullBackOff zone 1", "image-pull-failures-zone-1"],
  ["ErrImagePull on the executor", "image-pull-failures-zone-1"],
  ["Failed to pull image: image not found", "image-pull-failures-zone-1"],
  ["ErrImageNeverPull after rebuilding the image", "image-pull-failures-zone-1"],
  ["messages stuck pending", "stale-consumer-groups-redis-streams"],
  ["XPENDING shows entries for a dead consumer", "stale-consumer-groups-redis-streams"],
  ["orphaned messages after executor restart", "stale-consumer-groups-redis-streams"],
  ["rotated a secret but pods use the old value", "secret-sync-delays"],
  ["vault secret changed, app still has old api key", "secret-sync-delays"],
  ["how do I force-sync an ExternalSecret", "secret-sync-delays"],
  ["exit code 137", "oomkilled"],
  ["container OOMKilled", "oomkilled"],
  ["python executor ran out of memory", "oomkilled"],
  ["connection refused 10.43.0.1:443", "k3s-clusterip-broken-from-inside-pods"],
  ["in-cluster config fails inside pod", "k3s-clusterip-broken-from-inside-pods"],
  ["service account token does not work in zone 1", "k3s-clusterip-broken-from-inside-pods"],
  ["new pod can't start during rollout port in use", "hostnetwork-causes-port-conflicts"],
  [
    "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports",
    "hostnetwork-causes-port-conflicts",
  ],
  ["bind: address already in use 8080", "hostnetwork-causes-port-conflicts"],
  ["Back-off restarting failed container", "crashloopbackoff"],
  ["pod keeps restarting", "crashloopbackoff"],
  ["CrashLoopBackOff with thousands of restarts", "crashloopbackoff"],
  ["kubectl cp change didn't take effect", "python-module-caching"],
  ["hot patch python file in running pod", "python-module-caching"],
  ["code change has no effect", "python-module-caching"],
  ["ingress returns 404 after deploy", "traefik-ingress-not-updating"],
  ["new route 404 traefik", "traefik-ingress-not-updating"],
  ["upgrade k3s to 1.34", "etcd-upgrade-path"],
  ["etcd 3.5 to 3.6", "etcd-upgrade-path"],
  ["node under memory pressure pods evicted", "resource-starvation"],
  ["node unresponsive", "resource-starvation"],
  ["pods with no requests, noisy neighbour", "resource-starvation"],
];

describe("search over the built-in page", () => {
  it.each(PHRASINGS)("%s → %s", (query, expected) => {
    expect(first(query)).toBe(expected);
  });

  it("returns plain scores, best first", () => {
    const hits = searchPitfalls(index, "OOMKilled exit code 137");
    expect(hits.length).toBeGreaterThan(1);
    for (const [i, h] of hits.entries()) {
      expect(Number.isFinite(h.score)).toBe(true);
      if (i > 0) expect(h.score).toBeLessThanOrEqual(hits[i - 1]?.score ?? Number.POSITIVE_INFINITY);
    }
    expect(hits[0]).toEqual({ id: "oomkilled", title: "OOMKilled", score: hits[0]?.score });
  });

  it("gives nothing for an empty or stopword-only query", () => {
    expect(searchPitfalls(index, "")).toEqual([]);
    expect(searchPitfalls(index, "   \n\t ")).toEqual([]);
    expect(searchPitfalls(index, "the of and")).toEqual([]);
    expect(searchPitfalls(index, "?!")).toEqual([]);
  });

  it("limits the number of hits", () => {
    expect(searchPitfalls(index, "pod", { limit: 2 })).toHaveLength(2);
    expect(searchPitfalls(index, "pod", { limit: 0 })).toEqual([]);
  });

  it("filters by zone: zone-1 pitfalls drop out for zone 2, ALL ones stay", () => {
    const ids = (zone: string) =>
      searchPitfalls(index, "pod ImagePullBackOff restarts", { zone }).map((h) => h.id);
    expect(ids("2")).not.toContain("image-pull-failures-zone-1");
    expect(ids("2")).toContain("crashloopbackoff");
    expect(ids("zone 1")[0]).toBe("image-pull-failures-zone-1");
    expect(ids("Zone 1")).toEqual(ids("1"));
    expect(ids("all")).toEqual(searchPitfalls(index, "pod ImagePullBackOff restarts").map((h) => h.id));
  });

  it("rejects a zone it cannot read", () => {
    expect(() => searchPitfalls(index, "pod", { zone: "k3s" })).toThrow(RangeError);
  });

  it("boosts pitfalls of a zone named in the query, without filtering", () => {
    const plain = searchPitfalls(index, "kubectl logs");
    const zoned = searchPitfalls(index, "kubectl logs zone 1");
    expect(zoned.map((h) => h.id).sort()).toEqual(plain.map((h) => h.id).sort());
    const score = (hits: typeof plain, id: string) => hits.find((h) => h.id === id)?.score ?? 0;
    expect(score(zoned, "traefik-ingress-not-updating")).toBeGreaterThan(
      score(plain, "traefik-ingress-not-updating"),
    );
    expect(score(zoned, "crashloopbackoff")).toBe(score(plain, "crashloopbackoff"));
  });
});

describe("the symptom vocabulary", () => {
  const vocabulary = new Set(
    builtin.flatMap((p) =>
      termsOf(
        [
          p.title,
          ...p.blocks.map((b) => (b.type === "list" ? [b.intro ?? "", ...b.items].join(" ") : b.text)),
          ...p.steps.map((s) => s.text),
          ...p.addedFrom.map((a) => `${a.incident} ${a.note ?? ""}`),
        ].join("\n"),
      ),
    ),
  );

  it.each(SYMPTOMS.flatMap((s) => s.terms))("expands to '%s', a word of the pitfall texts", (term) => {
    for (const t of termsOf(term)) expect(vocabulary.has(t), t).toBe(true);
  });

  it("points only at ids of the built-in page", () => {
    const ids = new Set(builtin.map((p) => p.id));
    for (const s of SYMPTOMS) for (const id of s.ids) expect(ids.has(id), id).toBe(true);
  });
});

// A team page in its own words: other titles and ids, so ranking can only come from the texts.
const TEAM_PAGE = `# Platform — Pitfalls

OWNER: platform team

## Workers Run Out of Memory

Severity: HIGH
Zone: ALL

A worker that grows past its memory limit is stopped by the kernel and marked OOMKilled.

IF: a worker was stopped for memory
THEN: compare its memory use with the limit

## Queue Messages Never Acknowledged

Severity: MEDIUM
Zone: ALL

Redis Streams keep a pending list per consumer group; entries of a consumer that died stay there.

IF: entries stay pending
THEN: claim them for a consumer that is alive

## Credentials Lag Behind Vault

Severity: MEDIUM
Zone: 2+3

A secret rotated in Vault reaches the pods only at the next sync, so they keep the old value for a while.

IF: pods see the old value
THEN: force a sync

## Two Pods Fighting Over One Port

Severity: HIGH
Zone: ALL

With hostNetwork the new pod cannot bind the port while the old one still runs during a rollout.

ANTI_PATTERN: hostNetwork in a Deployment
`;

describe("search over a team's own page", () => {
  const team = pitfallsOf(parsePage(TEAM_PAGE, "team.md"));
  const teamIndex = buildSearchIndex(team);
  const top = (q: string, zone?: string) => searchPitfalls(teamIndex, q, zone ? { zone } : {})[0]?.id;

  it("parses to four pitfalls with their own ids", () => {
    expect(team.map((p) => p.id)).toEqual([
      "workers-run-out-of-memory",
      "queue-messages-never-acknowledged",
      "credentials-lag-behind-vault",
      "two-pods-fighting-over-one-port",
    ]);
  });

  it.each([
    ["exit code 137", "workers-run-out-of-memory"],
    ["messages stuck, XPENDING is growing", "queue-messages-never-acknowledged"],
    ["orphaned entries in consumer group", "queue-messages-never-acknowledged"],
    ["rotated the api key, pods still use the old one", "credentials-lag-behind-vault"],
    ["didn't have free ports", "two-pods-fighting-over-one-port"],
    ["address already in use", "two-pods-fighting-over-one-port"],
  ])("%s → %s", (query, expected) => {
    expect(top(query)).toBe(expected);
  });

  it("filters by the page's own zones", () => {
    expect(top("rotated secret old value", "1")).not.toBe("credentials-lag-behind-vault");
    expect(top("rotated secret old value", "2")).toBe("credentials-lag-behind-vault");
  });
});

describe("ordering", () => {
  // Two entries alike but for the title word the query does not use.
  function pageOf(entries: [title: string, id: string][]): Pitfall[] {
    const body = entries
      .map(([title, id]) => `## ${title}\n\nID: ${id}\nSeverity: LOW\nZone: ALL\n\nThe same words in both.\n`)
      .join("\n");
    return pitfallsOf(parsePage(`# Tie — Pitfalls\n\n${body}`, "tie.md"));
  }

  it("breaks score ties by id, whatever the page order", () => {
    const idx = buildSearchIndex(
      pageOf([
        ["Widget Trouble", "zeta"],
        ["Gadget Trouble", "alpha"],
      ]),
    );
    const hits = searchPitfalls(idx, "trouble words");
    expect(hits.map((h) => h.id)).toEqual(["alpha", "zeta"]);
    expect(hits[0]?.score).toBe(hits[1]?.score);
  });

  it("survives two pitfalls with the same id", () => {
    const idx = buildSearchIndex(
      pageOf([
        ["Widget Trouble", "dup"],
        ["Widget Trouble", "dup"],
      ]),
    );
    expect(searchPitfalls(idx, "widget").map((h) => h.id)).toEqual(["dup", "dup"]);
  });
});
