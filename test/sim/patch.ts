// PATCH bodies: JSON merge patch (RFC 7386, also used for strategic merge) and JSON patch (RFC 6902).
import { isDeepStrictEqual } from "node:util";

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 = 400,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else replaces. Returns a new value. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

/** The parent container and last token of a pointer; throws when the parent does not exist. */
function locate(doc: unknown, pointer: string): { parent: Container; token: string } {
  const tokens = parsePointer(pointer);
  const token = tokens.pop();
  if (token === undefined) throw new PatchError(`cannot operate on the whole document at "${pointer}"`);
  let cur: unknown = doc;
  for (const t of tokens) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchError(`doc is missing path: "${pointer}"`, 422);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError(`doc is missing path: "${pointer}"`, 422);
  return { parent: cur, token };
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === "-") return arr.length;
  const i = Number(token);
  const max = forAdd ? arr.length : arr.length - 1;
  if (!/^\d+$/.test(token) || i > max) throw new PatchError(`invalid array index "${token}"`, 422);
  return i;
}

function read(doc: unknown, pointer: string): unknown {
  const { parent, token } = locate(doc, pointer);
  const v = Array.isArray(parent) ? parent[arrayIndex(parent, token, false)] : parent[token];
  if (v === undefined) throw new PatchError(`doc is missing path: "${pointer}"`, 422);
  return v;
}

function add(doc: unknown, pointer: string, value: unknown): void {
  const { parent, token } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, true), 0, value);
  else parent[token] = value;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, token } = locate(doc, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, token, false), 1)[0];
  if (!Object.hasOwn(parent, token)) throw new PatchError(`unable to remove nonexistent key: ${token}`, 422);
  const v = parent[token];
  delete parent[token];
  return v;
}

/** RFC 6902 on a copy of `target`. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch must be an array of operations");
  const doc = structuredClone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new PatchError("each JSON patch operation needs op and path");
    }
    const op = raw as unknown as Operation;
    switch (op.op) {
      case "add":
        add(doc, op.path, structuredClone(op.value));
        break;
      case "remove":
        removeAt(doc, op.path);
        break;
      case "replace":
        removeAt(doc, op.path);
        add(doc, op.path, structuredClone(op.value));
        break;
      case "move":
        add(doc, op.path, removeAt(doc, String(op.from)));
        break;
      case "copy":
        add(doc, op.path, structuredClone(read(doc, String(op.from))));
        break;
      case "test":
        if (!isDeepStrictEqual(read(doc, op.path), op.value)) {
          throw new PatchError(`testing value ${op.path} failed`, 422);
        }
        break;
      default:
        throw new PatchError(`unexpected operation "${op.op}"`);
    }
  }
  return doc;
}
