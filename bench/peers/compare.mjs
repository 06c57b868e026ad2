// Side by side: the peers' own verdicts (from their binaries) against pitfall's on the same files, per object and
// check, with the page's reason for each kind of disagreement. Used by bench/conformance.mjs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** pitfall's verdicts from a `lint -o json` report: per object, the overlapping checks it flags. */
export function pitfallVerdicts(report, rel) {
  const flags = new Map();
  const add = (f, check, detail) => {
    const key = [rel(f.file), f.object.kind, f.object.name, check].join("|");
    flags.set(key, [flags.get(key), detail].filter(Boolean).join("; "));
  };
  for (const f of report.findings) {
    if (f.rule === "resources") add(f, "requests/limits", f.message);
    if (f.rule === "host-network") add(f, "hostNetwork", f.message);
    // "latest tag" is judged in compare(): an image finding on an object that runs a :latest or untagged image.
    if (f.rule === "image-pull-policy") add(f, "pull policy", f.message);
  }
  const invalid = new Set((report.errors ?? []).map((e) => rel(e.file)));
  return { flags, invalid };
}

/** The objects of a file by kind and name (List items included), for the reasons below. */
function objectsOf(base, file, cache) {
  if (!cache.has(file)) {
    const out = [];
    try {
      const text = readFileSync(join(base, file), "utf8").replace(/^\uFEFF/, "");
      for (const doc of parseAllDocuments(text, { merge: true, uniqueKeys: false })) {
        const o = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: -1 });
        if (!o || typeof o !== "object") continue;
        for (const item of Array.isArray(o.items) ? o.items : [o]) if (item?.kind) out.push(item);
      }
    } catch {
      // An unreadable file gives no reasons; its disagreements stay unexplained.
    }
    cache.set(file, out);
  }
  return cache.get(file);
}

function containersOf(o) {
  const s = o?.spec ?? {};
  const pod =
    o?.kind === "Pod" ? s : o?.kind === "CronJob" ? s.jobTemplate?.spec?.template?.spec : s.template?.spec;
  return [
    ...(pod?.initContainers ?? []).map((c) => ({ ...c, init: true })),
    ...(pod?.containers ?? []).map((c) => ({ ...c, init: false })),
  ];
}

const has = (v) => v !== undefined && v !== null && v !== "";
const untagged = (image) => typeof image === "string" && /^([^/]+\/)*[^/:@]+(:latest)?$/.test(image);

/**
 * The page's reason for a disagreement on an expected verdict (`c`: file, kind, name, check, flag), worked out
 * from the object in `base`/`file` as for the peers' own runs; undefined when there is none.
 */
export function pageReason(base, c) {
  const o = objectsOf(base, c.file, new Map()).find((x) => x.kind === c.kind && x.metadata?.name === c.name);
  return REASONS.find((r) => r.when({ ...c, peer: c.flag }, o))?.why;
}

