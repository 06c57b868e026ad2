// The page's CEL lines, compiled once: DETECT (over a Kubernetes object, as in a ValidatingAdmissionPolicy) and
// GUARD (over a command an agent is about to run). Both accept CEL's optional selection (`a.?b.orValue(c)`).
import { type CelInput, celEnv, isCelError, isCelList, isCelMap, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { rewriteOptionals } from "./cel-optional.js";
import { closest } from "./near.js";
import {
  DETECT_BINDINGS,
  type DetectEnv,
  DetectSubject,
  OBJECT_BINDINGS,
  POD_BINDINGS,
} from "./detect-subject.js";

export { toCelValue } from "./cel-value.js";

/** The variable every DETECT line could use before the others existed; still the whole object. */
export const DETECT_VARIABLE = "object";

/** The variables a GUARD line may use. */
export const GUARD_BINDINGS = ["command", "target", "stream", "zone", "distribution"] as const;

/** A field chain the expression reads: `podSpec.hostNetwork`, or `c.resources.limits` through a comprehension. */
export interface FieldChain {
  /** A bound variable, or the index of the range (`ranges[n]`) the chain's iteration variable walks. */
  root: { variable: string } | { range: number };
  path: (string | number)[];
  /** Offset in the expression as CEL parsed it; later chains name the fields that matter (after the kind test). */
  offset: number;
}

export interface CompiledCel {
  ok: true;
  /** What was parsed: the line with optional chains rewritten. */
  text: string;
  /** The bound variables the expression reads. */
  reads: ReadonlySet<string>;
  /** Every identifier it names, comprehension variables included (a shadowed `object` still counts as read). */
  mentions: ReadonlySet<string>;
  chains: FieldChain[];
  /** The lists comprehensions walk (`containers` in `containers.exists(c, …)`), when they are field chains. */
  ranges: FieldChain[];
  /** The only kinds the line can hold for (a top-level `kind == 'X'` term), when it names them. */
  kinds: ReadonlySet<string> | undefined;
  /** Evaluate with these bindings (an unbound variable is an error value, not a throw). */
  run(bindings: Record<string, CelInput>): unknown;
}

export type CelCompileFailure = { ok: false; message: string; column?: number };

export type CompiledDetect =
  | (Omit<CompiledCel, "run"> & {
      evaluate(obj: unknown, env?: DetectEnv): boolean | Error;
      /** Same, on an object already wrapped (its bindings converted once for every line). */
      evaluateSubject(subject: DetectSubject): boolean | Error;
    })
  | CelCompileFailure;

export type CompiledGuard =
  | (Omit<CompiledCel, "run"> & { evaluate(bindings: Record<string, CelInput>): boolean | Error })
  | CelCompileFailure;

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

const env = celEnv({ funcs: strings });

/**
 * Parse and plan once. A syntax error or an unknown variable comes back as a message with a 1-based column in the
 * line as written (optional chains included).
 */
export function compileCel(
  expr: string,
  what: string,
  variables: readonly string[],
): CompiledCel | CelCompileFailure {
  const rewritten = rewriteOptionals(expr);
  if (!rewritten.ok)
    return { ok: false, message: `syntax error: ${rewritten.message}`, column: rewritten.column };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rewritten.text);
  } catch (err) {
    const failure = syntaxFailure(err);
    if (failure.column !== undefined) failure.column = rewritten.sourceOffset(failure.column - 1) + 1;
    return failure;
  }
  const { idents, bound } = identifiersOf(parsed.expr as ExprNode);
  const known = new Set(variables);
  const unknown = idents.find((i) => !known.has(i.name) && !bound.has(i.name) && !BUILTIN_IDENTS.has(i.name));
  if (unknown) {
    const offset = parsed.sourceInfo?.positions[unknown.id.toString()];
    const near = closest(unknown.name, variables);
    return {
      ok: false,
      message: `unknown variable '${unknown.name}'${near ? ` (did you mean '${near}'?)` : ""}: ${what} binds ${listText(variables)}`,
      ...(offset === undefined ? {} : { column: rewritten.sourceOffset(offset) + 1 }),
    };
  }
  const reads = new Set(idents.filter((i) => known.has(i.name) && !bound.has(i.name)).map((i) => i.name));
  const { chains, ranges } = chainsOf(parsed.expr as ExprNode, known, parsed.sourceInfo?.positions ?? {});
  const program = plan(env, parsed);
  const mentions = new Set(idents.map((i) => i.name));
  return {
    ok: true,
    text: rewritten.text,
    reads,
    mentions,
    kinds: kindsOf(parsed.expr as ExprNode),
    chains,
    ranges,
    run: (bindings) => program(bindings),
  };
}

