// PATCH, PUT, POST and DELETE on resources, with dryRun=All answered without storing.
import type { KubeObject } from "../../src/model/kube.js";
import { jsonPatch, mergePatch, PatchError } from "./patch.js";
import { json, type Reply, statusReply } from "./reply.js";
import type { Route } from "./routes.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  noSuchResource,
  notFound,
  unsupportedMediaType,
} from "./status.js";
import { type Store, StoreError } from "./store.js";
import type { Verb } from "./types.js";

export interface WriteRequest {
  route: Route;
  verb: Verb;
  method: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
}

/** Five characters as the API server appends to generateName. */
function generatedSuffix(): string {
  const chars = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < 5; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

const MERGE_TYPES = ["application/merge-patch+json", "application/strategic-merge-patch+json"];

function commit(store: Store, o: KubeObject, dryRun: boolean, code = 200): Reply {
  if (dryRun) return json(o, code);
  try {
    return json(store.apply(o).object, code);
  } catch (e) {
    if (e instanceof StoreError) return statusReply(invalid(e.message));
    throw e;
  }
}

type Patched = { object: KubeObject } | { error: Reply };

function patched(current: KubeObject, contentType: string, input: unknown): Patched {
  try {
    if (contentType === "application/json-patch+json")
      return { object: jsonPatch(current, input) as KubeObject };
    // Strategic merge is treated as a merge patch: lists are replaced, not merged by key.
    if (MERGE_TYPES.includes(contentType)) return { object: mergePatch(current, input) as KubeObject };
  } catch (e) {
    if (!(e instanceof PatchError)) throw e;
    return { error: statusReply(e.code === 422 ? invalid(e.message) : badRequest(e.message)) };
  }
  return { error: statusReply(unsupportedMediaType(contentType)) };
}

export function writeReply(store: Store, w: WriteRequest): Reply {
  const { type, namespace, name } = w.route;
  if (w.route.subresource) return statusReply(noSuchResource());
  const dryRun = w.query.get("dryRun") === "All";
  let input: unknown;
  try {
    input = w.body ? JSON.parse(w.body) : undefined;
  } catch (e) {
    return statusReply(badRequest(`error decoding body: ${(e as Error).message}`));
  }

  if (w.verb === "create") {
    const o = (input ?? {}) as KubeObject;
    const generated = o.metadata?.generateName ? `${o.metadata.generateName}${generatedSuffix()}` : undefined;
    const newName = o.metadata?.name ?? generated;
    if (!newName) {
      return statusReply(
        invalid(`${type.kind} "" is invalid: metadata.name: Required value: name is required`),
      );
    }
    if (store.get(type, namespace, newName))
      return statusReply(alreadyExists(type.plural, type.group, newName));
    return commit(
      store,
      { ...o, metadata: { ...o.metadata, ...(namespace ? { namespace } : {}) } },
      dryRun,
      201,
    );
  }
  if (!name) return statusReply(methodNotAllowed(w.method));
  const current = store.get(type, namespace, name);
  if (!current) return statusReply(notFound(type.plural, type.group, name));

  if (w.verb === "delete") {
    if (dryRun) return json(current);
    store.remove(type, namespace, name);
    const details = {
      name,
      ...(type.group ? { group: type.group } : {}),
      kind: type.plural,
      uid: current.metadata?.uid,
    };
    return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details });
  }

  const next: Patched =
    w.verb === "update" ? { object: (input ?? {}) as KubeObject } : patched(current, w.contentType, input);
  if ("error" in next) return next.error;
  const o = next.object;
  const wantedRv = o.metadata?.resourceVersion;
  if (wantedRv && wantedRv !== current.metadata?.resourceVersion) {
    return statusReply(conflict(type.plural, type.group, name));
  }
  // An update cannot rename or move an object.
  const meta = { ...o.metadata, name, ...(namespace ? { namespace } : {}), uid: current.metadata?.uid };
  return commit(store, { ...o, metadata: meta }, dryRun);
}
