// Wire errors (SPEC 4.5): one JSON shape, RFC 6750 challenges, and 404s that are byte-identical
// whatever the reason behind them.

export const REALM = 'portcullis';

/** An error a handler throws to answer with a status and a code; never carries a stack out. */
export class HttpError extends Error {
  constructor(status, code, message, extra = {}, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra; // extra top-level fields of the error object (e.g. diagnostics)
    this.headers = headers;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

const JSON_HEADERS = { 'content-type': JSON_TYPE, 'cache-control': 'no-store' };

export function json(status, body, headers) {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...headers },
  });
}

export function errorBody(code, message, extra = {}) {
  const error = code === undefined ? { message } : { code, message };
  return { error: { ...error, ...extra } };
}

export function errorResponse(status, code, message, extra = {}, headers) {
  return json(status, errorBody(code, message, extra), headers);
}

/** 401 without credentials: a bare challenge and no error code (RFC 6750 3.1). */
export function missingCredentials(realm = REALM) {
  return json(401, { error: { message: 'Authentication required: send Authorization: Bearer <access token>.' } },
    { 'www-authenticate': `Bearer realm="${realm}"` });
}

export function invalidToken(realm = REALM) {
  return errorResponse(401, 'invalid_token', 'The access token is invalid, expired or revoked.', {},
    { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` });
}

export function insufficientScope() {
  return errorResponse(403, 'insufficient_scope', 'The key has no grant that allows this request.', {},
    { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope"` });
}

// The 404 body is a constant: every reason (no grant, archived filter, other workspace, no match,
// no such entity) produces exactly these bytes and headers.
const NOT_FOUND_BODY = JSON.stringify(errorBody('not_found', 'No such resource.'));
export function notFound() {
  return new Response(NOT_FOUND_BODY, { status: 404, headers: JSON_HEADERS });
}

export function badRequest(code, message, extra) {
  return new HttpError(400, code, message, extra);
}

/** The response for an engine decision that is not a success. */
export function denial(decision) {
  if (decision.status === 401) return invalidToken();
  if (decision.status === 403) return insufficientScope();
  return notFound();
}

export function fromHttpError(err) {
  const res = errorResponse(err.status, err.code, err.message, err.extra, err.headers);
  return res;
}
