import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileGuard } from "../kb/cel.js";
import { toCelValue } from "../kb/cel-value.js";
import { pitfallsOf } from "../kb/model.js";
import { parsePage } from "../kb/parse.js";
import { parseCommandLine } from "../sources/command.js";
import { mayMatch } from "./guard-prefilter.js";

const page = parsePage(
  readFileSync(new URL("../../kb/kubernetes.md", import.meta.url), "utf8"),
  "kubernetes.md",
);
const GUARDS = [
  ...pitfallsOf(page).flatMap((p) => p.guard.map((g) => g.expr)),
  "command.verb in ['scale', 'delete'] && command.?flags.?replicas.orValue('1') == '0'",
  "'cpu' in command.requests || command.verb == 'get'",
  "command.args == 'x' && command.program == 'kubectl'",
];
const COMMANDS = [
  "kubectl get pods -n ge-agents",
  "kubectl describe deploy/x",
  "kubectl logs -p web-1 -c app",
  "kubectl cp fix.py pod:/app/fix.py",
  "kubectl cp pod:/app/fix.py fix.py",
  "kubectl set resources deploy/x --limits=memory=1Gi",
  "kubectl set resources deploy/x --requests=cpu=1",
  `kubectl patch deploy x -p '{"spec":{"template":{"spec":{"hostNetwork":true}}}}'`,
  `kubectl patch deploy x -p '{"spec":{"template":{"spec":{"hostNetwork":false}}}}'`,
  "kubectl run x --image=a:1 --image-pull-policy=Always",
  "kubectl scale deploy/x --replicas=0",
  "redis-cli -p 6381 XACK s g 1-0",
  "redis-cli -p 6381 XPENDING s g",
  "ls -la",
];
/** Facts as bad as they get: if the prefilter rules a line out, CEL must say false even with these. */
const WORST = { target: { oomKilled: true }, stream: { deadPending: 10n }, zone: "1", distribution: "k3s" };

describe("the GUARD prefilter", () => {
  it("only rules out what CEL rules out, whatever the cluster and Redis would say", async () => {
    let ruledOut = 0;
    for (const line of COMMANDS)
      for (const command of (await parseCommandLine(line, { cwd: "/" })).commands)
        for (const expr of GUARDS) {
          if (mayMatch(expr, command as unknown as Record<string, unknown>)) continue;
          ruledOut++;
          const g = compileGuard(expr);
          if (!g.ok) throw new Error(g.message);
          const value = toCelValue(command);
          expect(g.evaluate({ command: value, ...WORST }), `${line} | ${expr}`).toBe(false);
          expect(g.evaluate({ command: value }), `${line} | ${expr}`).toBe(false);
        }
    expect(ruledOut).toBeGreaterThan(COMMANDS.length * 3);
  });

  it("rules out every built-in GUARD line for read-only commands, so CEL is never loaded for them", async () => {
    const builtin = pitfallsOf(page).flatMap((p) => p.guard.map((g) => g.expr));
    for (const line of [
      "kubectl get pods -A",
      "kubectl logs -f web-1",
      "kubectl rollout status deploy/x",
      "kubectl top nodes",
    ])
      for (const command of (await parseCommandLine(line, { cwd: "/" })).commands)
        expect(
          builtin.filter((e) => mayMatch(e, command as unknown as Record<string, unknown>)),
          line,
        ).toEqual([]);
  });

  it("leaves a line with a top-level || or an unknown form to CEL", async () => {
    const [get] = (await parseCommandLine("kubectl get pods", { cwd: "/" })).commands;
    expect(mayMatch("command.verb == 'cp' || command.verb == 'edit'", get as never)).toBe(true);
    expect(mayMatch("size(command.args) > 5", get as never)).toBe(true);
    expect(mayMatch("command.verb == 'cp'", get as never)).toBe(false);
  });
});
