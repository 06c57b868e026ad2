// Kubernetes objects as plain JSON, and references to them.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: Record<string, unknown> & unknown;
  status?: Record<string, unknown> & unknown;
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
