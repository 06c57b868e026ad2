// Which Kubernetes a cluster runs (k3s or a managed service), told from its nodes, and version strings.
import { asRecord, asString, metaMap } from "./fields.js";
import type { KubeObject } from "../model/kube.js";

export type Distribution = "k3s" | "managed";

function nodeInfoOf(node: unknown): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(node)?.status)?.nodeInfo);
}

/** A k3s node says so in its kubelet version (`v1.34.1+k3s1`), its labels or its `k3s.io/` annotations. */
export function isK3sNode(node: KubeObject): boolean {
  const info = nodeInfoOf(node);
  if (asString(info?.kubeletVersion)?.includes("+k3s")) return true;
  if (/-k3s\d*\b/.test(asString(info?.containerRuntimeVersion) ?? "")) return true;
  if (metaMap(node, "labels")["node.kubernetes.io/instance-type"] === "k3s") return true;
  return Object.keys(metaMap(node, "annotations")).some((k) => k.startsWith("k3s.io/"));
}

/** `k3s` when any node is a k3s node, `managed` otherwise; undefined when there are no nodes to tell from. */
export function distributionOf(nodes: readonly KubeObject[]): Distribution | undefined {
  if (!Array.isArray(nodes) || nodes.length === 0) return undefined;
  return nodes.some(isK3sNode) ? "k3s" : "managed";
}

export interface K8sVersion {
  major: number;
  minor: number;
  /** Undefined when left out or written `x` (`v1.34.x`); compared as 0. */
  patch: number | undefined;
  /** After `-`, e.g. `rc.1` or `eks-a737599`. */
  pre?: string;
  /** After `+`, e.g. `k3s1`. */
  build?: string;
  text: string;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+|x))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/** `v1.34.1+k3s1` → 1, 34, 1, build `k3s1`. Undefined for anything else. */
export function parseK8sVersion(text: unknown): K8sVersion | undefined {
  if (typeof text !== "string") return undefined;
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const v: K8sVersion = {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: m[3] === undefined || m[3] === "x" ? undefined : Number(m[3]),
    text,
  };
  if (m[4] !== undefined) v.pre = m[4];
  if (m[5] !== undefined) v.build = m[5];
  return v;
}

/** Compares dotted parts numerically where both are numbers (`rc.10` after `rc.9`, `k3s2` after `k3s1`). */
function compareLabels(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function isVersion(v: unknown): v is K8sVersion {
  const r = asRecord(v);
  return r !== undefined && Number.isInteger(r.major) && Number.isInteger(r.minor);
}

/**
 * -1, 0 or 1 by major, minor, patch; a pre-release sorts before its release; the build (`k3s1`, `k3s2`) breaks
 * ties, since k3s ships fixes that way. Undefined when either side is not a version.
 */
export function compareVersions(a: string | K8sVersion, b: string | K8sVersion): -1 | 0 | 1 | undefined {
  const x = typeof a === "string" ? parseK8sVersion(a) : a;
  const y = typeof b === "string" ? parseK8sVersion(b) : b;
  if (!isVersion(x) || !isVersion(y)) return undefined;
  const diff =
    x.major - y.major ||
    x.minor - y.minor ||
    (x.patch ?? 0) - (y.patch ?? 0) ||
    (x.pre === y.pre
      ? 0
      : x.pre === undefined
        ? 1
        : y.pre === undefined
          ? -1
          : compareLabels(x.pre, y.pre)) ||
    compareLabels(x.build ?? "", y.build ?? "");
  return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}
