// Client credentials (RFC 6749 4.4) and bearer access tokens (RFC 6750).
//
// Access tokens are random; only their SHA-256 is stored, bound to the key and to the secret
// generation that minted them, so regenerating the secret or revoking the key refuses every
// earlier token on its very next use.
import { missingCredentials, invalidToken, HttpError } from './errors.mjs';
import { sha256, sha256hex, timingSafeEqual, fromB64url } from './crypto.mjs';
import { routedId } from './routes.mjs';
import { readText } from './body.mjs';
import { windowText } from './rate-limits.mjs';

export const TOKEN_PREFIX = 'pcat_';
const TOKEN_PREFIXES = [TOKEN_PREFIX];
/** What client ids start with, by environment; the firm's route follows (routes.mjs). */
export const CLIENT_ID_PREFIXES = ['pcid_live_', 'pcid_test_'];
const TOKEN_RE = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export const TOKEN_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

function oauthError(status, error, description, headers = {}) {
  // RFC 6749 5.2 shape: OAuth client libraries parse exactly this.
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache', ...TOKEN_CORS, ...headers },
  });
}

async function readParams(request) {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const text = await readText(request, 16 * 1024);
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json') {
    let v;
    try { v = JSON.parse(text); } catch { return null; }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    for (const val of Object.values(v)) if (typeof val !== 'string') return null;
    return v;
  }
  return undefined;
}

/** Client authentication: HTTP Basic (RFC 6749 2.3.1) or client_id/client_secret in the body. */
function clientCredentials(request, params) {
  const auth = request.headers.get('authorization');
  if (auth !== null) {
    const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(auth);
    if (!m) return { error: 'malformed' };
    let decoded;
    try { decoded = new TextDecoder().decode(fromB64url(m[1].replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))); } catch { return { error: 'malformed' }; }
    const i = decoded.indexOf(':');
    if (i < 0) return { error: 'malformed' };
    return { basic: true, id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  }
  return { basic: false, id: params.client_id, secret: params.client_secret };
}

export async function tokenEndpoint(request, app, ctx) {
  const sourceIp = ctx.sourceIp;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: TOKEN_CORS });
  if (request.method !== 'POST') return oauthError(405, 'invalid_request', 'Use POST.', { allow: 'POST, OPTIONS' });
  let params;
  try {
    params = await readParams(request);
  } catch (err) {
    // A body too slow (408 request_timeout) or too large (413 payload_too_large) keeps its code;
    // any other bad body is OAuth's invalid_request.
    if (err instanceof HttpError) return oauthError(err.status, err.status === 400 ? 'invalid_request' : err.code, err.message, err.headers);
    throw err;
  }
  if (params === undefined) return oauthError(400, 'invalid_request', 'Send application/x-www-form-urlencoded or application/json.');
  if (params === null) return oauthError(400, 'invalid_request', 'The JSON body must be an object of strings.');
  if (params.grant_type !== 'client_credentials') {
    return params.grant_type
      ? oauthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.')
      : oauthError(400, 'invalid_request', 'grant_type is required (client_credentials).');
  }
  let creds;
  try { creds = clientCredentials(request, params); } catch { creds = { error: 'malformed' }; }
  if (creds.error) return oauthError(400, 'invalid_request', 'Malformed Authorization header.');
  if (!creds.id || !creds.secret) return oauthError(400, 'invalid_request', 'client_id and client_secret are required.');

  // Every change acknowledged before this request (a revocation, a regeneration) is applied first.
  const routed = await app.state.freshFor(app.policy.firmOfCredential(creds.id, CLIENT_ID_PREFIXES)?.id ?? null);
  const key = routed ? app.state.view.byClientId.get(creds.id) : undefined;
  // Hash the presented secret even for an unknown client, so both paths cost the same.
  const presented = await sha256(creds.secret);
  const expected = key ? fromB64url(key.secret_hash) : new Uint8Array(32);
  const secretOk = timingSafeEqual(presented, expected) && !!key;
  if (!secretOk || !app.policy.credentialAccepted(key, sourceIp)) {
    const challenge = creds.basic ? { 'www-authenticate': 'Basic realm="portcullis"' } : {};
    return oauthError(401, 'invalid_client', 'Client authentication failed.', challenge);
  }

  const token = routedId(TOKEN_PREFIX, key.firm_id, 32);
  const hash = await sha256hex(token);
  const ttl = app.config.tokenTtlSeconds;
  // Counted against the key's rate limit, and stored only if the key holds fewer than its most
  // live tokens and is still live at this secret generation when the row is written: a
  // revocation or regeneration committed meanwhile, by any instance, refuses it.
  const { tokenRate: rate, tokenMaxPerKey: maxLive } = app.config;
  const minted = await app.state.mintToken(key, hash.slice(0, 16),
    { hash, key_id: key.id, secret_gen: key.secret_gen, expires_at: app.state.now() + ttl * 1000 }, { rate, maxLive });
  if (minted.limited) {
    return oauthError(429, 'rate_limited', `This key minted ${rate.limit} access tokens in ${windowText(rate)}, its limit; `
      + `a token is valid ${ttl} s (expires_in): reuse it rather than minting one per request. Retry after ${minted.retryAfter} s.`,
    { 'retry-after': String(minted.retryAfter) });
  }
  if (minted.full) {
    return oauthError(429, 'too_many_tokens', `This key holds ${maxLive} live access tokens, the most it may; reuse one until it `
      + `expires rather than minting more. Its oldest expires in ${minted.retryAfter} s.`, { 'retry-after': String(minted.retryAfter) });
  }
  if (!minted.ok) return oauthError(401, 'invalid_client', 'Client authentication failed.');
  // The last-used write outlives this response (app.touch hands it to waitUntil).
  app.touch(key, ctx);
  return new Response(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: ttl }), {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache', ...TOKEN_CORS },
  });
}

