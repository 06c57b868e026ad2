// The flags that name a cluster (kubectl's), shared by scan, watch and serve, and the LiveSource they give.
import { type Command, Option } from "commander";
import type { LiveSource } from "../service/scan.js";
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

/** The live cluster the flags and the environment (KUBECONFIG, HOME, the in-cluster service) name. */
export function liveSourceOf(
  io: Io,
  flags: TargetFlags,
  extra: Pick<LiveSource, "timeoutMs" | "logs" | "pageSize"> = {},
): LiveSource {
  return {
    contexts: flags.context ?? [],
    ...(flags.allContexts ? { allContexts: true } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(io.env.KUBECONFIG ? { kubeconfigEnv: io.env.KUBECONFIG } : {}),
    ...(io.env.HOME ? { home: io.env.HOME } : {}),
    ...(io.env.KUBERNETES_SERVICE_HOST ? { serviceHost: io.env.KUBERNETES_SERVICE_HOST } : {}),
    ...(io.env.KUBERNETES_SERVICE_PORT ? { servicePort: io.env.KUBERNETES_SERVICE_PORT } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
    ...(extra.logs !== undefined ? { logs: extra.logs } : {}),
    ...(extra.pageSize !== undefined ? { pageSize: extra.pageSize } : {}),
    cwd: io.cwd,
  };
}
