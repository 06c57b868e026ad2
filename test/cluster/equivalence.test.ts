// The same fixture cluster three ways: created in a real kube-apiserver, served by our simulator, and read as a
// dump (`scan --from`). scan, explain and watch must find the same things in all of them.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureDump } from "../mcp/fixture-dump.js";
import { loadCluster, type Sim, startSimulator } from "../sim/index.js";
import { runCli } from "../support/cli.js";
import { waitFor } from "../watch/support.js";
import { comparable, type ScanJson, timeless } from "./compare.js";
import { type Cluster, startCluster, writeClusterKubeconfig } from "./harness.js";
import { loadFixture } from "./load.js";
import { unavailable } from "./shared.js";
import { startWatch } from "./watching.js";

const FIXTURES = "test/fixtures/clusters";
const CONTEXT = "office";

describe.skipIf(unavailable).each(readdirSync(FIXTURES).filter((f) => f.endsWith(".yaml")))(
  "fixture %s on the real API server",
  (file) => {
    const fixture = join(FIXTURES, file);
    // One instant for all three, so every `{{now-…}}` is the same time everywhere.
    const now = new Date();
    let dir: string;
    let real: Cluster;
    let sim: Sim;
    let realConfig: string;
    let simConfig: string;
    let dump: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "pitfall-equivalence-"));
      // A fresh server per fixture: fixtures hold nodes and CRDs, which are cluster-wide.
      real = await startCluster();
      await loadFixture(real, fixture, { now });
      realConfig = writeClusterKubeconfig(real, join(dir, "real.yaml"), { context: CONTEXT });
      sim = await startSimulator({ cluster: loadCluster(fixture, { now }) });
      simConfig = sim.writeKubeconfig(join(dir, "sim"), { context: CONTEXT });
      dump = writeFixtureDump(fixture, join(dir, "dump"), now, CONTEXT);
    }, 120_000);
    afterAll(async () => {
      await sim?.close();
      await real?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const scan = async (...source: string[]) => {
      const r = await runCli(["scan", "-o", "json", ...source], { cwd: dir, env: { HOME: dir } });
      expect(r.out, r.err).not.toBe("");
      return { code: r.code, json: JSON.parse(r.out) as ScanJson };
    };

    it("scan finds the same as against the simulator and as scan --from of the same fixture", async () => {
      const fromReal = await scan("--kubeconfig", realConfig);
      const fromSim = await scan("--kubeconfig", simConfig);
      const fromDump = await scan("--from", dump);
      expect(fromReal.json.incomplete ?? []).toEqual([]);
      expect(comparable(fromReal.json.findings)).toEqual(comparable(fromSim.json.findings));
      // A dump's findings name their file instead of a context.
      expect(comparable(fromReal.json.findings, { where: false })).toEqual(
        comparable(fromDump.json.findings, { where: false }),
      );
      expect(fromReal.code).toBe(fromSim.code);
      expect(fromReal.json.targets[0]).toMatchObject({ zone: "1", distribution: "k3s" });
    });

    it("explain tells the same story of each pod and each object with a finding", async () => {
      const { json } = await scan("--kubeconfig", simConfig);
      const refs = new Set<string>();
      for (const f of json.findings)
        refs.add(`${f.object.kind}|${f.object.namespace ?? ""}|${f.object.name}`);
      for (const o of loadCluster(fixture, { now }).objects)
        if (o.kind === "Pod") refs.add(`Pod|${o.metadata?.namespace}|${o.metadata?.name}`);
      expect(refs.size).toBeGreaterThan(5);
      for (const ref of refs) {
        const [kind, namespace, name] = ref.split("|") as [string, string, string];
        const argv = [
          "explain",
          `${kind.toLowerCase()}/${name}`,
          ...(namespace ? ["-n", namespace] : []),
          "-o",
          "json",
        ];
        const onReal = await runCli([...argv, "--kubeconfig", realConfig], { cwd: dir, env: { HOME: dir } });
        const onSim = await runCli([...argv, "--kubeconfig", simConfig], { cwd: dir, env: { HOME: dir } });
        expect(onReal.code, `${ref}: ${onReal.err}`).toBe(onSim.code);
        expect(timeless(JSON.parse(onReal.out)), ref).toEqual(timeless(JSON.parse(onSim.out)));
      }
    });

    it("watch starts from the same findings on both servers", async () => {
      const initial = async (kubeconfig: string) => {
        const expected = (await scan("--kubeconfig", kubeconfig)).json.findings.length;
        const { cli, lines } = await startWatch(["--kubeconfig", kubeconfig], dir);
        await waitFor("the initial findings", () => lines().length >= expected, 60_000);
        expect(await cli.stop()).toBe(0);
        expect(lines().every((l) => l.event === "appeared")).toBe(true);
        return lines().map((l) => l.finding);
      };
      const onReal = await initial(realConfig);
      const onSim = await initial(simConfig);
      expect(comparable(onReal)).toEqual(comparable(onSim));
      const scanned = (await scan("--kubeconfig", realConfig)).json.findings;
      expect(comparable(onReal)).toEqual(comparable(scanned));
    });

    it("pitfall dump of the real server scans the same as the simulator's dump, and as the live scans", async () => {
      const dumped = async (kubeconfig: string, out: string) => {
        const r = await runCli(["dump", "--kubeconfig", kubeconfig, "-o", out], {
          cwd: dir,
          env: { HOME: dir },
        });
        expect(r.code, r.err).toBe(0);
        expect(r.err).toMatch(/pitfall dump: wrote /);
        return scan("--from", out);
      };
      const realDump = await dumped(realConfig, "real-dump");
      const simDump = await dumped(simConfig, "sim-dump.tar.gz");
      const live = await scan("--kubeconfig", realConfig);
      // The healthy fixture has no findings; what was read must still be all of it.
      expect(realDump.json.targets[0]?.objects).toBe(live.json.targets[0]?.objects);
      expect(comparable(realDump.json.findings, { where: false })).toEqual(
        comparable(simDump.json.findings, { where: false }),
      );
      expect(comparable(realDump.json.findings, { where: false })).toEqual(
        comparable(live.json.findings, { where: false }),
      );
      expect(realDump.json.incomplete ?? []).toEqual(live.json.incomplete ?? []);
      expect(realDump.code).toBe(live.code);
      expect(realDump.json.targets[0]).toMatchObject({ zone: "1", distribution: "k3s" });
    });
  },
);
