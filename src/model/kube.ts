// Kubernetes objects as plain JSON, and references to them. An object from a file, a dump or the API is
// `unknown` until `kubeObjectOf` has checked the fields KubeObject names; the rest is read through k8s/fields.ts.

/** The metadata fields `kubeObjectOf` checked; anything else in metadata is as the source wrote it. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  /** Values as written: YAML may hold a number where the API server wants a string. */
  labels?: Record<string, unknown> | null;
  annotations?: Record<string, unknown> | null;
  ownerReferences?: OwnerReference[] | null;
  [key: string]: unknown;
}

/** An owner reference as checked: a mapping whose named fields, when present, are strings. */
export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: unknown;
  [key: string]: unknown;
}

/** A Kubernetes object as read: what `kubeObjectOf` checked is typed, the rest is `unknown` until read. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
  apiVersion?: string;
  /** Redis Streams findings: the stream key and consumer group of a `StreamConsumer`. */
  stream?: string;
  group?: string;
}

const OWNER_STRINGS = ["apiVersion", "kind", "name", "uid"] as const;
const META_STRINGS = [
  "name",
  "generateName",
  "namespace",
  "uid",
  "resourceVersion",
  "creationTimestamp",
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The value as a KubeObject once what the type claims holds: a JSON object with string `apiVersion` and `kind`,
 * and metadata whose typed fields have their types. Otherwise what is wrong, in words, for a diagnostic.
 */
export function kubeObjectOf(value: unknown): KubeObject | string {
  if (!isRecord(value))
    return `is a ${Array.isArray(value) ? "sequence" : value === null ? "null" : "scalar"}`;
  if (typeof value.apiVersion !== "string" || typeof value.kind !== "string")
    return "has no string `apiVersion` and `kind`";
  const meta = value.metadata;
  if (meta === undefined) return value as KubeObject;
  if (!isRecord(meta)) return "has a `metadata` that is not a mapping";
  for (const key of META_STRINGS)
    if (meta[key] !== undefined && typeof meta[key] !== "string")
      return `has a \`metadata.${key}\` that is not a string`;
  for (const key of ["labels", "annotations"])
    if (meta[key] !== undefined && meta[key] !== null && !isRecord(meta[key]))
      return `has \`metadata.${key}\` that are not a mapping`;
  const owners = meta.ownerReferences;
  if (owners !== undefined && owners !== null) {
    if (!Array.isArray(owners)) return "has `metadata.ownerReferences` that are not a list";
    for (const r of owners)
      if (!isRecord(r) || OWNER_STRINGS.some((k) => r[k] !== undefined && typeof r[k] !== "string"))
        return "has an owner reference that is not a mapping of strings (apiVersion, kind, name, uid)";
  }
  return value as KubeObject;
}

export function refOf(o: KubeObject): ObjectRef {
  const ref: ObjectRef = { kind: String(o.kind ?? ""), name: String(o.metadata?.name ?? "") };
  if (o.metadata?.namespace) ref.namespace = o.metadata.namespace;
  if (o.apiVersion) ref.apiVersion = o.apiVersion;
  return ref;
}

/** `Kind/namespace/name` or `Kind/name`. */
export function refKey(r: ObjectRef): string {
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}
