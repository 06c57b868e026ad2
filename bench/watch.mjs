// Watch latency: from an API change (a pod starts crash-looping, or runs again) to the finding appearing or
// resolving, over ~200 events against the simulator with a generated cluster. Run: npm run bench:watch
// (builds dist/ first). Compiles the simulator (test/sim, TypeScript) to .pitfall-tmp/watch-bench once.
// PODS=… EVENTS=… change the size.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PODS = Number(process.env.PODS ?? 3000);
const EVENTS = Number(process.env.EVENTS ?? 200);
const dist = (p) => pathToFileURL(join(root, "dist", p)).href;

if (!existsSync(join(root, "dist/service/watch.js"))) {
  console.error("bench/watch.mjs: dist/ is missing; run `npm run build` first (or `npm run bench:watch`)");
  process.exit(2);
}

/** The simulator is test code in TypeScript; plain Node needs it compiled. */
function compileSimulator() {
  const out = join(root, ".pitfall-tmp/watch-bench");
  const entry = join(out, "test/sim/index.js");
  const source = join(root, "test/sim/index.ts");
  if (existsSync(entry) && statSync(entry).mtimeMs > statSync(source).mtimeMs) return entry;
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  execFileSync(
    process.execPath,
    [
      tsc,
      "--ignoreConfig",
      "--outDir",
      out,
      "--rootDir",
      root,
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2023",
      "--types",
      "node",
      "--skipLibCheck",
      "--verbatimModuleSyntax",
      source,
    ],
    { cwd: root, stdio: "inherit" },
  );
  return entry;
}

const { generateCluster, startSimulator } = await import(pathToFileURL(compileSimulator()).href);
const { loadKnowledgeBase } = await import(dist("kb/load.js"));
const { defaultConfig } = await import(dist("config/model.js"));
const { loadKubeConfig } = await import(dist("sources/kubeconfig.js"));
const { watchCluster } = await import(dist("sources/watch.js"));
const { watchFindings } = await import(dist("service/watch.js"));

function quantile(sorted, q) {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function row(name, values) {
  const s = [...values].sort((a, b) => a - b);
  const f = (n) => (Number.isNaN(n) ? "-" : n.toFixed(1).padStart(8));
  return `${name.padEnd(30)} ${String(s.length).padStart(5)} ${f(quantile(s, 0.5))} ${f(quantile(s, 0.95))} ${f(s[s.length - 1] ?? Number.NaN)}`;
}

function crashLooping(pod, restarts) {
  const name = pod.spec.containers[0].name;
  const ago = (ms) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, "Z");
  return {
    ...pod,
    status: {
      ...pod.status,
      phase: "Running",
      containerStatuses: [
        {
          name,
          image: pod.spec.containers[0].image,
          ready: false,
          restartCount: restarts,
          state: {
            waiting: {
              reason: "CrashLoopBackOff",
              message: `back-off 40s restarting failed container=${name}`,
            },
          },
          lastState: {
            terminated: { exitCode: 1, reason: "Error", startedAt: ago(60_000), finishedAt: ago(50_000) },
          },
        },
      ],
    },
  };
}

const cluster = generateCluster({
  pods: PODS,
  nodes: Math.max(3, Math.ceil(PODS / 40)),
  events: PODS * 2,
  seed: 7,
});
const sim = await startSimulator({ cluster, historySize: 100_000 });
const dir = mkdtempSync(join(tmpdir(), "pitfall-bench-watch-"));
const kubeConfig = await loadKubeConfig({ kubeconfig: sim.writeKubeconfig(dir) });
const kb = await loadKnowledgeBase({ cwd: root });

const waiting = new Map();
const evaluations = { objects: [], sweep: [], full: [] };
const startedAt = performance.now();
const clusterWatch = await watchCluster({ kubeConfig });
const watch = watchFindings(clusterWatch, {
  kb,
  config: defaultConfig(),
  onChanges(changes) {
    const at = performance.now();
    for (const c of changes) {
      const key = `${c.event} ${c.finding.object.namespace}/${c.finding.object.name}`;
      const w = waiting.get(key);
      if (w && c.finding.pitfall === "crashloopbackoff") {
        waiting.delete(key);
        w(at);
      }
    }
  },
  onEvaluated: (e) => evaluations[e.kind].push(e.ms),
});
await watch.ready;
const syncMs = performance.now() - startedAt;
const initialFindings = watch.findings().length;

// Healthy pods to break and mend, in a fixed order.
const healthy = cluster.objects
  .filter(
    (o) =>
      o.kind === "Pod" && o.status?.phase === "Running" && o.status?.containerStatuses?.[0]?.state?.running,
  )
  .slice(0, Math.ceil(EVENTS / 2));
const latency = { appeared: [], resolved: [] };

async function measure(event, pod, object) {
  const key = `${event} ${pod.metadata.namespace}/${pod.metadata.name}`;
  const seen = new Promise((resolve) => waiting.set(key, resolve));
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`no ${key} within 30 s`)), 30_000).unref(),
  );
  const t0 = performance.now();
  sim.apply(object);
  const t1 = await Promise.race([seen, timeout]);
  latency[event].push(t1 - t0);
}

for (const [i, pod] of healthy.entries()) {
  const name = pod.spec.containers[0].name;
  sim.setLog({
    namespace: pod.metadata.namespace,
    pod: pod.metadata.name,
    container: name,
    previous: true,
    text: "KeyError: 'DATABASE_URL'\n",
  });
  await measure("appeared", pod, crashLooping(pod, 3 + i));
  await measure("resolved", pod, pod);
}

await watch.stop();
await sim.close();
rmSync(dir, { recursive: true, force: true });

const objects = cluster.objects.length;
console.log(
  `watch latency: ${PODS} pods, ${objects} objects, ${initialFindings} findings at start; first list + evaluation ${(syncMs / 1000).toFixed(1)} s`,
);
console.log(
  `${"".padEnd(30)} ${"n".padStart(5)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"max ms".padStart(8)}`,
);
console.log(row("API change → finding appeared", latency.appeared));
console.log(row("API change → finding resolved", latency.resolved));
console.log(row("both", [...latency.appeared, ...latency.resolved]));
console.log(row("evaluation: changed objects", evaluations.objects));
console.log(row("evaluation: sweep (checkAll)", evaluations.sweep));
console.log(row("evaluation: everything", evaluations.full));
