// Installs the peers' own releases with `go install module/cmd@version` into ~/.cache/pitfall-peers/<name>@<version>/.
// Nothing but Go modules is downloaded. A peer that cannot be built is skipped with one line saying why; the run
// never fails for it. Run: npm run peers:install   [names...]   (builds take minutes on 2 cores; later runs none)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PEERS, peerBinary, peerDir } from "./versions.mjs";

function goVersion() {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The first line of go's error that says what went wrong (403 from the proxy, a compile error, …). */
function why(stderr) {
  const lines = stderr.split("\n").map((l) => l.trim());
  const line =
    lines.find((l) => /403|404|410|not available|declares its path|invalid version|cannot find/i.test(l)) ??
    lines.find((l) => l.startsWith("go: ")) ??
    lines.find(Boolean) ??
    "no output";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function install(peer) {
  const bin = peerBinary(peer);
  if (existsSync(bin)) return `${peer.name} ${peer.version}: already built (${bin})`;
  const dir = peerDir(peer);
  mkdirSync(dir, { recursive: true });
  const pkg = peer.cmd ? `${peer.module}/${peer.cmd}` : peer.module;
  const started = Date.now();
  const r = spawnSync("go", ["install", `${pkg}@${peer.version}`], {
    encoding: "utf8",
    // GOFLAGS=-mod=mod keeps `go install` away from a vendor folder; the proxy is the only source (no direct VCS).
    env: {
      ...process.env,
      GOBIN: dir,
      GOPROXY: "https://proxy.golang.org",
      GOFLAGS: "-mod=mod",
      CGO_ENABLED: "0",
    },
  });
  if (r.status !== 0) return `${peer.name} ${peer.version}: skipped, go install failed: ${why(r.stderr)}`;
  // `go install` names the binary after the package's last path element; the cache names it after the peer.
  const built = join(dir, pkg.split("/").pop());
  if (built !== bin && existsSync(built)) renameSync(built, bin);
  if (!existsSync(bin)) return `${peer.name} ${peer.version}: skipped, go install left no binary in ${dir}`;
  return `${peer.name} ${peer.version}: built in ${Math.round((Date.now() - started) / 1000)} s (${bin})`;
}

function main() {
  const go = goVersion();
  if (!go) {
    console.log("peers: go is not on PATH; every peer is skipped (install Go to compare with them)");
    return 0;
  }
  const wanted = process.argv.slice(2);
  const peers = wanted.length ? PEERS.filter((p) => wanted.includes(p.name)) : PEERS;
  console.log(`peers: ${go}; cache ${join(peerDir(PEERS[0]), "..")}`);
  for (const peer of peers) console.log(install(peer));
  return 0;
}

process.exitCode = main();
