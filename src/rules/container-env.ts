// A container's environment as the kubelet builds it: `envFrom` ConfigMaps and Secrets first, then `env`
// (which wins), with values from ConfigMaps among the inputs. Secret values never reach a rule (the reader masks
// them), so a variable from a Secret is known to exist but its value is not.
import type { ContainerAt } from "../k8s/containers.js";
import { asList, asRecord, asString, type JsonPath, metaString } from "../k8s/fields.js";
import type { SourcedObject } from "../model/snapshot.js";
import type { Lookup } from "./types.js";

export interface EnvVar {
  name: string;
  /** Undefined when it cannot be read from the inputs (a Secret, a field ref, a ConfigMap not given). */
  value: string | undefined;
  /** Where the value is written in the checked object: the `env` value, or the `envFrom` entry. */
  path: JsonPath;
  /** `env REDIS_URL`, `ConfigMap cart-config key REDIS_URL (envFrom)`. */
  where: string;
  /** The ConfigMap the value comes from, when it is another object. */
  from?: SourcedObject;
}

/** The ConfigMap or Secret named `name` in the namespace (an unknown namespace on either side matches). */
function sourceObject(
  lookup: Lookup,
  kind: "ConfigMap" | "Secret",
  name: string,
  namespace: string | undefined,
): SourcedObject | undefined {
  const exact = lookup.get(kind, namespace, name);
  if (exact) return exact;
  return lookup.named(kind, name).find((o) => {
    const ns = metaString(o.object, "namespace");
    return ns === undefined || namespace === undefined;
  });
}

/** `data` (and, for a ConfigMap, nothing else: binaryData is not text) as string pairs. */
function dataOf(o: SourcedObject | undefined): [string, string | undefined][] {
  if (!o) return [];
  const kind = o.object.kind;
  const maps = kind === "Secret" ? ["data", "stringData"] : ["data"];
  const out: [string, string | undefined][] = [];
  for (const key of maps)
    for (const [k, v] of Object.entries(asRecord((o.object as Record<string, unknown>)[key]) ?? {}))
      out.push([k, kind === "Secret" ? undefined : typeof v === "string" ? v : undefined]);
  return out;
}

/** The container's variables, later ones overriding earlier ones by name, as the kubelet does. */
export function containerEnv(lookup: Lookup, namespace: string | undefined, c: ContainerAt): EnvVar[] {
  const vars = new Map<string, EnvVar>();
  asList(c.container.envFrom).forEach((entry, i) => {
    const from = asRecord(entry);
    const prefix = asString(from?.prefix) ?? "";
    for (const kind of ["ConfigMap", "Secret"] as const) {
      const ref = asRecord(from?.[kind === "ConfigMap" ? "configMapRef" : "secretRef"]);
      const name = asString(ref?.name);
      if (!name) continue;
      const source = sourceObject(lookup, kind, name, namespace);
      for (const [key, value] of dataOf(source))
        vars.set(prefix + key, {
          name: prefix + key,
          value,
          path: [...c.path, "envFrom", i],
          where: `${kind} ${name} key ${key} (envFrom)`,
          ...(source ? { from: source } : {}),
        });
    }
  });
  asList(c.container.env).forEach((entry, i) => {
    const env = asRecord(entry);
    const name = asString(env?.name);
    if (!name) return;
    const value = asString(env?.value);
    if (value !== undefined || !env?.valueFrom) {
      vars.set(name, { name, value, path: [...c.path, "env", i, "value"], where: `env ${name}` });
      return;
    }
    const ref = asRecord(asRecord(env.valueFrom)?.configMapKeyRef);
    const map = asString(ref?.name);
    const key = asString(ref?.key);
    const source = map ? sourceObject(lookup, "ConfigMap", map, namespace) : undefined;
    const fromMap = key
      ? asString(asRecord((source?.object as Record<string, unknown>)?.data)?.[key])
      : undefined;
    vars.set(name, {
      name,
      value: fromMap,
      path: [...c.path, "env", i],
      where: map && key ? `env ${name} from ConfigMap ${map} key ${key}` : `env ${name}`,
      ...(source && fromMap !== undefined ? { from: source } : {}),
    });
  });
  return [...vars.values()];
}
