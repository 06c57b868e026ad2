// Image references (the distribution/reference grammar) and the pull policy the API server fills in.
import { ownCopy } from "../model/own-copy.js";
import { asRecord, asString } from "./fields.js";

export interface ImageRef {
  /** `host:5000`, `ghcr.io`, `localhost`; undefined for Docker Hub short names like `nginx`. */
  registry?: string;
  /** The path without registry, tag or digest, e.g. `ns/app`. */
  repository: string;
  tag?: string;
  /** `sha256:…`. */
  digest?: string;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

/** Parse `host:5000/ns/app:1.2`, `app@sha256:…`, `app`, `localhost/app:latest`; undefined when not a valid reference. */
export function parseImage(ref: unknown): ImageRef | undefined {
  if (typeof ref !== "string" || ref === "") return undefined;
  let parsed = seen.get(ref);
  if (parsed === undefined) {
    // Kept for the process: the reference parsed is a copy, not a slice of a manifest's text (model/own-copy).
    const kept = seen.size < REMEMBER_AT_MOST;
    const own = kept ? ownCopy(ref) : ref;
    parsed = parseReference(own) ?? INVALID;
    if (kept) seen.set(own, parsed);
  }
  // A copy: the caller may change what it is given.
  return parsed === INVALID ? undefined : { ...parsed };
}

// A cluster runs a few hundred images in thousands of containers, and every rule about images parses them (a
// handful of regular expressions each). Bounded, and pure results only, so sharing it across runs is safe.
const seen = new Map<string, ImageRef>();
const INVALID: ImageRef = { repository: "" };
const REMEMBER_AT_MOST = 4096;

function parseReference(ref: string): ImageRef | undefined {
  const at = ref.indexOf("@");
  let rest = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;

  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (rest.length === 0 || rest.length > NAME_MAX) return undefined;

  // The first part is a registry when it looks like a host: a dot, a port, `localhost`, or upper case.
  let registry: string | undefined;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) return undefined;
      registry = first;
      repository = rest.slice(slash + 1);
    }
  }
  if (!repository.split("/").every((c) => PATH_COMPONENT.test(c))) return undefined;
  // A bare 64-hex name would be mistaken for an image ID.
  if (registry === undefined && /^[a-f0-9]{64}$/.test(repository)) return undefined;

  const out: ImageRef = { repository };
  if (registry !== undefined) out.registry = registry;
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

export type PullPolicy = "Always" | "IfNotPresent" | "Never";
export type PullPolicyReason = "explicit" | "latest-tag" | "no-tag" | "default";

export interface PullPolicyDecision {
  policy: PullPolicy;
  reason: PullPolicyReason;
}

const POLICIES: readonly string[] = ["Always", "IfNotPresent", "Never"];

/**
 * The pull policy a container runs with: its own, else what the API server defaults to: `Always` for a
 * `:latest` tag (even beside a digest) or for no tag and no digest, `IfNotPresent` otherwise (an unparseable
 * image included). Undefined when `imagePullPolicy` is set to something the API server would reject.
 */
export function effectivePullPolicy(container: unknown): PullPolicyDecision | undefined {
  const c = asRecord(container);
  const explicit = c?.imagePullPolicy;
  if (explicit !== undefined && explicit !== null && explicit !== "") {
    return typeof explicit === "string" && POLICIES.includes(explicit)
      ? { policy: explicit as PullPolicy, reason: "explicit" }
      : undefined;
  }
  const image = parseImage(asString(c?.image));
  if (image?.tag === "latest") return { policy: "Always", reason: "latest-tag" };
  if (image && image.tag === undefined && image.digest === undefined)
    return { policy: "Always", reason: "no-tag" };
  return { policy: "IfNotPresent", reason: "default" };
}
