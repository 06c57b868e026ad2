// vitest global setup: the real API server shared by the test files of one run, started on first use only (a run
// without test/cluster files starts nothing) and stopped when the run ends. Files ask for it through a small
// local broker (see shared.ts), since each test file runs in its own worker process.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { type Cluster, clusterUnavailable, startCluster } from "./harness.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** http://127.0.0.1:<port>: GET /shared answers the shared cluster's ClusterInfo, or {skip} with the reason. */
    clusterBroker: string;
  }
}

export default async function setup(project: TestProject) {
  let shared: Promise<Cluster> | undefined;
  let said = false;
  const broker = createServer((_req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const skip = clusterUnavailable();
    if (skip) {
      // One line per run, however many files ask.
      if (!said) console.log(skip);
      said = true;
      return answer(200, { skip });
    }
    shared ??= startCluster();
    shared.then(
      ({ stop: _stop, ...info }) => answer(200, info),
      (e: Error) => answer(500, { error: e.message }),
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, "127.0.0.1", resolve));
  project.provide("clusterBroker", `http://127.0.0.1:${(broker.address() as AddressInfo).port}`);
  return async () => {
    broker.close();
    const cluster = await shared?.catch(() => undefined);
    await cluster?.stop();
  };
}
