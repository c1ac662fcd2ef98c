/**
 * Every failure leaves the emulator as a Kubernetes `Status` object. One constructor per reason, so the
 * code, reason and message shape of a given failure are written once (as apimachinery's `errors` package does).
 */
export interface StatusCause { reason: string; message: string; field?: string }
export interface StatusDetails { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number }
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(readonly status: KubeStatus, readonly headers: Record<string, string> = {}) {
    super(status.message);
    this.name = 'StatusError';
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `resource` is the plural (`ippools`); `group` is '' for the core group. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const kubeErrors = {
  notFound: (resource: string, group: string, name: string) =>
    failure(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource }),
  pathNotFound: (path: string) => failure(404, 'NotFound', `the server could not find the requested resource (path ${path})`, { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }),
  alreadyExists: (resource: string, group: string, name: string) =>
    failure(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource }),
  conflict: (resource: string, group: string, name: string) =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: group || undefined, kind: resource }),
  applyConflict: (resource: string, group: string, name: string, conflicts: Array<{ manager: string; field: string }>) => {
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
    const message = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    return failure(409, 'Conflict', message, {
      name, group: group || undefined, kind: resource,
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
    });
  },
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) => {
    const what = group ? `${kind}.${group}` : kind;
    const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const body = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
    return failure(422, 'Invalid', `${what} "${name}" is invalid: ${body}`, { name, group: group || undefined, kind, causes });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: (message = 'Unauthorized') => failure(401, 'Unauthorized', message),
  methodNotAllowed: (message: string) => failure(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  unsupportedMediaType: (contentType: string) => failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json, application/apply-patch+yaml (got ${contentType || 'none'})`),
  tooManyRequests: (retryAfterSeconds: number) => {
    const err = failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
    return new StatusError(err.status, { 'Retry-After': String(retryAfterSeconds) });
  },
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: 'UnexpectedServerResponse', message }] }),
  notImplemented: (what: string) => failure(501, 'NotImplemented', `not implemented by the Kubernetes API emulator: ${what}`),
  serviceUnavailable: (message: string) => failure(503, 'ServiceUnavailable', message),
  /** Used by fault injection: the reason that real servers pair with each code. */
  forCode: (code: number, message: string, retryAfterSeconds?: number): StatusError => {
    const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };
    const err = failure(code, reasons[code] ?? 'Unknown', message, retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined);
    return retryAfterSeconds !== undefined ? new StatusError(err.status, { 'Retry-After': String(retryAfterSeconds) }) : err;
  },
};

export function successStatus(details: StatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', details, code: 200 };
}
