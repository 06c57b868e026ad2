import { describe, expect, it } from "vitest";
import { compileDetect } from "./cel.js";
import { rewriteOptionals } from "./cel-optional.js";

function evaluate(expr: string, obj: unknown): boolean | Error {
  const c = compileDetect(expr);
  if (!c.ok) throw new Error(c.message);
  return c.evaluate(obj);
}

describe("optional selection (`.?`, `[?]`, orValue, hasValue)", () => {
  const pod = { kind: "Pod", spec: { containers: [{ name: "a" }], nodeSelector: { disk: "ssd" } } };

  it("reads a missing field as absent instead of an error", () => {
    expect(evaluate("object.spec.hostNetwork == true", pod)).toBeInstanceOf(Error);
    expect(evaluate("object.?spec.?hostNetwork.orValue(false) == true", pod)).toBe(false);
    expect(evaluate("object.?status.?phase.orValue('') == 'Running'", pod)).toBe(false);
    expect(evaluate("object.?spec.?containers.hasValue()", pod)).toBe(true);
    expect(evaluate("!object.?spec.?affinity.hasValue()", pod)).toBe(true);
  });

  it("selects map keys and list indexes optionally, and chains through them", () => {
    expect(evaluate("object.spec.nodeSelector[?'disk'].orValue('') == 'ssd'", pod)).toBe(true);
    expect(evaluate("object.spec.nodeSelector[?'zone'].orValue('none') == 'none'", pod)).toBe(true);
    expect(evaluate("object.spec.containers[?3].?name.orValue('') == ''", pod)).toBe(true);
    expect(evaluate("object.spec.containers[?0].?name.orValue('') == 'a'", pod)).toBe(true);
    expect(evaluate("object.spec.containers.all(c, c.?resources.?limits.hasValue()) == false", pod)).toBe(
      true,
    );
  });

  it("rewrites into has() tests and leaves `.?` inside strings alone", () => {
    const r = rewriteOptionals("object.?spec.?x.orValue(1) == 1 && object.kind != 'a.?b'");
    expect(r).toMatchObject({
      ok: true,
      text: "((has(object.spec) && has(object.spec.x)) ? object.spec.x : (1)) == 1 && object.kind != 'a.?b'",
    });
  });

  it("says how to end a chain, at the column of the optional selection", () => {
    const r = compileDetect("kind == 'Pod' && podSpec.?hostNetwork == true");
    expect(r).toMatchObject({ ok: false, column: 25 });
    if (!r.ok) expect(r.message).toMatch(/must end with \.orValue\(<default>\) or \.hasValue\(\)/);
    const size = compileDetect("object.?spec.size() > 0");
    expect(size.ok).toBe(false);
    if (!size.ok) expect(size.message).toContain("not .size(…)");
  });

  it("maps a syntax error after a rewritten chain back to the column as written", () => {
    // Without optional chains the parser points at the dangling `&&`; with them too, as written.
    const plain = compileDetect("object.spec.x == 1 &&");
    const r = compileDetect("object.?spec.?x.orValue(1) == 1 &&");
    expect(plain.ok || r.ok).toBe(false);
    if (!r.ok && !plain.ok) {
      expect(plain.column).toBe("object.spec.x == 1 &&".indexOf("&&") + 1);
      expect(r.column).toBe("object.?spec.?x.orValue(1) == 1 &&".indexOf("&&") + 1);
    }
  });
});
