// Values of one YAML document through js-yaml, several times faster than `yaml` builds nodes with positions.
// Plain scalars are resolved by `yaml`'s own YAML 1.1 tags (the ones the whole-file path uses: yes/no/on/off,
// 0644 octal, 1_000, no timestamps), so both paths give the same values. Whatever js-yaml would read
// differently or not bound as `yaml` does (aliases, null or collection keys, explicit tags, duplicate keys,
// deep nesting, syntax errors) is refused here: the caller then reads the document the old way.
import jsyaml from "js-yaml";
import { Document, type DocumentOptions, isScalar, type ParseOptions, type SchemaOptions } from "yaml";

/** A YAML 1.1 scalar tag of `yaml`, as its schema lists it. */
interface ScalarTag {
  test: RegExp;
  resolve(value: string, onError: (message: string) => void, options: ParseOptions): unknown;
}

/** What `yaml`'s resolvers read from the parse options (ints become numbers, as in the whole-file path). */
const RESOLVE_OPTIONS: ParseOptions = { intAsBigInt: false };

/** js-yaml nests this deep at most; the `yaml` path refuses documents deeper than 200 parser levels. */
const MAX_DEPTH = 100;

/** First characters any YAML 1.1 null, bool, int or float can start with; other plain scalars are strings. */
const SCALAR_FIRST = new Set("~nNyYtTfFoO+-.0123456789".split("").map((c) => c.charCodeAt(0)));

const DOLLAR = 36;

class Refused extends Error {}

function refuse(): never {
  throw new Refused();
}

/** js-yaml's schema for Kubernetes manifests, with `yaml`'s scalar tags for the options given. */
export function fastSchema(options: ParseOptions & DocumentOptions & SchemaOptions): jsyaml.Schema {
  const tags = new Document(null, options).schema.tags.filter(
    (t): t is typeof t & ScalarTag => t.default === true && t.test instanceof RegExp && "resolve" in t,
  );
  // One pattern for all of them first: most plain scalars (keys, names) are strings, and one test says so.
  const any = tags.some((t) => t.test.flags)
    ? /(?:)/
    : new RegExp(tags.map((t) => `(?:${t.test.source})`).join("|"));
  let matched: ScalarTag | undefined;
  const scalar = new jsyaml.Type("tag:pitfall,2026:yaml-1.1-scalar", {
    kind: "scalar",
    resolve(value: unknown) {
      if (typeof value !== "string" || !SCALAR_FIRST.has(value.charCodeAt(0)) || !any.test(value))
        return false;
      matched = tags.find((t) => t.test.test(value));
      return matched !== undefined;
    },
    construct(value: string) {
      // A resolver that finds fault would make the old path report it; leave the document to that path.
      const resolved = matched!.resolve(value, refuse, RESOLVE_OPTIONS);
      // Some resolvers (1.1 booleans) wrap the value in a Scalar to keep its spelling.
      return isScalar(resolved) ? resolved.value : resolved;
    },
  });
  // `<<` merges only as a plain key, as in `yaml`; js-yaml's own merge type also takes an empty key.
  const merge = new jsyaml.Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (v) => v === "<<" });
  return jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [merge, scalar] });
}

/**
 * The value of one document's text, or undefined when only the `yaml` path reads it faithfully. `text` is one
 * document as DocumentSplitter cuts it (its `---` line and comments included).
 */
export function fastValue(
  text: string,
  schema: jsyaml.Schema,
): { value: unknown; dollarKeys: boolean } | undefined {
  let value: unknown;
  try {
    // maxDepth is js-yaml 4.3's; its types predate it.
    value = jsyaml.load(text, { schema, maxDepth: MAX_DEPTH } as jsyaml.LoadOptions);
  } catch {
    return undefined;
  }
  let dollarKeys: boolean;
  try {
    // Without a `*` there is no alias, so no value appears twice.
    dollarKeys = check(value, text.includes("*") ? new Set() : undefined);
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
  return { value, dollarKeys };
}

/**
 * Refuses keys js-yaml spells differently from the old path (null → "null" for "", collections → "[object
 * Object]" or "a,b" for JSON) and collections reached twice (aliases: the old path measures their expansion).
 * True when some key begins with `$` (a patch's directive may: sources/patch-fragments looks for it then).
 */
function check(value: unknown, seen: Set<object> | undefined): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (seen) {
    if (seen.has(value)) refuse();
    seen.add(value);
  }
  let dollar = false;
  if (Array.isArray(value)) {
    for (const item of value) if (check(item, seen)) dollar = true;
    return dollar;
  }
  // No timestamps, binaries or sets in this schema: any other object is a mapping.
  for (const key in value) {
    if (key === "null" || key.includes(",") || key.startsWith("[object")) refuse();
    if (key.charCodeAt(0) === DOLLAR) dollar = true;
    if (check((value as Record<string, unknown>)[key], seen)) dollar = true;
  }
  return dollar;
}