/** A DETECT line: bound to one object (and its pod spec and containers) and the target's zone. */
export function compileDetect(expr: string): CompiledDetect {
  const c = compileCel(expr, "DETECT", DETECT_BINDINGS);
  if (!c.ok) return c;
  const needsPod = [...c.reads].some((r) => POD_BINDINGS.has(r));
  const { kinds } = c;
  const evaluateSubject = (subject: DetectSubject): boolean | Error => {
    // A line about pod specs says nothing about objects without one.
    if (needsPod && !subject.hasPodSpec) return false;
    // Nor does `kind == 'Node' && …` about a Deployment: false whatever the rest gives.
    if (kinds && !kinds.has(subject.kind)) return false;
    return asBool(c.run(subject.activation()), "DETECT");
  };
  const { run: _run, ...rest } = c;
  return {
    ...rest,
    evaluateSubject,
    evaluate: (obj, detectEnv = {}) => evaluateSubject(new DetectSubject(obj, detectEnv)),
  };
}

/** A GUARD line: bound to a parsed command, and what the cluster or Redis says about what it touches. */
export function compileGuard(expr: string): CompiledGuard {
  const c = compileCel(expr, "GUARD", GUARD_BINDINGS);
  if (!c.ok) return c;
  const { run, ...rest } = c;
  return { ...rest, evaluate: (bindings) => asBool(run(bindings), "GUARD") };
}

function asBool(result: unknown, what: string): boolean | Error {
  if (isCelError(result)) return result;
  if (typeof result !== "boolean") return new Error(`${what} must give a bool, got ${describe(result)}`);
  return result;
}

/** Why a DETECT cannot tell objects apart: it reads nothing of the object, or it holds for every sample object. */
export function detectTrivial(
  expr: string,
  sample: readonly { kind: string; object: unknown }[],
): { code: "detect-constant" | "detect-matches-all"; message: string } | undefined {
  const compiled = compileDetect(expr);
  if (!compiled.ok) return undefined; // compileDetect's message is the lint error
  if (![...compiled.mentions].some((r) => OBJECT_BINDINGS.has(r)))
    return {
      code: "detect-constant",
      message:
        "DETECT reads nothing of `object` (nor `podSpec`, `containers`, `kind`, `metadata`), so it gives the same answer for every object (all flagged, or none): test a field, e.g. `DETECT: podSpec.hostNetwork == true`",
    };
  if (!sample.length) return undefined;
  const results = sample.map((s) => ({
    kind: s.kind,
    hit: compiled.evaluate(s.object) === true,
    object: s.object,
  }));
  if (results.every((r) => r.hit))
    return {
      code: "detect-matches-all",
      message: `DETECT is true for every object of the built-in sample (${sample.map((s) => s.kind).join(", ")}), so it would flag everything: narrow it, e.g. begin with \`kind == 'Pod' && …\``,
    };
  const withPods = results.filter((r) => new DetectSubject(r.object).hasPodSpec);
  if (
    [...compiled.reads].some((r) => POD_BINDINGS.has(r)) &&
    withPods.length > 1 &&
    withPods.every((r) => r.hit)
  )
    return {
      code: "detect-matches-all",
      message: `DETECT is true for every object with a pod spec in the built-in sample (${withPods.map((r) => r.kind).join(", ")}), which are well-formed: it would flag every workload. Test the field that is wrong, e.g. \`podSpec.hostNetwork == true\``,
    };
  return undefined;
}

