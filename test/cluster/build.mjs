// Builds test/cluster (kube-apiserver + etcd in one program) once into a cache keyed by its sources and go.sum:
// ~/.cache/pitfall-cluster/<key>/pitfall-cluster. Later runs find it and build nothing.
//   node test/cluster/build.mjs          build if needed, print the binary's path
//   node test/cluster/build.mjs --path   print where the binary is or would be; build nothing
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLUSTER_SOURCE = fileURLToPath(new URL(".", import.meta.url));
/** Must match go.mod's k8s.io/kubernetes: it is what /version reports. */
export const KUBERNETES_VERSION = "v1.34.4";

/** The files whose change needs a new build: go.mod, go.sum and the Go sources. */
function keyOf(dir) {
  const hash = createHash("sha256");
  const names = readdirSync(dir)
    .filter((n) => n === "go.mod" || n === "go.sum" || (n.endsWith(".go") && !n.endsWith("_test.go")))
    .sort();
  for (const n of names)
    hash
      .update(`${n}\0`)
      .update(readFileSync(join(dir, n)))
      .update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** Where the built binary is for the current sources (it may not exist yet). */
export function clusterBinary(env = process.env) {
  const cache =
    env.PITFALL_CLUSTER_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "pitfall-cluster");
  return join(cache, keyOf(CLUSTER_SOURCE), "pitfall-cluster");
}

function hasGo() {
  return spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
}

export function buildCluster() {
  const bin = clusterBinary();
  if (existsSync(bin)) return bin;
  if (!hasGo()) throw new Error("go is not on the PATH: install Go 1.24 or newer to build test/cluster");
  mkdirSync(join(bin, ".."), { recursive: true });
  const version = KUBERNETES_VERSION.replace(/^v/, "").split(".");
  const ldflags = [
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${version[0]}`,
    `-X k8s.io/component-base/version.gitMinor=${version[1]}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
  ].join(" ");
  const partial = `${bin}.${process.pid}.tmp`;
  execFileSync("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", partial, "."], {
    cwd: CLUSTER_SOURCE,
    stdio: "inherit",
  });
  // A finished binary appears in one step: a build that stops half way leaves no file under the real name.
  renameSync(partial, bin);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--path")) console.log(clusterBinary());
  else {
    const started = Date.now();
    const cached = existsSync(clusterBinary());
    const bin = buildCluster();
    console.error(
      `cluster: ${cached ? "cached" : "built"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(bin);
  }
}
