// The lines of a file that findings point at, read in chunks: quoting a few lines of a 200 MB file must not
// hold the file. Lines are counted as the positions count them (at `\n`; a `\r` before it is dropped).
import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const CHUNK_BYTES = 256 * 1024;

/** The text of each wanted line (1-based) that the file has; throws when it cannot be read. */
export function linesAt(file: string, wanted: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  if (!wanted.size) return out;
  const last = Math.max(...wanted);
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder("utf8");
    let line = 1;
    // The wanted line read so far, when it runs over chunks; other lines are not kept.
    let partial = "";
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      const text = read ? decoder.write(buffer.subarray(0, read)) : decoder.end();
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
        if (wanted.has(line)) {
          const whole = partial + text.slice(start, nl);
          out.set(line, whole.endsWith("\r") ? whole.slice(0, -1) : whole);
        }
        partial = "";
        start = nl + 1;
        if (++line > last) return out;
      }
      if (wanted.has(line)) partial += text.slice(start);
      if (!read) break;
    }
    if (wanted.has(line)) out.set(line, partial);
    return out;
  } finally {
    closeSync(fd);
  }
}
