import { describe, expect, it } from "vitest";
import { flagValue, flagValues, kindOfResource, parseKubectl, podPathOf, resourcesOf } from "./kubectl.js";

describe("parseKubectl", () => {
  it("reads flags in any order and in every pflag form", () => {
    for (const argv of [
      ["-n", "x", "get", "pods"],
      ["get", "pods", "--namespace=x"],
      ["get", "--namespace", "x", "pods"],
      ["-nx", "get", "pods"],
      ["get", "pods", "-n=x"],
    ]) {
      const k = parseKubectl(argv);
      expect({ verb: k.verb, args: k.args, ns: flagValue(k, "namespace") }, argv.join(" ")).toEqual({
        verb: "get",
        args: ["pods"],
        ns: "x",
      });
    }
  });

  it("splits joined boolean shorthands and keeps what follows -- apart", () => {
    const k = parseKubectl(["exec", "-it", "web-1", "-c", "app", "--", "sh", "-c", "ls -l"]);
    expect(k.flags.get("stdin")).toEqual(["true"]);
    expect(k.flags.get("tty")).toEqual(["true"]);
    expect(flagValue(k, "container")).toBe("app");
    expect(k.args).toEqual(["web-1"]);
    expect(k.tail).toEqual(["sh", "-c", "ls -l"]);
  });

  it("-p is --patch for patch and --previous for logs", () => {
    expect(flagValue(parseKubectl(["patch", "deploy", "x", "-p", "{}"]), "patch")).toBe("{}");
    const logs = parseKubectl(["logs", "-p", "web-1"]);
    expect(logs.flags.get("previous")).toEqual(["true"]);
    expect(logs.args).toEqual(["web-1"]);
  });

  it("knows verbs with subcommands, and repeatable list flags", () => {
    const k = parseKubectl(["rollout", "status", "deploy/web", "-f", "a.yaml,b.yaml", "-f", "c.yaml"]);
    expect([k.verb, k.subcommand, k.args]).toEqual(["rollout", "status", ["deploy/web"]]);
    expect(flagValues(k, "filename")).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect(parseKubectl(["apply", "-f", "x.yaml"]).subcommand).toBe("");
  });
});

describe("resources", () => {
  it("resource/name, resource name, lists of types, and a bare pod for logs and exec", () => {
    expect(resourcesOf("get", ["deploy/web", "svc/web"])).toEqual([
      { resource: "deploy", kind: "Deployment", name: "web" },
      { resource: "svc", kind: "Service", name: "web" },
    ]);
    expect(resourcesOf("delete", ["po", "a", "b"]).map((r) => r.name)).toEqual(["a", "b"]);
    expect(resourcesOf("get", ["pods,svc"]).map((r) => r.kind)).toEqual(["Pod", "Service"]);
    expect(resourcesOf("logs", ["web-1"])).toEqual([{ resource: "pod", kind: "Pod", name: "web-1" }]);
    expect(kindOfResource("deployments.apps")).toBe("Deployment");
    expect(kindOfResource("rollouts.argoproj.io")).toBe("Rollout");
  });

  it("tells a pod path from a local one in kubectl cp", () => {
    expect(podPathOf("ns/web-1:/app")).toEqual({ namespace: "ns", pod: "web-1", path: "/app" });
    expect(podPathOf("web-1:/app")).toEqual({ pod: "web-1", path: "/app" });
    expect(podPathOf("./a:b")).toBeUndefined();
    expect(podPathOf("/tmp/x")).toBeUndefined();
    expect(podPathOf("fix.py")).toBeUndefined();
  });
});
