// DETECT expressions: CEL with `object` bound to one Kubernetes object, as in a ValidatingAdmissionPolicy.

import { type CelInput, celEnv, isCelError, isCelList, isCelMap, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

export type CompiledDetect =
  | {
      ok: true;
      evaluate(obj: unknown): boolean | Error;
      /** Same, on an object already converted with toCelValue (convert once, evaluate many). */
      evaluateInput(input: CelInput): boolean | Error;
    }
  | { ok: false; message: string; column?: number };

/** The one variable a DETECT expression may use. */
export const DETECT_VARIABLE = "object";

// Identifiers CEL itself defines (type names usable in `type(x) == string`).
const BUILTIN_IDENTS = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "type",
  "null_type",
]);

/** Parse and plan once; a syntax error or an unknown variable comes back as a message with a 1-based column. */
export function compileDetect(expr: string): CompiledDetect {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expr);
  } catch (err) {
    return syntaxFailure(err);
  }
  const unknown = unknownIdent(parsed.expr);
  if (unknown) {
    const offset = parsed.sourceInfo?.positions[unknown.id.toString()];
    return {
      ok: false,
      message: `unknown variable '${unknown.name}': only '${DETECT_VARIABLE}' (the Kubernetes object) is bound`,
      ...(offset === undefined ? {} : { column: offset + 1 }),
    };
  }
  const program = plan(celEnv({ funcs: strings }), parsed);
  return {
    ok: true,
    evaluate(obj: unknown): boolean | Error {
      return this.evaluateInput(toCelValue(obj));
    },
    evaluateInput(input: CelInput): boolean | Error {
      const result = program({ [DETECT_VARIABLE]: input });
      if (isCelError(result)) return result;
      if (typeof result !== "boolean") return new Error(`DETECT must give a bool, got ${describe(result)}`);
      return result;
    },
  };
}

/** JSON to CEL input: objects become Maps, integers become bigint (CEL int), other numbers stay double. */
export function toCelValue(json: unknown): CelInput {
  if (json === null || json === undefined) return null;
  if (Array.isArray(json)) return json.map(toCelValue);
  switch (typeof json) {
    case "number":
      return Number.isInteger(json) ? BigInt(json) : json;
    case "string":
    case "boolean":
    case "bigint":
      return json;
    case "object": {
      const map = new Map<string, CelInput>();
      for (const [key, value] of Object.entries(json)) {
        // JSON has no undefined; a missing field must stay missing so `has()` is false.
        if (value !== undefined) map.set(key, toCelValue(value));
      }
      return map;
    }
    default:
      return null;
  }
}

function syntaxFailure(err: unknown): CompiledDetect {
  const e = err as { rawMessage?: unknown; message?: unknown; location?: { start?: { column?: unknown } } };
  const raw = typeof e.rawMessage === "string" ? e.rawMessage : String(e.message ?? err);
  const column = e.location?.start?.column;
  return {
    ok: false,
    message: `syntax error: ${raw}`,
    ...(typeof column === "number" ? { column } : {}),
  };
}

interface ExprNode {
  id: bigint;
  exprKind: { case: string | undefined; value?: unknown };
}

/** Every identifier the expression uses, and the names comprehensions bind. */
function identifiersOf(root: ExprNode): { idents: { name: string; id: bigint }[]; bound: Set<string> } {
  const bound = new Set<string>();
  const idents: { name: string; id: bigint }[] = [];
  const visit = (node: ExprNode | undefined): void => {
    if (!node) return;
    const { case: kind, value } = node.exprKind;
    const v = value as Record<string, unknown> | undefined;
    if (kind === "identExpr") idents.push({ name: String(v?.name), id: node.id });
    else if (kind === "selectExpr") visit(v?.operand as ExprNode);
    else if (kind === "callExpr") {
      visit(v?.target as ExprNode | undefined);
      for (const arg of (v?.args as ExprNode[]) ?? []) visit(arg);
    } else if (kind === "listExpr") {
      for (const el of (v?.elements as ExprNode[]) ?? []) visit(el);
    } else if (kind === "structExpr") {
      for (const entry of (v?.entries as Record<string, unknown>[]) ?? []) {
        visit(entry.mapKey as ExprNode | undefined);
        visit(entry.value as ExprNode | undefined);
      }
    } else if (kind === "comprehensionExpr") {
      for (const name of [v?.iterVar, v?.iterVar2, v?.accuVar])
        if (typeof name === "string" && name) bound.add(name);
      for (const part of ["iterRange", "accuInit", "loopCondition", "loopStep", "result"])
        visit(v?.[part] as ExprNode);
    }
  };
  visit(root);
  return { idents, bound };
}

// The first identifier that is neither `object`, a comprehension variable nor a CEL type name.
function unknownIdent(root: ExprNode): { name: string; id: bigint } | undefined {
  const { idents, bound } = identifiersOf(root);
  return idents.find((i) => i.name !== DETECT_VARIABLE && !bound.has(i.name) && !BUILTIN_IDENTS.has(i.name));
}

/** Why a DETECT cannot tell objects apart: it never reads `object`, or it holds for every sample object. */
export function detectTrivial(
  expr: string,
  sample: readonly { kind: string; object: unknown }[],
): { code: "detect-constant" | "detect-matches-all"; message: string } | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expr);
  } catch {
    return undefined; // compileDetect reports the syntax error
  }
  if (!identifiersOf(parsed.expr).idents.some((i) => i.name === DETECT_VARIABLE))
    return {
      code: "detect-constant",
      message:
        "DETECT reads nothing of `object`, so it gives the same answer for every object (all flagged, or none): test a field, e.g. `DETECT: object.kind == 'Pod' && has(object.spec.hostNetwork) && object.spec.hostNetwork`",
    };
  const compiled = compileDetect(expr);
  if (!compiled.ok || !sample.length) return undefined;
  if (sample.every((s) => compiled.evaluate(s.object) === true))
    return {
      code: "detect-matches-all",
      message: `DETECT is true for every object of the built-in sample (${sample.map((s) => s.kind).join(", ")}), so it would flag everything: narrow it, e.g. begin with \`object.kind == 'Pod' && …\``,
    };
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "double";
  if (isCelList(value)) return "list";
  if (isCelMap(value)) return "map";
  return typeof value;
}
