// kubectl-style object references (`pod/NAME`, `deploy NAME`, `externalsecret.external-secrets.io/NAME`) → kind and name.

export interface KindInfo {
  kind: string;
  namespaced: boolean;
}

const KINDS: Record<string, KindInfo & { aliases: string[] }> = {
  pod: { kind: "Pod", namespaced: true, aliases: ["po", "pods"] },
  deployment: { kind: "Deployment", namespaced: true, aliases: ["deploy", "deployments"] },
  replicaset: { kind: "ReplicaSet", namespaced: true, aliases: ["rs", "replicasets"] },
  statefulset: { kind: "StatefulSet", namespaced: true, aliases: ["sts", "statefulsets"] },
  daemonset: { kind: "DaemonSet", namespaced: true, aliases: ["ds", "daemonsets"] },
  job: { kind: "Job", namespaced: true, aliases: ["jobs"] },
  cronjob: { kind: "CronJob", namespaced: true, aliases: ["cj", "cronjobs"] },
  service: { kind: "Service", namespaced: true, aliases: ["svc", "services"] },
  endpoints: { kind: "Endpoints", namespaced: true, aliases: ["ep"] },
  ingress: { kind: "Ingress", namespaced: true, aliases: ["ing", "ingresses"] },
  externalsecret: { kind: "ExternalSecret", namespaced: true, aliases: ["es", "externalsecrets"] },
  node: { kind: "Node", namespaced: false, aliases: ["no", "nodes"] },
  namespace: { kind: "Namespace", namespaced: false, aliases: ["ns", "namespaces"] },
};

const BY_NAME = new Map<string, KindInfo>();
for (const [key, info] of Object.entries(KINDS)) {
  const plain = { kind: info.kind, namespaced: info.namespaced };
  for (const name of [key, ...info.aliases]) BY_NAME.set(name, plain);
}

/** A reference that cannot be read; the message shows the accepted forms. */
export class ObjectRefError extends Error {
  override name = "ObjectRefError";
}

/** The kind a name, alias or `kind.group` stands for (`po`, `Deployment`, `deployment.apps`). */
export function kindOf(text: string): KindInfo | undefined {
  const lower = text.trim().toLowerCase();
  // `deployment.apps`, `externalsecret.external-secrets.io`: the group adds nothing here.
  return BY_NAME.get(lower) ?? BY_NAME.get(lower.split(".")[0] ?? "");
}

export function knownKinds(): string[] {
  return Object.entries(KINDS).map(([key, info]) =>
    info.aliases[0] && info.aliases[0].length < key.length ? `${key} (${info.aliases[0]})` : key,
  );
}

/** `["pod/NAME"]`, `["pod", "NAME"]` or `["KIND/NAME"]` → kind and name. */
export function parseObjectRef(args: readonly string[]): KindInfo & { name: string } {
  const usage = "write KIND/NAME or KIND NAME, e.g. pod/web-7d9f-x2x4z, deploy/web, node/k3s-server-1";
  let kindText: string | undefined;
  let name: string | undefined;
  if (args.length === 1 && args[0]!.includes("/")) {
    const i = args[0]!.indexOf("/");
    kindText = args[0]!.slice(0, i);
    name = args[0]!.slice(i + 1);
  } else if (args.length === 2 && !args[0]!.includes("/")) {
    [kindText, name] = args as [string, string];
  } else throw new ObjectRefError(`cannot read the object ${JSON.stringify(args.join(" "))}: ${usage}`);
  if (!kindText || !name || name.includes("/"))
    throw new ObjectRefError(`cannot read the object ${JSON.stringify(args.join(" "))}: ${usage}`);
  const info = kindOf(kindText);
  if (!info) throw new ObjectRefError(`unknown kind '${kindText}': explain knows ${knownKinds().join(", ")}`);
  return { ...info, name };
}
