// `pitfall explain KIND/NAME`: one object's whole story — status, owners, events, previous log, matching pitfalls.
import { type Command, Option } from "commander";
import { visible } from "../model/sanitize.js";
import type { ScanRequest } from "../service/scan.js";
import { collect, configOption, timeoutOption } from "./common.js";
import { EXIT, UsageError } from "./errors.js";
import { type Io, painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { clusterUsageError, kubeAccessOf } from "./target.js";

interface Flags extends KbFlags {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  from?: string[];
  zone?: string;
  timeout: number;
  output: "text" | "json";
  config?: string;
}

export function registerExplain(program: Command, run: CliRun): void {
  withKbOptions(
    program
      .command("explain")
      .description(
        "one object's whole story: status, owners, events, previous log and the pitfalls it shows, with runbooks",
      )
      .argument(
        "<object...>",
        "KIND/NAME or KIND NAME: pod/NAME, deploy/NAME, sts/, ds/, ing/, node/NAME, externalsecret/NAME",
      )
      .option(
        "-n, --namespace <ns>",
        "the object's namespace (default: the context's, else default; a dump: wherever it is)",
      )
      .option("--context <name>", "kube context (default: the current one)")
      .option("--kubeconfig <file>", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)")
      .addOption(
        new Option(
          "--from <path>",
          "read a dump instead: kubectl get -o json|yaml files or a folder (repeatable)",
        ).argParser(collect),
      )
      .option(
        "--zone <zone>",
        "the target's zone (default: from the config, else from the nodes' distribution)",
      )
      .addOption(timeoutOption("give up on what is not read by then", "60s"))
      .addOption(
        new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
      )
      .addOption(configOption()),
  )
    .addHelpText(
      "after",
      `
Reads only the object's namespace (and the nodes), so it stays quick on big clusters. Read-only.
A workload's story includes its pods: their events, logs and findings.

Examples:
  pitfall explain pod/dolly-orchestrator-5d8c7b9f6d-q7xkz -n ge-agents
  pitfall explain deploy/ge-executor -n ge-agents --context k3s-office
  pitfall explain node k3s-agent-1 -o json
  pitfall explain externalsecret/ge-api-secrets -n ge-system --from dump/

Exit codes: 0 nothing wrong found, 1 the object (or its pods or owners) shows pitfalls, 2 usage error or no such object.`,
    )
    .action(async (object: string[], flags: Flags) => {
      run.exitCode = await explainCommand(run.io, object, flags);
    });
}

async function explainCommand(io: Io, args: string[], flags: Flags): Promise<number> {
  const { parseObjectRef, ObjectRefError } = await import("../service/object-ref.js");
  let ref: ReturnType<typeof parseObjectRef>;
  try {
    ref = parseObjectRef(args);
  } catch (e) {
    if (e instanceof ObjectRefError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.from?.length && flags.context)
    throw new UsageError("--from reads a dump; it does not go with --context");
  const { config, kb } = await configAndKb(io, flags);

  const live = !flags.from?.length;
  let namespace = ref.namespaced ? flags.namespace : undefined;
  if (live && ref.namespaced && !namespace) namespace = await contextNamespace(io, flags);
  const req: ScanRequest = { kb, config, cwd: io.cwd, ...(flags.zone ? { zone: flags.zone } : {}) };
  if (!live) req.from = flags.from!;
  else
    req.live = {
      ...kubeAccessOf(io, flags.kubeconfig),
      contexts: flags.context ? [flags.context] : [],
      // A node's story needs every pod on it (requests per node); anything else needs only its namespace.
      ...(namespace ? { namespace } : {}),
      logs: ref.namespaced,
      timeoutMs: flags.timeout,
    };
  const { scan } = await import("../service/scan.js");
  const report = await scan(req).catch(async (e) => {
    throw await clusterUsageError(e);
  });
  const snapshot = report.snapshots[0];
  if (!snapshot) throw new UsageError("nothing was read");
  const paint = painter(io);
  const reasons = [...new Set(report.incomplete.map((i) => i.reason))];
  // An unreachable cluster fails every list the same way: one line, exit 2, rather than "no such pod".
  if (!snapshot.objects.length && reasons.length)
    throw new UsageError(`nothing could be read: ${reasons.join("; ")}`);
  for (const reason of reasons) {
    const resources = report.incomplete.filter((i) => i.reason === reason).map((i) => i.resource);
    io.err(`${paint("yellow", "not read")} (${visible(resources.join(", "))}): ${visible(reason)}\n`);
  }

  const { explainObject, ObjectNotFoundError } = await import("../service/explain.js");
  const { formatExplanation } = await import("../report/explain-text.js");
  let explanation: ReturnType<typeof explainObject>;
  try {
    const zone = report.targets[0]?.zone;
    explanation = explainObject({
      snapshot,
      kb,
      config,
      ref: { kind: ref.kind, name: ref.name, ...(namespace ? { namespace } : {}) },
      findings: report.findings,
      ...(zone ? { zone } : {}),
    });
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.output === "json") {
    const { jsonFinding } = await import("../report/json.js");
    io.out(
      `${JSON.stringify({ ...explanation, findings: explanation.findings.map(jsonFinding) }, null, 2)}\n`,
    );
  } else io.out(formatExplanation(explanation, paint, (id) => kb.byId.get(id)));
  return explanation.findings.length ? EXIT.FINDINGS : EXIT.OK;
}

/** kubectl's default: the context's namespace, else `default`. */
async function contextNamespace(io: Io, flags: Flags): Promise<string> {
  const { loadKubeConfig } = await import("../sources/kubeconfig.js");
  try {
    const kc = await loadKubeConfig({
      ...kubeAccessOf(io, flags.kubeconfig),
      ...(flags.context ? { context: flags.context } : {}),
    });
    return kc.getContextObject(kc.getCurrentContext())?.namespace || "default";
  } catch (e) {
    throw await clusterUsageError(e);
  }
}
