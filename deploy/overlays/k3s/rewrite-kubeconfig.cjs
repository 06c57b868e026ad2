// Copies the node's k3s kubeconfig into the pod's /tmp with the API server reachable from the pod:
// k3s writes `server: https://127.0.0.1:6443`, and 127.0.0.1 inside a pod is the pod itself.
// Run by the init container as uid 10001; it needs read access to the file (see kustomization.yaml).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const source = process.env.KUBECONFIG_SOURCE || "/etc/rancher/k3s/k3s.yaml";
const target = process.env.KUBECONFIG_TARGET || "/tmp/kube/config";
const hostIp = process.env.HOST_IP || "";

let text;
try {
  text = fs.readFileSync(source, "utf8");
} catch (e) {
  const hint =
    e.code === "EACCES"
      ? " (the file is root-only: set write-kubeconfig-group and write-kubeconfig-mode 0640 on the node, see deploy/overlays/k3s)"
      : "";
  console.error(`pitfall: cannot read ${source}: ${e.code || e.message}${hint}`);
  process.exit(1);
}
if (!hostIp) {
  console.error("pitfall: HOST_IP is not set (the init container takes it from status.hostIP)");
  process.exit(1);
}
const host = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
// Only loopback servers are rewritten; a kubeconfig that already names a reachable address is kept as it is.
const out = text.replace(/(\bserver:\s*["']?https?:\/\/)(127\.0\.0\.1|localhost|\[::1\])(?=[:/"'\s]|$)/gm, `$1${host}`);
fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
fs.writeFileSync(target, out, { mode: 0o600 });
const servers = [...out.matchAll(/\bserver:\s*["']?([^\s"']+)/g)].map((m) => m[1]);
console.log(`pitfall: wrote ${target} (server ${servers.join(", ") || "none"})`);
