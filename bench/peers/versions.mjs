// The peers pitfall is compared with, pinned. Each is built from its own Go module with `go install` (the Go
// module proxy only); a peer whose module the proxy does not serve is skipped by the installer with its reason.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PEERS = [
  {
    name: "kube-linter",
    module: "golang.stackrox.io/kube-linter",
    cmd: "cmd/kube-linter",
    version: "v0.7.2",
  },
  { name: "kube-score", module: "github.com/zegl/kube-score", cmd: "cmd/kube-score", version: "v1.20.0" },
  { name: "kubeconform", module: "github.com/yannh/kubeconform", cmd: "cmd/kubeconform", version: "v0.8.0" },
  // Polaris tags (9.x, 10.x) are not module versions (its go.mod has no /vN suffix): only a commit can be asked for.
  {
    name: "polaris",
    module: "github.com/fairwindsops/polaris",
    cmd: "",
    version: "72aab89453167d7d19e9bdf72960be269781e092",
  },
  { name: "popeye", module: "github.com/derailed/popeye", cmd: "", version: "v0.22.1" },
];

/** Where one peer's binary lives once built: a cache outside the repo, one folder per peer and version. */
export function peerDir(peer) {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cache, "pitfall-peers", `${peer.name}@${peer.version}`);
}

export function peerBinary(peer) {
  return join(peerDir(peer), peer.name);
}

/** The binaries that are built, by name; for the others, one line each saying why they are not. */
export function installedPeers() {
  const found = {};
  const missing = [];
  for (const peer of PEERS) {
    const bin = peerBinary(peer);
    if (existsSync(bin)) found[peer.name] = { ...peer, bin };
    else missing.push(`${peer.name} ${peer.version}: not installed (npm run peers:install)`);
  }
  return { found, missing };
}
