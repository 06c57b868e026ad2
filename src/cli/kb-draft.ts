// `pitfall kb draft`: an unexplained failure (from scan -o json, a dump, or a live pod) as a new page entry, or, when
// a pitfall already explains it, the ADDED_FROM line that records the incident there.
import { type Command, Option } from "commander";
import type { DraftSource } from "../service/draft.js";
import type { DraftPick } from "../service/draft-input.js";
import { collect, configOption, timeoutOption } from "./common.js";
import { UsageError } from "./errors.js";
import { painter } from "./io.js";
import { withKbOptions } from "./kb.js";
import { configAndKb, type KbFlags } from "./kb-load.js";
import type { CliRun } from "./main.js";
import { checkZoneFlag, clusterUsageError, liveSourceOf, type TargetFlags } from "./target.js";

interface Flags extends KbFlags, Omit<TargetFlags, "context" | "allContexts"> {
  context?: string;
  from?: string[];
  object?: string;
  pod?: string;
  container?: string;
  index?: number;
  incident?: string;
  timeout: number;
  output: "markdown" | "text" | "json";
  out?: string;
  force?: boolean;
  config?: string;
}

export function registerKbDraft(kb: Command, run: CliRun): void {
  const cmd = withKbOptions(
    kb
      .command("draft")
      .description(
        "draft a page entry from a failure no pitfall explains (or record it on the one that does)",
      )
      .argument("[scan-json]", "the output of `pitfall scan -o json` (- for stdin)")
      .addOption(
        new Option("--from <path>", "read a dump instead, as scan --from does (repeatable)").argParser(
          collect,
        ),
      )
      .option("--context <name>", "kube context to read the pod from (default: the current one)")
      .option(
        "--kubeconfig <file>",
        "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)",
      )
      .option("-n, --namespace <ns>", "the pod's namespace (with --object); with --from, only this namespace")
      .option(
        "--zone <zone>",
        "the target's zone (default: from the config, else from the nodes' distribution)",
      )
      .addOption(new Option("--distribution <d>", "the target's distribution").choices(["k3s", "managed"]))
      .option("--object <pod/name>", "the failing pod (with -n), in a dump or the live cluster")
      .option("--pod <namespace/name>", "the failing pod, in the scan output, a dump or the live cluster")
      .option("-c, --container <name>", "the failing container, when several of the pod's fail")
      .option("--index <n>", "the Nth unexplained failure, as scan lists them (1 is the first)", (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--index takes 1, 2, …, not '${v}'`);
        return n;
      })
      .option("--incident <id>", "ADDED_FROM's incident id (default: <context>-<date>)")
      .addOption(timeoutOption("give up on what is not read by then (live)", "60s"))
      .addOption(
        new Option("-o, --output <format>", "the entry as page markdown, as rendered page text, or JSON")
          .choices(["markdown", "text", "json"])
          .default("markdown"),
      )
      .option("--out <file>", "write the entry (or JSON) to this file instead of stdout")
      .option("--force", "overwrite --out when it exists")
      .addOption(configOption()),
  ).addHelpText(
    "after",
    `
The draft holds only what was seen: a title from the failure's reason, a Severity from its impact (how many
pods, how long, how many restarts), the target's Zone, the status, message, last log lines and events (redacted),
an IF from the symptom, RUN lines that gather the evidence with {placeholders}, a DETECT over the pod's status
when the status shows the failure, and ADDED_FROM: <context>-<date>, <summary>. It passes kb lint as it is.
First it searches the pages: when a pitfall already explains the failure, it prints the entry that records the
incident there (kb add --from turns it into one ADDED_FROM line) instead of a near-duplicate. Notes go to stderr.
Live reads are read-only.

Examples:
  pitfall scan -o json > scan.json && pitfall kb draft scan.json --index 1 > draft.md
  pitfall scan --from dump/ -o json | pitfall kb draft - --pod ge-agents/web-5d8c7b9f6d-q7xkz
  pitfall kb draft --from examples/dump --out draft.md
  pitfall kb draft --object pod/web-5d8c7b9f6d-q7xkz -n ge-agents --context k3s-office
  pitfall kb lint draft.md && pitfall kb add --page wiki/kubernetes-pitfalls.md --from draft.md`,
  );
  cmd.action(async (json: string | undefined, flags: Flags) => {
    await draftCommand(run, json, flags);
  });
}

async function draftCommand(run: CliRun, json: string | undefined, flags: Flags): Promise<void> {
  const io = run.io;
  const { DraftInputError, podOf } = await import("../service/draft-input.js");
  const pick = pickOf(flags, podOf);
  const { config, kb } = await configAndKb(io, flags);
  await checkZoneFlag(flags.zone);
  const source = await sourceOf(run, json, flags, pick, kb, config);
  const { draftPitfall } = await import("../service/draft.js");
  let result: Awaited<ReturnType<typeof draftPitfall>>;
  try {
    result = await draftPitfall({
      kb,
      source,
      pick,
      ...(flags.incident ? { incident: flags.incident } : {}),
    });
  } catch (e) {
    if (e instanceof DraftInputError) throw new UsageError(e.message);
    throw await clusterUsageError(e);
  }
  const { draftJson, draftNotes } = await import("../report/draft.js");
  const body =
    flags.output === "json"
      ? `${JSON.stringify(draftJson(result), null, 2)}\n`
      : result.action === "draft"
        ? flags.output === "text"
          ? result.drafted.text
          : result.drafted.markdown
        : result.record.builtin
          ? `ADDED_FROM: ${result.record.addedFrom}\n`
          : result.record.entry;
  const page = flags.kb?.at(-1);
  for (const line of draftNotes(result, painter({ ...io, stdoutIsTTY: io.stderrIsTTY }), page))
    io.err(`${line}\n`);
  if (!flags.out) {
    io.out(body);
    return;
  }
  const { resolve } = await import("node:path");
  const { writeFile } = await import("node:fs/promises");
  // A file is an output like stdout: the same redaction step.
  const { redact } = await import("../model/redact.js");
  await writeFile(resolve(io.cwd, flags.out), redact(body), { flag: flags.force ? "w" : "wx" }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code === "EEXIST") throw new UsageError(`${flags.out} exists: give --force to overwrite it`);
      throw e;
    },
  );
  io.err(`wrote ${flags.out}\n`);
}

function pickOf(flags: Flags, podOf: typeof import("../service/draft-input.js").podOf): DraftPick {
  if (flags.pod && flags.object) throw new UsageError("give the pod with --pod or --object, not both");
  if (flags.object && !/^(pods?|po)\//i.test(flags.object))
    throw new UsageError(`kb draft reads a failing pod: give --object pod/NAME, not '${flags.object}'`);
  const named = flags.pod ?? flags.object;
  if (named && flags.index !== undefined) throw new UsageError("give --index or the pod, not both");
  return {
    ...(flags.index !== undefined ? { index: flags.index } : {}),
    ...(named ? { pod: podOf(named, flags.namespace) } : {}),
    ...(flags.container ? { container: flags.container } : {}),
  };
}

async function sourceOf(
  run: CliRun,
  json: string | undefined,
  flags: Flags,
  pick: DraftPick,
  kb: Awaited<ReturnType<typeof configAndKb>>["kb"],
  config: Awaited<ReturnType<typeof configAndKb>>["config"],
): Promise<DraftSource> {
  const io = run.io;
  const live = Boolean(flags.context || flags.kubeconfig);
  if (json !== undefined) {
    if (flags.from?.length || live)
      throw new UsageError("give the scan output, a dump (--from) or a cluster (--context), one of them");
    const text = json === "-" ? await io.readStdin() : await readText(io.cwd, json);
    return { kind: "json", text, name: json === "-" ? "<stdin>" : json };
  }
  const request = {
    kb,
    config,
    cwd: io.cwd,
    ...(flags.zone ? { zone: flags.zone } : {}),
    ...(flags.distribution ? { distribution: flags.distribution } : {}),
  };
  if (flags.from?.length) {
    if (live) throw new UsageError("--from reads a dump; it does not go with --context or --kubeconfig");
    return {
      kind: "scan",
      request: { ...request, from: flags.from, ...(flags.namespace ? { namespace: flags.namespace } : {}) },
    };
  }
  if (!pick.pod)
    throw new UsageError(
      "say which failure: the output of scan -o json (a file or -), a dump (--from DIR), or a live pod (--object pod/NAME -n NAMESPACE)",
    );
  const namespace = pick.pod.namespace ?? flags.namespace;
  if (!namespace) throw new UsageError("give the pod's namespace: --pod NAMESPACE/NAME or -n NAMESPACE");
  return {
    kind: "scan",
    request: {
      ...request,
      live: liveSourceOf(
        io,
        { ...flags, context: flags.context ? [flags.context] : [], namespace },
        { timeoutMs: flags.timeout, logs: true },
      ),
    },
  };
}

async function readText(cwd: string, file: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const { resolve } = await import("node:path");
  return readFile(resolve(cwd, file), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new UsageError(`no such file: ${file}`);
    throw e;
  });
}
