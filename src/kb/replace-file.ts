// Replacing a file atomically: the new text goes to a temp file beside it (with the old file's mode and owner,
// fsynced), which is then renamed over the old one; a reader, or a writer killed at any point, sees the old file or
// the new one, never a torn one.
import { randomBytes } from "node:crypto";
import { chmod, chown, open, realpath, rename, unlink } from "node:fs/promises";

export interface ReplaceOptions {
  mode: number;
  uid: number;
  gid: number;
  /** Called once the temp file holds the whole new text, before the rename (tests hold a writer there). */
  beforeRename?: (tempFile: string) => Promise<void>;
}

/** Chown fails for a user who is not root when the owner is someone else; the file then stays theirs. */
function chownRefused(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return (code === "EPERM" || code === "EINVAL") && process.getuid?.() !== 0;
}

export async function replaceFile(file: string, text: string, opts: ReplaceOptions): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const temp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fd = await open(temp, "wx", opts.mode);
    try {
      await fd.writeFile(text);
      await fd.sync();
    } finally {
      await fd.close();
    }
    await chown(temp, opts.uid, opts.gid).catch((e: unknown) => {
      if (!chownRefused(e)) throw e;
    });
    await chmod(temp, opts.mode);
    await opts.beforeRename?.(temp);
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
