import { describe, expect, it } from "vitest";
import { lineOf, splitCommandLine } from "./shell.js";

const argvs = (line: string, aliases?: Record<string, string>) =>
  splitCommandLine(line, aliases ? { aliases } : {}).map((c) => c.argv);

describe("splitCommandLine", () => {
  it("splits pipelines, chains and subshells, and drops redirections and comments", () => {
    expect(
      argvs("(cd x && kubectl apply -f y.yaml) | tee log 2>&1 > out.txt; echo done # kubectl delete ns x"),
    ).toEqual([
      ["cd", "x"],
      ["kubectl", "apply", "-f", "y.yaml"],
      ["tee", "log"],
      ["echo", "done"],
    ]);
  });

  it("follows $(…), backquotes and sh -c, and says how each command is reached", () => {
    const cmds = splitCommandLine(
      `echo $(kubectl get pods -o name) \`date\`; bash -ec 'kubectl cp a.py p:/a.py'`,
    );
    expect(cmds.map((c) => [c.argv[0], c.via])).toEqual([
      ["kubectl", ["$(…)"]],
      ["date", ["$(…)"]],
      ["echo", []],
      ["kubectl", ["bash -c"]],
    ]);
    expect(argvs("echo '$(kubectl delete ns x)'")).toEqual([["echo", "$(kubectl delete ns x)"]]);
  });

  it("removes assignments and wrappers, keeping variables as written", () => {
    const [c] = splitCommandLine(
      "FOO=1 sudo -u root env BAR=2 nice -n 5 timeout 30s kubectl get pods -n $NS",
    );
    expect(c).toEqual({
      argv: ["kubectl", "get", "pods", "-n", "$NS"],
      env: { FOO: "1", BAR: "2" },
      via: ["sudo", "env", "nice", "timeout"],
    });
    expect(argvs("xargs -n1 kubectl describe")).toEqual([["kubectl", "describe"]]);
    expect(argvs("watch -n 5 'kubectl get pods'")).toEqual([["kubectl", "get", "pods"]]);
  });

  it("expands configured aliases once, so an alias that names itself cannot loop", () => {
    expect(argvs("k -n x get po", { k: "kubectl" })).toEqual([["kubectl", "-n", "x", "get", "po"]]);
    expect(argvs("k get po", { k: "k --context prod" })).toEqual([["k", "--context", "prod", "get", "po"]]);
  });

  it("quotes an argv typed after -- back into the line it was", () => {
    expect(argvs(lineOf(["kubectl", "cp", "my fix.py", "p:/app/my fix.py"]))).toEqual([
      ["kubectl", "cp", "my fix.py", "p:/app/my fix.py"],
    ]);
    expect(lineOf(["kubectl get pods | grep x"])).toBe("kubectl get pods | grep x");
  });
});
