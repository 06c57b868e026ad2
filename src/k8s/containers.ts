// The containers of a pod spec, each with its role and JSON path.
import { asList, asRecord, asString, type JsonPath } from "./fields.js";
import { podSpecOf } from "./podspec.js";
import type { KubeObject } from "../model/kube.js";

export type ContainerRole = "init" | "sidecar" | "regular" | "ephemeral";

export interface ContainerAt {
  container: Record<string, unknown>;
  /** `""` when the container has no usable name. */
  name: string;
  role: ContainerRole;
  /** Index in its own list (`initContainers`, `containers` or `ephemeralContainers`). */
  index: number;
  path: JsonPath;
}

const LISTS = [
  ["initContainers", "init"],
  ["containers", "regular"],
  ["ephemeralContainers", "ephemeral"],
] as const;

/** An init container with `restartPolicy: Always` keeps running beside the app: a native sidecar. */
export function isSidecar(container: unknown): boolean {
  return asRecord(container)?.restartPolicy === "Always";
}

/** Init containers (sidecars among them, in order), then regular, then ephemeral. Non-objects are skipped. */
export function containersOf(podSpec: unknown, basePath: readonly (string | number)[] = []): ContainerAt[] {
  const spec = asRecord(podSpec);
  if (!spec) return [];
  const out: ContainerAt[] = [];
  for (const [key, listRole] of LISTS) {
    asList(spec[key]).forEach((item, index) => {
      const container = asRecord(item);
      if (!container) return;
      const role: ContainerRole = listRole === "init" && isSidecar(container) ? "sidecar" : listRole;
      out.push({
        container,
        name: asString(container.name) ?? "",
        role,
        index,
        path: [...basePath, key, index],
      });
    });
  }
  return out;
}

/** Containers that run for the pod's whole life: regular ones and sidecars. */
export function longRunningContainersOf(
  podSpec: unknown,
  basePath: readonly (string | number)[] = [],
): ContainerAt[] {
  return containersOf(podSpec, basePath).filter((c) => c.role === "regular" || c.role === "sidecar");
}

/**
 * The containers of a Pod or workload, paths from the object's root. Ephemeral containers only on request:
 * they are debugging shells added to live pods, never part of a manifest's intent.
 */
export function objectContainersOf(obj: KubeObject, opts: { ephemeral?: boolean } = {}): ContainerAt[] {
  const at = podSpecOf(obj);
  if (!at) return [];
  const all = containersOf(at.spec, at.path);
  return opts.ephemeral ? all : all.filter((c) => c.role !== "ephemeral");
}

const ROLE_WORDS: Record<ContainerRole, string> = {
  init: "init container",
  sidecar: "sidecar",
  regular: "container",
  ephemeral: "ephemeral container",
};

/** `init container "migrate"`, `sidecar "proxy"`, `container "app"`, or `container #2` without a name. */
export function containerLabel(c: ContainerAt): string {
  return c.name ? `${ROLE_WORDS[c.role]} "${c.name}"` : `${ROLE_WORDS[c.role]} #${c.index + 1}`;
}