/** A GUARD that reads nothing of `command` answers the same for every command. */
export function guardTrivial(expr: string): { code: "guard-constant"; message: string } | undefined {
  const compiled = compileGuard(expr);
  if (!compiled.ok || compiled.mentions.has("command")) return undefined;
  return {
    code: "guard-constant",
    message:
      "GUARD reads nothing of `command`, so it gives the same answer for every command: test what the command does, e.g. `GUARD: command.program == 'kubectl' && command.verb == 'cp'`",
  };
}

function syntaxFailure(err: unknown): CelCompileFailure & { column?: number } {
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
  walk(root, (node) => {
    const { case: kind, value } = node.exprKind;
    const v = value as Record<string, unknown> | undefined;
    if (kind === "identExpr") idents.push({ name: String(v?.name), id: node.id });
    else if (kind === "comprehensionExpr")
      for (const name of [v?.iterVar, v?.iterVar2, v?.accuVar])
        if (typeof name === "string" && name) bound.add(name);
  });
  return { idents, bound };
}

/**
 * The kinds a line can hold for, when one of its top-level `&&` terms is `kind == 'X'` (or `object.kind`, either
 * side): with that term false, the line is false (CEL's `&&` is false when either side is, errors and all).
 */
function kindsOf(root: ExprNode): Set<string> | undefined {
  const call = (n: ExprNode) => (n.exprKind.case === "callExpr" ? (n.exprKind.value as CallNode) : undefined);
  const literal = (n: ExprNode) => {
    const c = n.exprKind.case === "constExpr" ? (n.exprKind.value as ConstNode).constantKind : undefined;
    return c?.case === "stringValue" ? String(c.value) : undefined;
  };
  const isKind = (n: ExprNode) => {
    const parts = chainParts(n);
    if (!parts) return false;
    const path = [parts.root.name, ...parts.path];
    return path.join(".") === "kind" || path.join(".") === `${DETECT_VARIABLE}.kind`;
  };
  let found: Set<string> | undefined;
  const visit = (n: ExprNode): void => {
    const c = call(n);
    if (c?.function === "_&&_") {
      for (const arg of c.args) visit(arg);
      return;
    }
    if (c?.function !== "_==_" || c.args.length !== 2) return;
    const [a, b] = c.args as [ExprNode, ExprNode];
    const kind = isKind(a) ? literal(b) : isKind(b) ? literal(a) : undefined;
    if (kind === undefined) return;
    // Two such terms: the line holds for objects of both kinds, that is none unless they are the same.
    found = found ? new Set([...found].filter((k) => k === kind)) : new Set([kind]);
  };
  visit(root);
  return found;
}

interface CallNode {
  function: string;
  args: ExprNode[];
}

interface ConstNode {
  constantKind: { case: string | undefined; value?: unknown };
}

/** Calls `visit` on every node, parents first. */
function walk(node: ExprNode | undefined, visit: (n: ExprNode) => void): void {
  if (!node) return;
  visit(node);
  for (const child of childrenOf(node)) walk(child, visit);
}

function childrenOf(node: ExprNode): ExprNode[] {
  const { case: kind, value } = node.exprKind;
  const v = value as Record<string, unknown> | undefined;
  if (kind === "selectExpr") return [v?.operand as ExprNode];
  if (kind === "callExpr") return [v?.target as ExprNode, ...((v?.args as ExprNode[]) ?? [])].filter(Boolean);
  if (kind === "listExpr") return (v?.elements as ExprNode[]) ?? [];
  if (kind === "structExpr")
    return ((v?.entries as Record<string, unknown>[]) ?? []).flatMap((e) =>
      [e.mapKey as ExprNode, e.value as ExprNode].filter(Boolean),
    );
  if (kind === "comprehensionExpr")
    return ["iterRange", "accuInit", "loopCondition", "loopStep", "result"]
      .map((p) => v?.[p] as ExprNode)
      .filter(Boolean);
  return [];
}

