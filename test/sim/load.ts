// Fixture clusters: multi-document YAML of Kubernetes objects plus `SimCluster` and `SimLog` documents.
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/model/kube.js";
import { resourcesOf, typeOfObject } from "./resources.js";
import { resolvePlaceholders } from "./time.js";
import type { Cluster, SimLog } from "./types.js";

export interface LoadOptions {
  /** The instant `{{now...}}` placeholders are relative to; default: the fixture's `now:` or the load time. */
  now?: Date;
}

export function loadCluster(file: string, opts: LoadOptions = {}): Cluster {
  return parseCluster(readFileSync(file, "utf8"), { ...opts, name: basename(file, extname(file)), file });
}

export function parseCluster(
  text: string,
  opts: LoadOptions & { name?: string; file?: string } = {},
): Cluster {
  const where = opts.file ?? opts.name ?? "fixture";
  const docs: Record<string, unknown>[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${where}: document ${i + 1}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`${where}: document ${i + 1} is not a mapping (expected a Kubernetes object)`);
    }
    docs.push(value as Record<string, unknown>);
  });

  const meta = docs.find((d) => d.kind === "SimCluster") ?? {};
  const fixedNow = typeof meta.now === "string" ? Date.parse(meta.now) : Number.NaN;
  const nowMs = opts.now?.getTime() ?? (Number.isNaN(fixedNow) ? Date.now() : fixedNow);
  const resolved = docs.map((d) => resolveStrings(d, nowMs) as Record<string, unknown>);

  const objects: KubeObject[] = [];
  const logs: SimLog[] = [];
  resolved.forEach((d, i) => {
    if (d.kind === "SimCluster") return;
    if (d.kind === "SimLog") logs.push(simLogOf(d, `${where}: document ${i + 1}`));
    else if (typeof d.kind !== "string" || typeof d.apiVersion !== "string") {
      throw new Error(`${where}: document ${i + 1} has no kind/apiVersion`);
    } else objects.push(d as KubeObject);
  });

  const types = resourcesOf(objects);
  for (const o of objects) {
    if (!typeOfObject(types, o)) {
      throw new Error(
        `${where}: ${o.apiVersion} ${o.kind} "${o.metadata?.name}" is not a built-in kind and no CustomResourceDefinition in the fixture declares it`,
      );
    }
  }

  const version =
    typeof meta.version === "string" ? meta.version : (nodeKubeletVersion(objects) ?? "v1.34.1");
  return {
    name: typeof meta.name === "string" ? meta.name : (opts.name ?? "cluster"),
    version,
    objects,
    logs,
  };
}

function simLogOf(d: Record<string, unknown>, where: string): SimLog {
  const { namespace, pod, container, text } = d;
  if (typeof namespace !== "string" || typeof pod !== "string" || typeof container !== "string") {
    throw new Error(`${where}: SimLog needs namespace, pod and container`);
  }
  return {
    namespace,
    pod,
    container,
    previous: d.previous === true,
    text: typeof text === "string" ? text : "",
  };
}

function nodeKubeletVersion(objects: readonly KubeObject[]): string | undefined {
  const node = objects.find((o) => o.kind === "Node");
  const info = (node?.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo;
  return info?.kubeletVersion;
}

function resolveStrings(value: unknown, nowMs: number): unknown {
  if (typeof value === "string") return value.includes("{{now") ? resolvePlaceholders(value, nowMs) : value;
  if (Array.isArray(value)) return value.map((v) => resolveStrings(v, nowMs));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveStrings(v, nowMs);
    return out;
  }
  return value;
}
