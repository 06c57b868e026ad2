// The names a runbook's `{placeholders}` can take from the object a finding is about.
import { objectContainersOf } from "../k8s/containers.js";
import { asList, asRecord, asString, metaMap, metaString } from "../k8s/fields.js";
import { parseImage } from "../k8s/image.js";
import type { KubeObject } from "../model/kube.js";

/**
 * `pod-name` (Pods), `namespace`, `name`, `kind`, `container`, `image`, `image-name`, `service`, `deployment`.
 * Values that cannot be known stay out, so the step shows the placeholder instead of a guess.
 */
export function objectValues(obj: KubeObject, containerName?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const kind = asString(obj.kind);
  const name = metaString(obj, "name");
  const namespace = metaString(obj, "namespace");
  if (kind) out.kind = kind;
  if (name) out.name = name;
  if (namespace) out.namespace = namespace;
  if (kind === "Pod" && name) out["pod-name"] = name;
  const deployment = deploymentOf(obj);
  if (deployment) out.deployment = deployment;
  const service = serviceOf(obj);
  if (service) out.service = service;

  const containers = objectContainersOf(obj, { ephemeral: true });
  // Without a named container, a single-container pod's only container is meant.
  const container =
    containerName !== undefined
      ? containers.find((c) => c.name === containerName)
      : containers.filter((c) => c.role !== "ephemeral").length === 1
        ? containers[0]
        : undefined;
  const cname = containerName ?? container?.name;
  if (cname) out.container = cname;
  const image = asString(container?.container.image);
  const ref = parseImage(image);
  if (ref) {
    // The page appends its own tag (`{image}:latest`), so `image` is the name without tag or digest.
    out.image = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
    // `k3s ctr images list` prints docker.io/library/…; grep for the repository path alone.
    out["image-name"] = ref.repository;
  } else if (image) out.image = image;
  return out;
}

function deploymentOf(obj: KubeObject): string | undefined {
  const kind = asString(obj.kind);
  if (kind === "Deployment") return metaString(obj, "name");
  const owners = asList(asRecord(obj.metadata)?.ownerReferences).map(asRecord);
  const deployment = owners.find((o) => o?.kind === "Deployment");
  if (deployment) return asString(deployment.name);
  const rs = owners.find((o) => o?.kind === "ReplicaSet");
  const rsName = asString(rs?.name);
  if (kind === "Pod" && rsName) {
    // A Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`.
    const hash = metaMap(obj, "labels")["pod-template-hash"];
    if (hash && rsName.endsWith(`-${hash}`)) return rsName.slice(0, -(hash.length + 1));
  }
  return undefined;
}

function serviceOf(obj: KubeObject): string | undefined {
  if (obj.kind === "Service") return metaString(obj, "name");
  const labels = metaMap(obj, "labels");
  return labels["app.kubernetes.io/name"] ?? labels.app;
}
