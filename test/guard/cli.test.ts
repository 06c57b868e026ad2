// `pitfall guard` on the command line: the three ways to give a command, exit codes, stable JSON, notes, and the
// Claude Code PreToolUse hook round trip through the built bin (npm run build first).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runCli, spawnCollect } from "../support/cli.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-guard-cli-"));
  writeFileSync(join(dir, ".pitfall.yaml"), "guard:\n  aliases:\n    k: kubectl\n");
  writeFileSync(
    join(dir, "always.yaml"),
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:1.0\n      imagePullPolicy: Always\n      resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 32Mi } }\n",
  );
  mkdirSync(join(dir, "overlay"));
  writeFileSync(join(dir, "overlay", "kustomization.yaml"), "resources: [../always.yaml]\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// HOME points at the temp folder: no kubeconfig there, so nothing reaches a real cluster.
const env = () => ({ HOME: dir, NO_COLOR: "1" });
const guard = (args: string[], stdin?: string) =>
  runCli(["guard", ...args], { cwd: dir, env: env(), ...(stdin !== undefined ? { stdin } : {}) });

describe("exit codes", () => {
  it("0 for a fine command, 1 for one that repeats a pitfall, 3 when something could not be checked", async () => {
    expect((await guard(["--", "kubectl", "get", "pods", "-n", "ge-agents"])).code).toBe(0);
    const cp = await guard([
      "--",
      "kubectl",
      "cp",
      "fix.py",
      "ge-executor-7c9f:/app/fix.py",
      "-n",
      "ge-agents",
    ]);
    expect(cp.code).toBe(1);
    expect(cp.out).toContain("Python Module Caching (python-module-caching, HIGH)");
    expect(cp.out).toContain("RUN: kubectl rollout restart deployment/ge-executor -n ge-agents");
    const oom = await guard([
      "--command",
      "kubectl set resources deploy/ge-executor --limits=memory=2Gi -n ge-agents",
    ]);
    expect(oom.code).toBe(3);
    expect(oom.out).toMatch(/not checked: OOMKilled \(oomkilled\) .*no cluster to ask: no kubeconfig found/);
  });

  it("2 for usage errors: no command at all, or two of them", async () => {
    const none = await guard([], "");
    expect(none.code).toBe(2);
    expect(none.err).toContain("give the command to check");
    const both = await guard(["--command", "kubectl get pods", "--", "kubectl", "get", "pods"]);
    expect(both.code).toBe(2);
    expect((await guard([], "kubectl get pods")).err).toContain("stdin is not JSON");
  });
});

describe("the command", () => {
  it("as JSON on stdin, with the agent's working directory for relative paths", async () => {
    const r = await guard(
      ["-o", "json"],
      JSON.stringify({ command: "kubectl apply -f always.yaml", cwd: dir }),
    );
    const out = JSON.parse(r.out);
    expect(out.verdict).toBe("unchecked");
    expect(out.unchecked).toContainEqual(
      expect.objectContaining({
        pitfall: "image-pull-failures-zone-1",
        reason: expect.stringMatching(
          /zone is not known .* in zone 1 it would be stopped: always\.yaml:\d+: /,
        ),
      }),
    );
    expect(r.code).toBe(3);
  });

  it("stops the applied manifest in zone 1, with the line of the offending field", async () => {
    const r = await guard(["--zone", "1", "-o", "json", "--", "k", "apply", "-f", "always.yaml"]);
    const out = JSON.parse(r.out);
    expect(r.code).toBe(1);
    expect(out.findings).toEqual([
      expect.objectContaining({ pitfall: "image-pull-failures-zone-1", file: "always.yaml", line: 9 }),
    ]);
  });

  it("notes what it cannot see: an edit, a missing file, kustomize's patches", async () => {
    const edit = await guard(["--", "kubectl", "edit", "deploy/ge-executor", "-n", "ge-agents"]);
    expect(edit.out).toContain(
      "kubectl edit changes deployment/ge-executor in an editor, where the guard cannot see the change",
    );
    const missing = await guard(["--zone", "1", "--", "kubectl", "apply", "-f", "nope.yaml"]);
    expect(missing.out).toContain(`nope.yaml does not exist (looked in ${dir}), so it was not linted`);
    expect(missing.code).toBe(0);
    const k = await guard(["--zone", "1", "--", "kubectl", "apply", "-k", "overlay"]);
    expect(k.out).toContain("-k overlay: the folder's files are linted as they are");
  });

  it("-o json has its keys in a fixed order and never shows a literal password", async () => {
    const r = await guard([
      "-o",
      "json",
      "--",
      "redis-cli",
      "-p",
      "6381",
      "-a",
      "hunter2-literal",
      "XACK",
      "s",
      "g",
      "1-0",
    ]);
    expect(r.out).not.toContain("hunter2-literal");
    const out = JSON.parse(r.out);
    expect(Object.keys(out)).toEqual([
      "verdict",
      "commands",
      "matches",
      "findings",
      "unchecked",
      "notes",
      "errors",
    ]);
    expect(out.commands).toEqual([
      { text: "redis-cli -p 6381 -a *** XACK s g 1-0", program: "redis-cli", verb: "XACK" },
    ]);
    // No Redis configured: the stale-consumer GUARD could not look at the stream.
    expect(out.unchecked[0]).toMatchObject({ pitfall: "stale-consumer-groups-redis-streams" });
    expect(out.unchecked[0].reason).toContain("no Redis was consulted");
    const cp = JSON.parse((await guard(["-o", "json", "--", "kubectl", "cp", "a.py", "p:/a.py"])).out);
    expect(Object.keys(cp.matches[0])).toEqual([
      "pitfall",
      "title",
      "severity",
      "command",
      "guard",
      "source",
      "why",
      "zoneNote",
      "runbook",
    ]);
  });
});

/**
 * Claude Code's PreToolUse hook, as docs.anthropic.com/en/docs/claude-code/hooks documents it: the input on stdin
 * holds session_id, transcript_path, cwd, hook_event_name, tool_name and tool_input (Bash: command, description);
 * the answer is hookSpecificOutput.{hookEventName, permissionDecision, permissionDecisionReason} on stdout, exit 0.
 */
describe("--hook (the built bin, as Claude Code runs it)", () => {
  const hookInput = (tool: string, toolInput: Record<string, unknown>) =>
    JSON.stringify({
      session_id: "abc123",
      transcript_path: join(dir, "transcript.jsonl"),
      cwd: dir,
      permission_mode: "default",
      hook_event_name: "PreToolUse",
      tool_name: tool,
      tool_input: toolInput,
      tool_use_id: "toolu_01",
    });
  const hook = (stdin: string) =>
    spawnCollect(process.execPath, [BIN, "guard", "--hook"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", ...env() },
      stdin,
    });

  it("denies a command that repeats a pitfall, with the pitfall, why and what to do instead", async () => {
    const r = await hook(
      hookInput("Bash", {
        command: "kubectl cp fix.py ge-executor-7c9f:/app/fix.py -n ge-agents",
        description: "Hot-patch the executor",
      }),
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out)).toEqual(["hookSpecificOutput"]);
    expect(out.hookSpecificOutput).toEqual({
      hookEventName: "PreToolUse",
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringContaining(
        "pitfall: Python Module Caching (python-module-caching, HIGH) matches `kubectl cp fix.py ge-executor-7c9f:/app/fix.py -n ge-agents`.",
      ),
    });
    expect(out.hookSpecificOutput.permissionDecisionReason).toContain(
      "FIX: ALWAYS build a new container image and roll it out",
    );
  });

  it("asks the user when something could not be checked", async () => {
    const r = await hook(
      hookInput("Bash", { command: "kubectl set resources deploy/x --limits=memory=2Gi" }),
    );
    const out = JSON.parse(r.out);
    expect(out.hookSpecificOutput.permissionDecision).toBe("ask");
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(/could not check OOMKilled/);
  });

  it("says nothing (never allow) for a fine command or another tool", async () => {
    for (const input of [
      hookInput("Bash", { command: "kubectl get pods -n ge-agents" }),
      hookInput("Write", { file_path: join(dir, "fix.py"), content: "kubectl cp fix.py p:/app/fix.py" }),
      JSON.stringify({
        hook_event_name: "PostToolUse",
        tool_name: "Bash",
        tool_input: { command: "kubectl cp a.py p:/a.py" },
      }),
    ]) {
      const r = await hook(input);
      expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: "" });
    }
  });

  it("an unreadable input is a non-blocking error (exit 1), never a block (exit 2)", async () => {
    const r = await hook("not json");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("stdin is not the hook's JSON");
  });
});