// What was read from Authorization headers whose token verified, by the header's text: its
// firm and its hash, so that a client's next requests with the same header parse and hash nothing.
// Only a token that verified is remembered (random ones cannot crowd them out), only in a header
// of the plain form `Bearer <token>` (one header per token, of a token's length), a bounded
// number, the oldest forgotten first. Whether it is still good is decided each time as for any
// token: its record, its key, the key's secret generation and the token's expiry. One memory per
// app: the firm is the app's reading of the token's route.
const VERIFIED_MAX = 10_000;
const verifiedByApp = new WeakMap();

function verifiedOf(app) {
  let verified = verifiedByApp.get(app);
  if (verified === undefined) verifiedByApp.set(app, (verified = new Map()));
  return verified;
}

function rememberVerified(verified, header, bearer) {
  if (verified.has(header)) return;
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value);
  verified.set(header, bearer);
}

/**
 * The bearer token of an Authorization header: `{firm, hash, selector, plain}` (`plain`: the
 * header is `Bearer <token>`, no more), or null when malformed.
 */
async function bearerOf(header, app) {
  const m = TOKEN_RE.exec(header);
  if (!m || !m[1].startsWith(TOKEN_PREFIX)) return null;
  const firm = app.policy.firmOfCredential(m[1], TOKEN_PREFIXES)?.id ?? null;
  const hash = await sha256hex(m[1]);
  // Selector/verifier: the first 16 hex digits of the hash find the record, the full hash is
  // then compared in constant time.
  return { firm, hash, selector: hash.slice(0, 16), plain: header.startsWith('Bearer ') && header.length === 7 + m[1].length };
}

/**
 * The key behind a request's bearer token: `{key}` or `{response}` (401). Whether the key is
 * revoked or outside its IP allowlist is the engine's call (SPEC 4.4 step 1) at decision time.
 */
export async function authenticate(request, app) {
  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') return { response: missingCredentials() };
  const verified = verifiedOf(app);
  const known = verified.get(header);
  const bearer = known ?? await bearerOf(header, app);
  if (bearer === null) return { response: invalidToken() };
  const { state } = app;
  if (!state.currentFor(bearer.firm) && !(await state.freshFor(bearer.firm))) return { response: invalidToken() };
  const rec = state.cachedToken(bearer.selector) ?? await state.token(bearer.selector, bearer.firm);
  if (!rec || !timingSafeEqual(bearer.hash, rec.hash)) return { response: invalidToken() };
  if (known === undefined && bearer.plain) rememberVerified(verified, header, bearer);
  const key = state.view.keys.get(rec.key_id);
  if (!key || key.revoked || key.secret_gen !== rec.secret_gen || rec.expires_at <= state.now()) {
    return { response: invalidToken() };
  }
  return { key };
}
