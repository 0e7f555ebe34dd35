// The gateway application: configuration, state, engine and routes, independent of the runtime.
// worker.mjs wires it to the fetch(request, env, ctx) handler shape; node-server.mjs and workerd
// both run that.
import { HttpError, fromHttpError, errorResponse, json } from './errors.mjs';
import { MAX_LEASE_MS, StateStore } from './state/index.mjs';
import { importDocument } from './state/import.mjs';
import { Policy } from './policy.mjs';
import { DataService } from './data-service-client.mjs';
import { Idempotency } from './idempotency.mjs';
import { deriveKeys, fromB64url, sha256, randomHex } from './crypto.mjs';
import { tokenEndpoint } from './tokens.mjs';
import { dataApi } from './data-api.mjs';
import { adminApi } from './admin/index.mjs';
import { unsealBody } from './admin/sealed-replies.mjs';
import { configureBodies } from './body.mjs';
import { parseRate } from './rate-limits.mjs';

/**
 * An integer setting `name` of the environment (a string, or unset for `dflt`) within [min, max];
 * anything else stops start-up with a message naming the setting.
 */
export function configInt(name, v, dflt, min, max) {
  if (v === undefined || v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`configuration: ${name} ${JSON.stringify(v)} is not an integer in [${min}, ${max}]`);
  return n;
}

/** Configuration from the environment (strings, as both Node and workerd give them). */
export async function configFrom(env) {
  if (!env.DATA_SERVICE_URL) throw new Error('configuration: DATA_SERVICE_URL is required');
  if (!env.PORTCULLIS_SECRET_KEY) throw new Error('configuration: PORTCULLIS_SECRET_KEY (base64url, 32 bytes) is required');
  const master = fromB64url(env.PORTCULLIS_SECRET_KEY);
  if (master.length < 32) throw new Error('configuration: PORTCULLIS_SECRET_KEY must hold at least 32 bytes');
  const admins = [];
  const list = env.PORTCULLIS_ADMIN_TOKENS || (env.PORTCULLIS_ADMIN_TOKEN ? `admin:${env.PORTCULLIS_ADMIN_TOKEN}` : '');
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.indexOf(':');
    if (i < 1 || entry.length - i - 1 < 16) throw new Error('configuration: admin tokens are name:token with a token of 16+ characters');
    admins.push({ name: entry.slice(0, i), hash: await sha256(entry.slice(i + 1)) });
  }
  return {
    dataServiceUrl: env.DATA_SERVICE_URL,
    master,
    admins,
    tokenTtlSeconds: configInt('TOKEN_TTL_SECONDS', env.TOKEN_TTL_SECONDS, 3600, 1, 86400),
    downloadTtlSeconds: configInt('DOWNLOAD_TTL_SECONDS', env.DOWNLOAD_TTL_SECONDS, 300, 1, 3600),
    defaultPageSize: configInt('PAGE_SIZE_DEFAULT', env.PAGE_SIZE_DEFAULT, 50, 1, 1000),
    maxPageSize: configInt('PAGE_SIZE_MAX', env.PAGE_SIZE_MAX, 200, 1, 1000),
    idempotencyTtlMs: configInt('IDEMPOTENCY_TTL_HOURS', env.IDEMPOTENCY_TTL_HOURS, 24, 24, 24 * 30) * 3600 * 1000,
    clientIpHeader: env.CLIENT_IP_HEADER ? String(env.CLIENT_IP_HEADER).toLowerCase() : null,
    publicBaseUrl: publicBaseUrl(env.PUBLIC_BASE_URL),
    bodyTimeoutMs: configInt('BODY_TIMEOUT_MS', env.BODY_TIMEOUT_MS, 10_000, 100, 300_000),
    tokenRate: parseRate('TOKEN_RATE_LIMIT', env.TOKEN_RATE_LIMIT, '60/60s'),
    adminWriteRate: parseRate('ADMIN_WRITE_RATE_LIMIT', env.ADMIN_WRITE_RATE_LIMIT, '3000/60s'),
    tokenMaxPerKey: configInt('TOKEN_MAX_PER_KEY', env.TOKEN_MAX_PER_KEY, 1000, 1, 1_000_000),
    stateLeaseMs: configInt('STATE_LEASE_MS', env.STATE_LEASE_MS, 250, 0, MAX_LEASE_MS),
  };
}

/**
 * The origin the gateway is reached at from outside (PUBLIC_BASE_URL), on which signed download
 * links are made: an absolute http or https URL with no credentials, path, query or fragment.
 * Never the request's Host header, which the caller chooses.
 */