/** Why pitfall's verdict differs from the peer's on purpose, from the page; undefined when it is not explained. */
export const REASONS = [
  {
    when: (v) => v.check === "pull policy",
    why: "the page (Image Pull Failures, zone 1) says imagePullPolicy: Always is wrong in a k3s zone with no registry; the peer requires Always",
  },
  {
    when: (v, o) =>
      v.check === "requests/limits" &&
      v.peer &&
      containersOf(o).length > 0 &&
      containersOf(o).every((c) => ["cpu", "memory"].every((r) => has(c.resources?.limits?.[r]))),
    why: "requests left out where limits are set: the API server copies limits into unset requests (issue 13); the peer flags the text, pitfall the effective value",
  },
  {
    when: (v, o) =>
      v.check === "requests/limits" &&
      !v.peer &&
      containersOf(o)
        .filter((c) => !["cpu", "memory"].every((r) => has(c.resources?.limits?.[r])))
        .every((c) => c.init),
    why: "only init containers lack resources: the page says each container, and an init container holds node resources while it runs; the peer checks regular containers only",
  },
  {
    when: (v, o) =>
      v.check === "latest tag" &&
      v.peer &&
      containersOf(o).every(
        (c) => !untagged(c.image) || ["IfNotPresent", "Never"].includes(c.imagePullPolicy),
      ),
    why: "the page cares about the pull policy, not the tag: a :latest or untagged image with IfNotPresent/Never runs from the k3s import (Image Pull Failures)",
  },
  {
    when: (v, o) =>
      v.peer &&
      o &&
      (containersOf(o).some((c) => !c.image) || (v.check !== "requests/limits" && !containersOf(o).length)),
    why: "a pod spec without containers, or a container without an image: pitfall reads the object as a kustomize patch, not a whole object, and skips it with a warning (issue 13); the API server would refuse it as it stands",
  },
  {
    when: (v, o) => v.check === "requests/limits" && v.peer && o && containersOf(o).length === 0,
    why: "the object has no containers: nothing for requests or limits to be missing from (the peer reports the empty pod spec)",
  },
  {
    when: (v, o) =>
      v.check === "latest tag" && v.peer && containersOf(o).some((c) => /[<>]/.test(String(c.image ?? ""))),
    why: "the image is a documentation placeholder (like <image_url>), not an image reference anyone could pull",
  },
  {
    when: (v) => v.check === "schema" && v.peer,
    why: "schema validation is not a pitfall: pitfall reads what it needs and leaves the API schema to kubeconform or `kubectl apply --dry-run=server`",
  },
];

/**
 * Compares one peer's verdicts with pitfall's. `peerVerdicts`: {file, kind, name, check, flag, detail}; a peer that
 * reports only what it flags (`flagsOnly`) is taken to pass every object of pitfall's it does not name.
 */
export function compare(peerName, result, ours, base) {
  const cache = new Map();
  const rows = new Map();
  const disagreements = [];
  const seen = new Set();
  const judge = (v) => {
    if (ours.invalid.has(v.file)) return;
    const key = [v.file, v.kind, v.name, v.check].join("|");
    if (seen.has(key)) return;
    seen.add(key);
    const o = objectsOf(base, v.file, cache).find((x) => x.kind === v.kind && x.metadata?.name === v.name);
    // pitfall has no tag check of its own: its image finding on an object running a :latest or untagged image.
    const mine =
      v.check === "latest tag"
        ? ours.flags.has([v.file, v.kind, v.name, "pull policy"].join("|")) &&
          containersOf(o).some((c) => untagged(c.image))
        : ours.flags.has(key);
    const row = rows.get(v.check) ?? {
      both: 0,
      neither: 0,
      peerOnly: 0,
      pitfallOnly: 0,
      deliberate: 0,
      unexplained: 0,
    };
    if (v.flag && mine) row.both++;
    else if (!v.flag && !mine) row.neither++;
    else {
      if (v.flag) row.peerOnly++;
      else row.pitfallOnly++;
      const reason = REASONS.find((r) => r.when({ ...v, peer: v.flag }, o))?.why;
      if (reason) row.deliberate++;
      else row.unexplained++;
      disagreements.push({
        peer: peerName,
        ...v,
        pitfall: mine,
        reason,
        detail: v.flag
          ? v.detail
          : (ours.flags.get(key) ?? ours.flags.get([v.file, v.kind, v.name, "pull policy"].join("|"))),
      });
    }
    rows.set(v.check, row);
  };
  for (const v of result.verdicts) judge(v);
  if (result.flagsOnly) {
    const checks = new Set(result.verdicts.map((v) => v.check));
    for (const key of ours.flags.keys()) {
      const [file, kind, name, check] = key.split("|");
      if (checks.has(check)) judge({ file, kind, name, check, flag: false, detail: "" });
    }
  }
  return { rows, disagreements };
}
