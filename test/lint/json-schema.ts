// A small JSON Schema checker for the keywords our schemas use (no validator dependency):
// type, properties, required, additionalProperties, items, enum, const, pattern, bounds, oneOf, anyOf, $ref.

export type Schema = boolean | { [key: string]: unknown };

export const SUPPORTED_KEYWORDS = new Set([
  "$schema",
  "$id",
  "$defs",
  "$ref",
  "title",
  "description",
  "default",
  "examples",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "enum",
  "const",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "oneOf",
  "anyOf",
]);

/** Problems of `value` against `schema`, each as `path: what`; empty when valid. */
export function validate(schema: Schema, value: unknown, root: Schema = schema, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s))
    if (!SUPPORTED_KEYWORDS.has(key))
      throw new Error(`${path}: keyword ${key} is not supported by this checker`);
  const errors: string[] = [];
  if (typeof s.$ref === "string") errors.push(...validate(resolveRef(root, s.$ref), value, root, path));
  if (s.type !== undefined && !typeMatches(s.type as string | string[], value))
    return [...errors, `${path}: expected ${String(s.type)}, got ${typeName(value)}`];
  if (s.enum && !(s.enum as unknown[]).some((e) => e === value))
    errors.push(`${path}: not one of ${JSON.stringify(s.enum)}`);
  if ("const" in s && s.const !== value) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (typeof value === "string") {
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value))
      errors.push(`${path}: does not match ${s.pattern}`);
    if (typeof s.minLength === "number" && [...value].length < s.minLength) errors.push(`${path}: too short`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum)
      errors.push(`${path}: must be above ${s.exclusiveMinimum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems)
      errors.push(`${path}: fewer than ${s.minItems} items`);
    if (s.items !== undefined)
      for (const [i, v] of value.entries())
        errors.push(...validate(s.items as Schema, v, root, `${path}[${i}]`));
  }
  if (isObject(value)) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in value)) errors.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errors.push(...validate(props[k]!, v, root, `${path}.${k}`));
      else if (s.additionalProperties !== undefined)
        errors.push(...validate(s.additionalProperties as Schema, v, root, `${path}.${k}`));
    }
  }
  for (const [keyword, exactlyOne] of [
    ["oneOf", true],
    ["anyOf", false],
  ] as const) {
    const options = s[keyword] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((o) => validate(o, value, root, path).length === 0).length;
    if (exactlyOne ? passing !== 1 : passing === 0)
      errors.push(`${path}: matches ${passing} of the ${keyword} options`);
  }
  return errors;
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`only local $ref is supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) node = (node as Record<string, unknown>)[part];
  if (node === undefined) throw new Error(`$ref ${ref} points nowhere`);
  return node as Schema;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isInteger(v)) return "integer";
  return typeof v;
}

function typeMatches(type: string | string[], v: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = typeName(v);
  return types.some((t) => t === actual || (t === "number" && actual === "integer"));
}
