// JSON request bodies checked once against a schema: a wrong type or an unknown field is a 400 that names the
// field (with a did-you-mean), before any handler reads the body.
import { z } from "zod";
import { closeNames } from "../model/close-names.js";
import { HttpError } from "./http.js";

const text = z.string().refine((s) => s.trim() !== "", { error: "must not be empty" });
const textOrList = z.union([z.string(), z.array(z.string())]);

/** POST /api/pitfalls as JSON: the entry in the page format, or its parts as `kb add` takes them. */
export const ENTRY_AS_TEXT = z.strictObject({ entry: z.string() });
export const ENTRY_AS_FIELDS = z.strictObject({
  title: text,
  severity: text,
  zone: text,
  id: z.string().optional(),
  text: textOrList.optional(),
  steps: z.array(z.strictObject({ kind: z.string(), text: z.string() })).optional(),
  addedFrom: textOrList,
  detect: textOrList.optional(),
});

/** The body as the schema says, or a 400 that lists each problem as `field: what`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, hint: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schema);
      return issue.keys.map((key) => {
        const near = closeNames(key, known, 1)[0];
        return `${path ? `${path}.` : ""}${key}: not a field${near ? ` (did you mean ${near}?)` : ""}`;
      });
    }
    const value = issue.path.reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k],
      body,
    );
    if (issue.code === "invalid_type" && value === undefined) return [`${path}: missing`];
    if (issue.code === "invalid_union") return [`${path}: must be a string or a list of strings`];
    if (issue.code === "invalid_type")
      return [
        `${path || "the body"}: must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`,
      ];
    return [`${path}: ${issue.message}`];
  });
  throw new HttpError(400, `${problems.join("; ")}; ${hint}`, { problems });
}

function knownKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
