// kubeconform validates against JSON schemas it would otherwise download. Offline, they are made here from the
// OpenAPI spec that ships inside the Go module k8s.io/kubernetes (api/openapi-spec/swagger.json), fetched with
// `go mod download` like any module: one file per kind named as kubeconform looks them up, refs into _definitions.json.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const KUBERNETES_MODULE = { module: "k8s.io/kubernetes", version: "v1.34.4" };
const DEFS = "_definitions.json";

/** kubeconform's default file name for a kind: `{kind}{-group}-{version}.json`, group cut at its first dot. */
export function schemaFileName(kind, group, version) {
  const g = group ? `-${group.split(".")[0]}` : "";
  return `${kind.toLowerCase()}${g}-${version}.json`;
}

/** OpenAPI v2 → JSON schema as kubeconform reads it: refs to the shared file, nulls allowed, int-or-string and quantities either way. */
function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string")
      out.$ref = v.replace("#/definitions/", `${DEFS}#/definitions/`);
    else if (k === "format" && (v === "int-or-string" || v === "int32" || v === "int64" || v === "double"))
      continue;
    else out[k] = convert(v);
  }
  if (node.format === "int-or-string") {
    delete out.type;
    out.oneOf = [{ type: "string" }, { type: "integer" }];
  }
  // Generated manifests carry `creationTimestamp: null` and the like; the API server accepts null for optional fields.
  if (typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

/** The schema folder, made once per Kubernetes version; undefined (and why) when the module cannot be had. */
export function ensureSchemas(cacheRoot) {
  const dir = join(cacheRoot, `kubeconform-schemas@${KUBERNETES_MODULE.version}`);
  if (existsSync(join(dir, DEFS))) return { dir };
  const r = spawnSync(
    "go",
    ["mod", "download", "-json", `${KUBERNETES_MODULE.module}@${KUBERNETES_MODULE.version}`],
    {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0)
    return { why: `go mod download ${KUBERNETES_MODULE.module} failed: ${r.stderr.trim().split("\n")[0]}` };
  const spec = join(JSON.parse(r.stdout).Dir, "api/openapi-spec/swagger.json");
  if (!existsSync(spec)) return { why: `${spec} is missing from the module` };
  const definitions = JSON.parse(readFileSync(spec, "utf8")).definitions;
  const quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const defs = {};
  for (const [name, def] of Object.entries(definitions)) defs[name] = convert(def);
  // A quantity is written as a string or a bare number (`cpu: 1`).
  defs[quantity] = { ...defs[quantity], type: undefined, oneOf: [{ type: "string" }, { type: "number" }] };
  writeFileSync(join(tmp, DEFS), JSON.stringify({ definitions: defs }));
  let kinds = 0;
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      // Only top-level kinds (with apiVersion/kind properties), not the option and event types that also carry a GVK.
      if (!def.properties?.kind || !def.properties?.apiVersion) continue;
      writeFileSync(join(tmp, schemaFileName(gvk.kind, gvk.group, gvk.version)), JSON.stringify(defs[name]));
      kinds++;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, kinds };
}
