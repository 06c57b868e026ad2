// A plain-HTTP proxy in front of the real API server, for what a test must time exactly: act before a request is
// forwarded (compact etcd just before the first continue), cut open watches and hold their reconnects. The API
// server still gives every answer itself.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { Cluster } from "./harness.js";

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The API server's status (0 until it answered). */
  status: number;
  /** The answer was 410 Gone, as a status or as an ERROR event in a watch stream. */
  expired: boolean;
}

export interface ApiProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: ProxiedRequest[];
  /** Runs before each request is forwarded; the request waits for it. */
  before?: (req: ProxiedRequest) => Promise<void> | void;
  /** Ends every open watch as a dropped connection would. */
  dropWatches(): number;
  /** While held, new watches wait; `release` lets them through. */
  holdWatches(): void;
  releaseWatches(): void;
  close(): Promise<void>;
}

const isWatch = (q: URLSearchParams, path: string) =>
  q.get("watch") === "true" || q.get("watch") === "1" || path.includes("/watch/");

/** Forwards to `cluster` with `token` (default: the admin's); the client's own Authorization is replaced. */
export async function startProxy(
  cluster: Pick<Cluster, "url" | "ca" | "token">,
  token?: string,
): Promise<ApiProxy> {
  const open = new Set<ServerResponse>();
  let held: Promise<void> | undefined;
  let release: (() => void) | undefined;

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      status: 0,
      expired: false,
    };
    proxy.requests.push(record);
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const watch = isWatch(url.searchParams, url.pathname);
    if (watch && held) await held;
    await proxy.before?.(record);
    const headers = {
      ...req.headers,
      host: new URL(cluster.url).host,
      authorization: `Bearer ${token ?? cluster.token}`,
    };
    const upstream = httpsRequest(
      `${cluster.url}${req.url}`,
      { method: req.method, headers, ca: cluster.ca },
      (up) => {
        record.status = up.statusCode ?? 0;
        record.expired = record.status === 410;
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (watch) {
          open.add(res);
          res.once("close", () => open.delete(res));
          up.on("data", (chunk: Buffer) => {
            if (chunk.includes('"code":410')) record.expired = true;
          });
        }
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.once("close", () => upstream.destroy());
    upstream.end(Buffer.concat(body));
  };

  const server = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: ApiProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    dropWatches() {
      const n = open.size;
      for (const res of open) res.destroy();
      open.clear();
      return n;
    },
    holdWatches() {
      held ??= new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    releaseWatches() {
      release?.();
      held = undefined;
      release = undefined;
    },
    async close() {
      proxy.releaseWatches();
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
