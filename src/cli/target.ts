// The flags that name a cluster (kubectl's), shared by scan, watch and serve; where the kubeconfig is, for every
// command that reads a cluster (built once, here, from flags and environment).
import { type Command, Option } from "commander";
import type { LiveSource } from "../service/scan.js";
import type { KubeAccess } from "../sources/kubeconfig.js";
import { UsageError } from "./errors.js";
import type { Io } from "./io.js";
import { collect } from "./common.js";

export interface TargetFlags {
  context?: string[];
  allContexts?: boolean;
  kubeconfig?: string;
  namespace?: string;
  zone?: string;
  distribution?: "k3s" | "managed";
}

/** `--context` (repeatable), `--all-contexts`, `--kubeconfig`, `-n`, `--zone`, `--distribution`. */
export function withTargetOptions(cmd: Command, verb: string): Command {
  return cmd
    .addOption(
      new Option(
        "--context <name>",
        `kube context to ${verb} (repeatable; default: the current one)`,
      ).argParser(collect),
    )
    .option("--all-contexts", `${verb} every context of the kubeconfig, concurrently`)
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)",
    )
    .option("-n, --namespace <ns>", "only this namespace (default: all namespaces)")
    .option(
      "--zone <zone>",
      "the target's zone (default: from the config, else from the nodes' distribution)",
    )
    .addOption(new Option("--distribution <d>", "the target's distribution").choices(["k3s", "managed"]));
}

/**
 * Where the kubeconfig is, as kubectl looks for it: `--kubeconfig`, KUBECONFIG, HOME's .kube/config, then the
 * in-cluster service account. Built here once for every command that reads a cluster.
 */
export function kubeAccessOf(io: Io, kubeconfig?: string): KubeAccess {
  return {
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(io.env.KUBECONFIG ? { kubeconfigEnv: io.env.KUBECONFIG } : {}),
    ...(io.env.HOME ? { home: io.env.HOME } : {}),
    ...(io.env.KUBERNETES_SERVICE_HOST ? { serviceHost: io.env.KUBERNETES_SERVICE_HOST } : {}),
    ...(io.env.KUBERNETES_SERVICE_PORT ? { servicePort: io.env.KUBERNETES_SERVICE_PORT } : {}),
    cwd: io.cwd,
  };
}

/** The live cluster the flags and the environment name. */
export function liveSourceOf(
  io: Io,
  flags: TargetFlags,
  extra: Pick<LiveSource, "timeoutMs" | "logs" | "pageSize"> = {},
): LiveSource {
  return {
    ...kubeAccessOf(io, flags.kubeconfig),
    contexts: flags.context ?? [],
    ...(flags.allContexts ? { allContexts: true } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
    ...(extra.logs !== undefined ? { logs: extra.logs } : {}),
    ...(extra.pageSize !== undefined ? { pageSize: extra.pageSize } : {}),
  };
}

/** A wrong kubeconfig or context (and an unreachable cluster, when asked) is a usage error: exit 2, one line. */
export async function clusterUsageError(e: unknown, opts: { api?: string } = {}): Promise<unknown> {
  const { KubeConfigError } = await import("../sources/kubeconfig.js");
  if (e instanceof KubeConfigError) return new UsageError(e.message);
  if (opts.api !== undefined) {
    const { KubeApiError } = await import("../sources/kube-api.js");
    if (e instanceof KubeApiError) return new UsageError(`${opts.api}: ${e.describe()}`);
  }
  return e;
}

/** `--zone` of a live target: a zone number or ALL (which zones exist is the cluster's and config's business). */
export async function checkZoneFlag(zone: string | undefined): Promise<void> {
  if (!zone) return;
  const { normalizeZone } = await import("../kb/zones.js");
  if (!/^(ALL|\d+)$/.test(normalizeZone(zone)))
    throw new UsageError(`unknown zone '${zone}': write a zone number (1, 2)`);
}