function publicBaseUrl(v) {
  if (!v) throw new Error('configuration: PUBLIC_BASE_URL is required (the origin clients reach the gateway at, e.g. https://api.example.com): signed download links are made on it');
  let u;
  try {
    u = new URL(String(v));
  } catch {
    throw new Error(`configuration: PUBLIC_BASE_URL ${JSON.stringify(v)} is not an absolute URL (e.g. https://api.example.com)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('configuration: PUBLIC_BASE_URL must be an http or https URL');
  if (u.username || u.password || u.search || u.hash || String(v).includes('?') || String(v).includes('#') || u.pathname !== '/') {
    throw new Error('configuration: PUBLIC_BASE_URL is an origin only (scheme, host and port): no credentials, path, query or fragment');
  }
  return u.origin;
}

/**
 * The application over a state back end (state/). `legacy`, when given, is the host's access to
 * a state document of the earlier single-file format (for a back end with `empty()`, the embedded
 * store): `{read()}` answers its text or null, and
 * `{done()}` puts it aside once it is imported (only into a store never written to).
 */
export async function createApp({ engine, env, backend, fetchImpl, legacy = null }) {
  const config = await configFrom(env);
  configureBodies({ timeoutMs: config.bodyTimeoutMs });
  const data = new DataService(config.dataServiceUrl, fetchImpl);
  const firms = await data.firms();
  const policy = new Policy(engine);
  policy.load(firms);
  const state = new StateStore(backend, {
    idempotencyTtlMs: config.idempotencyTtlMs,
    leaseMs: config.stateLeaseMs,
    partOf: (firmId) => policy.firmKey(firmId),
    parts: () => policy.firms.map((f) => f.id.toLowerCase()),
  });
  state.onChange.push((changes) => policy.apply(changes));
  await state.open();
  const app = { engine, config, state, data, policy, keys: await deriveKeys(config.master) };
  if (legacy) {
    const text = await legacy.read();
    if (text !== null && (await backend.empty())) {
      await importDocument(app, JSON.parse(text));
      await legacy.done();
    }
  }
  app.idempotency = new Idempotency(state, (box) => unsealBody(app, box));
  app.touch = (key, ctx) => {
    // A key's last use is written at most once a minute per instance, after the answer.
    const p = state.touch(key);
    if (p) ctx?.waitUntil?.(p.catch((err) => console.error('portcullis: last-used write failed:', err.message)));
  };
  return app;
}

/**
 * The path of an absolute URL as `URL.pathname` gives it, cut from its serialisation (a request's
 * `url` is one): routing needs nothing else of it, and parsing the whole URL costs on every request.
 */
function pathOf(href) {
  const at = href.indexOf('/', href.indexOf('//') + 2);
  if (at < 0) return '/';
  let end = href.length;
  const q = href.indexOf('?', at);
  if (q >= 0) end = q;
  const f = href.indexOf('#', at);
  if (f >= 0 && f < end) end = f;
  return href.slice(at, end);
}

/** The handler of a request's path; what it answers (or the promise of it) is the request's answer. */
function route(app, request, ctx) {
  const path = pathOf(request.url);
  if (path === '/oauth/token') return tokenEndpoint(request, app, ctx);
  if (path.startsWith('/v1/')) return dataApi(request, app, ctx, path);
  if (path.startsWith('/admin/v1/')) return adminApi(request, app, ctx);
  if (path === '/healthz') return health(app);
  return errorResponse(404, 'not_found', 'No such resource.');
}

/**
 * GET /healthz, unauthenticated: whether this instance can answer (its store reachable), and
 * nothing more; what an operator needs to know beyond that is GET /admin/v1/status.
 */
export async function health(app) {
  try {
    await app.state.fresh(null);
  } catch {
    return unhealthy();
  }
  return json(200, { ok: true });
}

export function unhealthy() {
  return json(503, { ok: false }, { 'retry-after': '1' });
}

/** A request's id: random (16 bytes), so that one id tells nothing of another or of the instance. */
export const requestId = () => `req_${randomHex(16)}`;

/** Whether the request came with a body (a length above 0, or chunks) that nothing has read. */
function unreadBody(request) {
  if (request.body === null || request.bodyUsed) return false;
  return Number(request.headers.get('content-length') ?? 0) > 0 || request.headers.has('transfer-encoding');
}

/** Handle one request; a failure becomes a JSON error, never a stack trace on the wire. */
export async function handle(app, request, ctx) {
  let res;
  try {
    res = await route(app, request, ctx);
  } catch (err) {
    if (err instanceof HttpError) {
      res = fromHttpError(err);
    } else {
      console.error('portcullis: internal error:', err?.stack ?? err);
      res = errorResponse(500, 'internal_error', 'An internal error occurred.');
    }
  }
  // Every answer is a Response made here for this request (never a fetched one, whose headers are
  // immutable), so its headers take the id in place.
  res.headers.set('x-request-id', requestId());
  // A body this request's answer did not need (refused before it was read: no credentials, no
  // such path) is never read: the connection closes after the answer rather than wait for it.
  if (unreadBody(request)) res.headers.set('connection', 'close');
  return res;
}
