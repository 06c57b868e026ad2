// Installs the peers' own releases with `go install module/cmd@version` into ~/.cache/pitfall-peers/<name>@<version>/.
// Nothing but Go modules is downloaded. A peer that cannot be built is skipped with one line saying why; the run
// never fails for it. Run: npm run peers:install   [names...]   (builds take minutes on 2 cores; later runs none)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSchemas } from "./schemas.mjs";
import { PEERS, peerBinary, peerDir } from "./versions.mjs";

function goVersion() {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** What went wrong, in one short line: the proxy's refusal, or go's first error line. */
function why(stderr) {
  const refused = stderr.match(/reading https?:\/\/[^/\s]+\/(\S+?): (\d{3} [A-Za-z ]+)/);
  if (refused) return `the Go module proxy answers ${refused[2].trim()} for ${refused[1]}`;
  const line =
    stderr
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "no output";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const GO_ENV = { GOPROXY: "https://proxy.golang.org", GOFLAGS: "-mod=mod", CGO_ENABLED: "0" };

/**
 * `go install m@v` also reads the module's version list (for deprecation notices); where the proxy serves the
 * version but not the list, the same version builds from a throwaway module that requires exactly it.
 */
function buildThroughWrapper(peer, pkg, bin) {
  const dir = mkdtempSync(join(tmpdir(), `pitfall-peer-${peer.name}-`));
  try {
    writeFileSync(
      join(dir, "go.mod"),
      `module pitfall-peers/${peer.name}\n\ngo 1.23\n\nrequire ${peer.module} ${peer.version}\n`,
    );
    const r = spawnSync("go", ["build", "-trimpath", "-o", bin, pkg], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, ...GO_ENV },
    });
    return r.status === 0 ? undefined : why(r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function install(peer) {
  const line = attempt(peer);
  // A peer that did not build leaves no empty folder behind in the cache.
  const dir = peerDir(peer);
  if (!existsSync(peerBinary(peer))) rmSync(dir, { recursive: true, force: true });
  return line;
}

function attempt(peer) {
  const bin = peerBinary(peer);
  if (existsSync(bin)) return `${peer.name} ${peer.version}: already built (${bin})`;
  const dir = peerDir(peer);
  mkdirSync(dir, { recursive: true });
  const pkg = peer.cmd ? `${peer.module}/${peer.cmd}` : peer.module;
  const started = Date.now();
  // The proxy is the only source (no direct VCS); -mod=mod keeps go away from a vendor folder.
  const r = spawnSync("go", ["install", "-trimpath", `${pkg}@${peer.version}`], {
    encoding: "utf8",
    env: { ...process.env, GOBIN: dir, ...GO_ENV },
  });
  if (r.status !== 0) {
    const first = why(r.stderr);
    if (!/@v\/list/.test(r.stderr)) return `${peer.name} ${peer.version}: skipped, ${first}`;
    const again = buildThroughWrapper(peer, pkg, bin);
    if (again) return `${peer.name} ${peer.version}: skipped, ${first}; through a wrapper module: ${again}`;
  }
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
  if (!wanted.length || wanted.includes("kubeconform")) {
    const schemas = ensureSchemas(join(peerDir(PEERS[0]), ".."));
    console.log(
      schemas.dir
        ? `kubeconform schemas: ${schemas.dir}${schemas.kinds ? ` (${schemas.kinds} kinds)` : ""}`
        : `kubeconform schemas: skipped, ${schemas.why}`,
    );
  }
  return 0;
}

process.exitCode = main();
