// Writing big bodies without holding them in memory: wait for the socket to drain between chunks.
import type { ServerResponse } from "node:http";

/** Resolves when the response can take more data or is gone. */
export function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Writes chunks in order, pausing on backpressure; stops when the client leaves. */
export async function writeChunks(res: ServerResponse, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await waitDrain(res);
  }
  if (!res.destroyed) res.end();
}
