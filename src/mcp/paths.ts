// Paths named by tools (`from`): only for trusted callers, and only under the working directory or the folders the
// server was started with. Symlinks are resolved first, so a link inside cannot lead outside.
import { realpath } from "node:fs/promises";
import path from "node:path";
import type { ToolContext } from "./context.js";
import { ToolInputError } from "./result.js";

/** Whether `p` is `root` or inside it (both absolute and resolved). */
function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

async function real(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch {
    return undefined;
  }
}

/** The working directory and the allowed roots, symlinks resolved; roots that do not exist are left out. */
async function pathRootsOf(ctx: ToolContext): Promise<string[]> {
  const { cwd, pathRoots } = ctx.deps;
  const all = [cwd, ...pathRoots.map((r) => path.resolve(cwd, r))];
  const resolved = await Promise.all(all.map(real));
  return [...new Set(resolved.filter((r): r is string => r !== undefined))];
}

/** The real path `from` names, when the caller may read it; else a tool error that says how to get access. */
export async function toolPath(ctx: ToolContext, from: string): Promise<string> {
  if (!ctx.caller.trusted)
    throw new ToolInputError(
      "this server reads files named by tools only for callers with its token: leave out `from` (the server's own target is used), or send the server's bearer token (Authorization: Bearer <token>)",
    );
  const roots = await pathRootsOf(ctx);
  const flag = ctx.caller.transport === "stdio" ? "pitfall mcp" : "pitfall serve";
  const outside = () =>
    new ToolInputError(
      `\`from\` ${from} is outside the folders this server may read (${roots.join(", ")}): name a dump under them, or start ${flag} with --allow-path <folder>`,
    );
  const absolute = path.resolve(ctx.deps.cwd, from);
  const resolved = await real(absolute);
  if (resolved !== undefined) {
    if (!roots.some((r) => within(resolved, r))) throw outside();
    return resolved;
  }
  // A missing path is told apart only inside the roots (judged by its nearest existing folder, links
  // resolved), so nothing is learnt about the rest of the disk.
  let parent = path.dirname(absolute);
  let existing = await real(parent);
  while (existing === undefined && parent !== path.dirname(parent)) {
    parent = path.dirname(parent);
    existing = await real(parent);
  }
  if (existing === undefined || !roots.some((r) => within(existing, r))) throw outside();
  throw new ToolInputError(`no such file or folder: ${from}`);
}
