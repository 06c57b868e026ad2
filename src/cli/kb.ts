// `pitfall kb`: the knowledge base — list, show, search, lint, fmt, add, draft.
import { type Command, Option } from "commander";
import { registerKbAdd } from "./kb-add.js";
import { registerKbDraft } from "./kb-draft.js";
import { registerKbFmt } from "./kb-fmt.js";
import { registerKbLint } from "./kb-lint.js";
import { registerKbList } from "./kb-list.js";
import { registerKbSearch } from "./kb-search.js";
import { registerKbShow } from "./kb-show.js";
import type { CliRun } from "./main.js";
import { collect } from "./common.js";

export function registerKb(program: Command, run: CliRun): void {
  const kb = program
    .command("kb")
    .description("read, search, check and extend pitfalls pages")
    .addHelpText(
      "after",
      `
Pages are read from the built-in page, then from each --kb page or folder; a later page wins on the same id.

Examples:
  pitfall kb list --zone 1
  pitfall kb show oomkilled
  pitfall kb search "pod ImagePullBackOff zone 1"
  pitfall kb lint wiki/kubernetes-pitfalls.md
  pitfall kb add --page wiki/kubernetes-pitfalls.md --from entry.md
  pitfall kb draft --from dump/ --pod ge-agents/web-5d8c7b9f6d-q7xkz > draft.md`,
    );
  registerKbList(kb, run);
  registerKbShow(kb, run);
  registerKbSearch(kb, run);
  registerKbLint(kb, run);
  registerKbFmt(kb, run);
  registerKbAdd(kb, run);
  registerKbDraft(kb, run);
}

/** --kb and --no-builtin, on every command that reads pages. */
export function withKbOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--kb <path>",
        "page or folder of pages (repeatable; later pages win on the same id)",
      ).argParser(collect),
    )
    .addOption(new Option("--no-builtin", "leave out the built-in page"));
}
