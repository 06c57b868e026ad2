// A Secret's values never leave the reader: its keys stay (rules and DETECT lines may ask which keys exist), its
// values, and the copy of them kubectl keeps in an annotation, do not.
import type { KubeObject } from "../model/kube.js";
import { MASK } from "../model/redact.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

function masked(values: unknown): unknown {
  if (typeof values !== "object" || values === null || Array.isArray(values))
    return values === undefined ? values : MASK;
  return Object.fromEntries(Object.keys(values).map((k) => [k, MASK]));
}

/** The object as it is, or, for a Secret, a copy with `data` and `stringData` values masked. */
export function withoutSecretValues<T extends KubeObject>(object: T): T {
  if (object.kind !== "Secret") return object;
  const out: KubeObject = { ...object };
  if ("data" in out) out.data = masked(out.data);
  if ("stringData" in out) out.stringData = masked(out.stringData);
  const annotations = out.metadata?.annotations;
  if (annotations && typeof annotations === "object" && LAST_APPLIED in annotations)
    out.metadata = { ...out.metadata, annotations: { ...annotations, [LAST_APPLIED]: MASK } };
  return out as T;
}
