// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell ${VAR} text is the point of these tests
import { describe, expect, it } from "vitest";
import { fillSteps, fillText, shellQuote } from "./fill.js";

describe("fillText", () => {
  it("fills and keeps unknown placeholders visible", () => {
    const r = fillText(
      "kubectl logs {pod-name} -n ge-{namespace} --previous",
      { "pod-name": "api-7d9" },
      true,
    );
    expect(r.text).toBe("kubectl logs api-7d9 -n ge-{namespace} --previous");
    expect(r.unfilled).toEqual(["namespace"]);
  });

  it("honours the ge-{namespace} convention: the result is the real namespace", () => {
    const cmd = "kubectl logs {pod-name} -n ge-{namespace} --previous";
    expect(fillText(cmd, { "pod-name": "p", namespace: "ge-agents" }, true).text).toBe(
      "kubectl logs p -n ge-agents --previous",
    );
    expect(fillText(cmd, { "pod-name": "p", namespace: "default" }, true).text).toBe(
      "kubectl logs p -n default --previous",
    );
  });

  it("keeps a prefix for names that are not whole", () => {
    const cmd = "XPENDING triggers.{agent} ge-executor-group - + 10";
    expect(fillText(cmd, { agent: "alice" }, true).text).toBe(
      "XPENDING triggers.alice ge-executor-group - + 10",
    );
    expect(fillText(cmd, { agent: "triggers.bob" }, true).text).toBe(
      "XPENDING triggers.bob ge-executor-group - + 10",
    );
  });

  it("lets a whole name replace the page's prefix when asked", () => {
    const cmd = "XPENDING triggers.{agent} ge-executor-group - + 10";
    expect(fillText(cmd, { agent: "jobs.alpha" }, true).text).toBe(
      "XPENDING triggers.jobs.alpha ge-executor-group - + 10",
    );
    expect(fillText(cmd, { agent: "jobs.alpha" }, true, new Set(["agent"])).text).toBe(
      "XPENDING jobs.alpha ge-executor-group - + 10",
    );
    expect(
      fillSteps([{ kind: "RUN", text: cmd, line: 1, group: -1 }], { agent: "jobs.alpha" }, ["agent"])[0]!
        .text,
    ).toBe("XPENDING jobs.alpha ge-executor-group - + 10");
  });

  it("quotes values so nothing can be injected", () => {
    const r = fillText("kubectl logs {pod-name}", { "pod-name": "x; rm -rf / #" }, true);
    expect(r.text).toBe("kubectl logs 'x; rm -rf / #'");
    expect(fillText("echo {v}", { v: "it's $(id)" }, true).text).toBe(`echo 'it'\\''s $(id)'`);
    expect(fillText('grep "{v}"', { v: 'a"$(id)`x`' }, true).text).toBe('grep "a\\"\\$(id)\\`x\\`"');
  });

  it("does not quote prose steps and ignores shell ${VAR}", () => {
    expect(fillText("check if {image} was imported", { image: "a b" }, false).text).toBe(
      "check if a b was imported",
    );
    expect(fillText("echo ${HOME} {x}", { x: "1" }, true).text).toBe("echo ${HOME} 1");
  });

  it("shellQuote leaves plain words alone", () => {
    expect(shellQuote("ge-agents")).toBe("ge-agents");
    expect(shellQuote("")).toBe("''");
  });
});

describe("fillSteps", () => {
  it("quotes only RUN steps", () => {
    const out = fillSteps(
      [
        { kind: "IF", text: "pod {pod-name} is crashing", line: 1, group: 0 },
        { kind: "RUN", text: "kubectl logs {pod-name}", line: 2, group: 0 },
      ],
      { "pod-name": "a b" },
    );
    expect(out).toEqual([
      { kind: "IF", text: "pod a b is crashing" },
      { kind: "RUN", text: "kubectl logs 'a b'" },
    ]);
  });
});
