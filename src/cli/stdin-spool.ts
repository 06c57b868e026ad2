// Standard input copied to a file as it arrives, so a lint reads it document by document (twice: looked-up
// objects first) and quotes its lines without holding it in memory.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import type { Io } from "./io.js";

export interface StdinSpool {
  /** The file holding all of standard input; read (and copied) on the first call only. */
  file(): Promise<string>;
  /** The file, if standard input was asked for. */
  spooled(): string | undefined;
  remove(): Promise<void>;
}

/** Standard input spooled on first use; `remove` deletes the copy. */
export function stdinSpool(io: Io): StdinSpool {
  let pending: Promise<{ file: string; remove: () => Promise<void> }> | undefined;
  let file: string | undefined;
  return {
    file: async () => {
      pending ??= spool(io);
      file = (await pending).file;
      return file;
    },
    spooled: () => file,
    remove: async () => {
      const done = await pending?.catch(() => undefined);
      await done?.remove();
    },
  };
}

async function spool(io: Io): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "pitfall-stdin-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, "stdin.yaml");
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    const failed = once(out, "error").then(([error]) => {
      throw error;
    });
    failed.catch(() => {});
    for await (const chunk of io.stdinChunks()) {
      if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed]);
    }
    out.end();
    await Promise.race([once(out, "finish"), failed]);
    return { file, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