/** `a.b[0]['c']` as a root identifier and a path, or undefined when it is not a plain field chain. */
function chainParts(
  node: ExprNode,
): { root: ExprNode & { name: string }; path: (string | number)[] } | undefined {
  const path: (string | number)[] = [];
  let cur: ExprNode | undefined = node;
  for (;;) {
    const { case: kind, value } = cur.exprKind;
    const v = value as Record<string, unknown> | undefined;
    if (kind === "identExpr") return { root: { ...cur, name: String(v?.name) }, path: path.reverse() };
    if (kind === "selectExpr") {
      path.push(String(v?.field));
      cur = v?.operand as ExprNode;
    } else if (kind === "callExpr" && v?.function === "_[_]") {
      const [operand, key] = (v.args as ExprNode[]) ?? [];
      const constant =
        key?.exprKind.case === "constExpr"
          ? (key.exprKind.value as { constantKind?: { case?: string; value?: unknown } })
          : undefined;
      const c = constant?.constantKind;
      if (c?.case === "stringValue") path.push(String(c.value));
      else if (c?.case === "int64Value") path.push(Number(c.value));
      else return undefined;
      cur = operand;
    } else return undefined;
    if (!cur) return undefined;
  }
}

/** The field chains an expression reads and the lists its comprehensions walk. */
function chainsOf(
  root: ExprNode,
  variables: ReadonlySet<string>,
  positions: Record<string, number>,
): { chains: FieldChain[]; ranges: FieldChain[] } {
  const chains: FieldChain[] = [];
  const ranges: FieldChain[] = [];
  const resolve = (node: ExprNode, scope: Map<string, number | undefined>): FieldChain | undefined => {
    const parts = chainParts(node);
    if (!parts) return undefined;
    const offset = positions[node.id.toString()] ?? 0;
    const name = parts.root.name;
    if (scope.has(name)) {
      const range = scope.get(name);
      return range === undefined ? undefined : { root: { range }, path: parts.path, offset };
    }
    return variables.has(name) ? { root: { variable: name }, path: parts.path, offset } : undefined;
  };
  const visit = (node: ExprNode | undefined, scope: Map<string, number | undefined>): void => {
    if (!node) return;
    const { case: kind, value } = node.exprKind;
    const v = value as Record<string, unknown> | undefined;
    if (kind === "selectExpr" || (kind === "callExpr" && v?.function === "_[_]")) {
      const chain = resolve(node, scope);
      if (chain) {
        if (chain.path.length) chains.push(chain);
        // Index expressions inside the chain (`a[b.c]`) are chains of their own.
        for (const child of childrenOf(node)) if (!chainParts(child)) visit(child, scope);
        return;
      }
    }
    if (kind === "comprehensionExpr") {
      const rangeNode = v?.iterRange as ExprNode | undefined;
      const rangeChain = rangeNode ? resolve(rangeNode, scope) : undefined;
      let id: number | undefined;
      if (rangeChain) {
        // The list itself is where the match points only if an element of it is why the line holds.
        id = ranges.length;
        ranges.push(rangeChain);
      } else visit(rangeNode, scope);
      const inner = new Map(scope);
      for (const name of [v?.iterVar, v?.iterVar2]) if (typeof name === "string" && name) inner.set(name, id);
      if (typeof v?.accuVar === "string") inner.set(v.accuVar, undefined);
      for (const part of ["accuInit", "loopCondition", "loopStep", "result"])
        visit(v?.[part] as ExprNode, inner);
      return;
    }
    for (const child of childrenOf(node)) visit(child, scope);
  };
  visit(root, new Map());
  return { chains, ranges };
}

function listText(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "nothing");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "double";
  if (isCelList(value)) return "list";
  if (isCelMap(value)) return "map";
  return typeof value;
}
