// Runs the installed peers on the same inputs as pitfall and turns their output into per-object verdicts on the
// checks both sides have. Each runner returns undefined when its peer is not installed (the caller says so once).
import { spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { ensureSchemas } from "./schemas.mjs";
import { installedPeers } from "./versions.mjs";

const cacheRoot = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pitfall-peers");

function run(bin, args, opts = {}) {
  return spawnSync(bin, args, { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
}

/** The checks compared: what each peer calls them. */
const KUBE_SCORE_CHECKS = {
  "container-resources": "requests/limits",
  "container-image-tag": "latest tag",
  "container-image-pull-policy": "pull policy",
};

/**
 * kube-score, one file at a time (one invalid file makes a whole run fail). Verdict per object and check:
 * flagged when the grade is below OK and the check was not skipped. Files it cannot parse are listed as invalid.
 */
export function kubeScore(files, base) {
  const peer = installedPeers().found["kube-score"];
  if (!peer) return undefined;
  const verdicts = [];
  const invalid = new Map();
  for (const file of files) {
    const r = run(peer.bin, ["score", file, "-o", "json"]);
    let objects;
    try {
      objects = JSON.parse(r.stdout);
    } catch {
      invalid.set(relative(base, file), (r.stderr || r.stdout).trim().split("\n")[0]);
      continue;
    }
    for (const o of objects ?? []) {
      for (const c of o.checks ?? []) {
        const check = KUBE_SCORE_CHECKS[c.check.id];
        if (!check || c.skipped) continue;
        verdicts.push({
          file: relative(base, file),
          kind: o.type_meta.kind,
          name: o.object_meta.name,
          check,
          flag: c.grade < 10,
          detail: (c.comments ?? []).map((m) => `${m.path ? `${m.path}: ` : ""}${m.summary}`).join("; "),
        });
      }
    }
  }
  return { peer, verdicts, invalid };
}

/** kubeconform against the schemas made from k8s.io/kubernetes' OpenAPI spec; CRDs without a schema are skipped. */
export function kubeconform(paths, base) {
  const peer = installedPeers().found.kubeconform;
  if (!peer) return undefined;
  const schemas = ensureSchemas(cacheRoot());
  if (!schemas.dir) return { peer, skipped: `no schemas: ${schemas.why}` };
  const r = run(peer.bin, [
    "-schema-location",
    `${schemas.dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    "-ignore-missing-schemas",
    "-summary",
    "-output",
    "json",
    ...paths,
  ]);
  const report = JSON.parse(r.stdout);
  const resources = report.resources.map((x) => ({
    file: relative(base, resolve(x.filename)),
    kind: x.kind,
    name: x.name,
    status: x.status.replace(/^status/, "").toLowerCase(),
    msg: x.msg ?? "",
    errors: (x.validationErrors ?? []).map((e) => `${e.path}: ${e.msg}`),
  }));
  return { peer, resources, summary: report.summary };
}

/**
 * kube-linter `lint --format json` (not built here: the module proxy refuses golang.stackrox.io; written from its
 * documented JSON shape, run it when the binary is there). Checks: host-network, unset-*-requirements, latest-tag.
 */
export function kubeLinter(paths, base) {
  const peer = installedPeers().found["kube-linter"];
  if (!peer) return undefined;
  const r = run(peer.bin, ["lint", "--format", "json", ...paths]);
  const report = JSON.parse(r.stdout);
  const CHECKS = {
    "host-network": "hostNetwork",
    "unset-cpu-requirements": "requests/limits",
    "unset-memory-requirements": "requests/limits",
    "latest-tag": "latest tag",
  };
  const verdicts = [];
  for (const rep of report.Reports ?? []) {
    const check = CHECKS[rep.Check];
    if (!check) continue;
    const k8s = rep.Object?.K8sObject ?? {};
    verdicts.push({
      file: relative(base, resolve(rep.Object?.Metadata?.FilePath ?? "")),
      kind: k8s.GroupVersionKind?.Kind,
      name: k8s.Name,
      check,
      flag: true,
      detail: rep.Diagnostic?.Message ?? "",
    });
  }
  return { peer, verdicts, flagsOnly: true };
}

/** Polaris `audit --format json` (not built here: the module proxy refuses it); container checks mapped as above. */
export function polaris(path, base) {
  const peer = installedPeers().found.polaris;
  if (!peer) return undefined;
  const r = run(peer.bin, ["audit", "--audit-path", path, "--format", "json"]);
  const report = JSON.parse(r.stdout);
  const CHECKS = {
    hostNetworkSet: "hostNetwork",
    cpuRequestsMissing: "requests/limits",
    memoryRequestsMissing: "requests/limits",
    cpuLimitsMissing: "requests/limits",
    memoryLimitsMissing: "requests/limits",
    tagNotSpecified: "latest tag",
    pullPolicyNotAlways: "pull policy",
  };
  const verdicts = new Map();
  const note = (base2, check, failed, message) => {
    const key = `${base2.file}|${base2.kind}|${base2.name}|${check}`;
    const v = verdicts.get(key) ?? { ...base2, check, flag: false, detail: "" };
    if (failed) {
      v.flag = true;
      v.detail = [v.detail, message].filter(Boolean).join("; ");
    }
    verdicts.set(key, v);
  };
  for (const res of report.Results ?? []) {
    const at = { file: relative(base, resolve(path, res.FileName ?? "")), kind: res.Kind, name: res.Name };
    const results = [
      ...Object.values(res.PodResult?.Results ?? {}),
      ...(res.PodResult?.ContainerResults ?? []).flatMap((c) => Object.values(c.Results ?? {})),
    ];
    for (const x of results) if (CHECKS[x.ID]) note(at, CHECKS[x.ID], !x.Success, x.Message);
  }
  return { peer, verdicts: [...verdicts.values()] };
}

/**
 * Popeye against a live cluster through a kubeconfig (for bench:scan and conformance once a real API server runs
 * in the test bed). Returns its JSON report, the time it took, or why it could not run.
 */
export function popeye(kubeconfig, { context, namespace } = {}) {
  const peer = installedPeers().found.popeye;
  if (!peer) return { skipped: "popeye is not installed (npm run peers:install)" };
  const args = ["--kubeconfig", kubeconfig, "-o", "json", "--force-exit-zero"];
  if (context) args.push("--context", context);
  args.push(...(namespace ? ["-n", namespace] : ["-A"]));
  // At 20,000 pods Popeye v0.22.1 grew past 19 GB in 40 minutes here and the machine swapped: bounded in time.
  const timeoutS = Number(process.env.POPEYE_TIMEOUT_S ?? 600);
  const started = process.hrtime.bigint();
  const r = run(peer.bin, args, {
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutS * 1000,
    killSignal: "SIGKILL",
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error?.code === "ETIMEDOUT")
    return {
      skipped: `popeye did not finish within ${timeoutS} s (killed; POPEYE_TIMEOUT_S sets the limit)`,
      ms,
    };
  if (r.signal) return { skipped: `popeye was killed by ${r.signal} after ${Math.round(ms / 1000)} s`, ms };
  try {
    return { report: JSON.parse(r.stdout), ms, status: r.status };
  } catch {
    return { skipped: `popeye exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`, ms };
  }
}
