// `Status` objects: every error the simulator sends is one, shaped like the API server's.

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string };
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
  code: number;
}

function failure(code: number, reason: string, message: string, details?: Status["details"]): Status {
  const s: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (details) s.details = details;
  return s;
}

/** `pods "x" not found`: `resource` is the plural, `group` the API group ("" for core). */
export function notFound(resource: string, group: string, name: string): Status {
  const what = group ? `${resource}.${group}` : resource;
  return failure(404, "NotFound", `${what} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

/** The answer for a path no installed API serves. */
export function noSuchResource(): Status {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

export function badRequest(message: string): Status {
  return failure(400, "BadRequest", message);
}

export function unauthorized(): Status {
  return failure(401, "Unauthorized", "Unauthorized");
}

export function forbidden(opts: {
  user: string;
  verb: string;
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}): Status {
  const scope = opts.namespace ? `in the namespace "${opts.namespace}"` : "at the cluster scope";
  const what = opts.group ? `${opts.resource}.${opts.group}` : opts.resource;
  const named = opts.name ? ` "${opts.name}"` : "";
  const message = `${what}${named} is forbidden: User "${opts.user}" cannot ${opts.verb} resource "${opts.resource}" in API group "${opts.group}" ${scope}`;
  return failure(403, "Forbidden", message, {
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.group ? { group: opts.group } : {}),
    kind: opts.resource,
  });
}

export function expired(message: string, continueToken?: string): Status {
  const s = failure(410, "Expired", message);
  if (continueToken) s.metadata.continue = continueToken;
  return s;
}

export function tooManyRequests(retryAfterSeconds: number): Status {
  return failure(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds });
}

export function serverError(code: number, retryAfterSeconds: number): Status {
  return code === 503
    ? failure(503, "ServiceUnavailable", "the server is currently unable to handle the request", {
        retryAfterSeconds,
      })
    : failure(code, "InternalError", "Internal error occurred: simulated failure", { retryAfterSeconds });
}

export function methodNotAllowed(method: string): Status {
  return failure(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource (${method})`,
  );
}

export function conflict(resource: string, group: string, name: string): Status {
  const what = group ? `${resource}.${group}` : resource;
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group ? { group } : {}), kind: resource },
  );
}

export function alreadyExists(resource: string, group: string, name: string): Status {
  const what = group ? `${resource}.${group}` : resource;
  return failure(409, "AlreadyExists", `${what} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function invalid(message: string): Status {
  return failure(422, "Invalid", message);
}

export function unsupportedMediaType(contentType: string): Status {
  return failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
  );
}
