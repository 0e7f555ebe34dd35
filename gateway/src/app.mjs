// The gateway application: configuration, state, engine and routes, independent of the runtime.
// worker.mjs wires it to the fetch(request, env, ctx) handler shape; node-server.mjs and workerd
// both run that.
import { HttpError, fromHttpError, errorResponse, json } from './errors.mjs';
import { StateStore } from './state.mjs';
import { Policy } from './policy.mjs';
import { DataService } from './data-service-client.mjs';
import { Idempotency } from './idempotency.mjs';
import { deriveKeys, fromB64url, sha256, randomId } from './crypto.mjs';
import { tokenEndpoint } from './tokens.mjs';
import { dataApi } from './data-api.mjs';
import { adminApi } from './admin/index.mjs';
import { unsealBody } from './admin/sealed-replies.mjs';

// Request ids: a random prefix per process (made on first use: workerd allows no randomness at
// module scope) plus a counter, cheaper than random bytes per request.
let boot = null;
let requestCounter = 0;

function int(v, dflt, min, max) {
  if (v === undefined || v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`configuration: ${v} is not an integer in [${min}, ${max}]`);
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
    tokenTtlSeconds: int(env.TOKEN_TTL_SECONDS, 3600, 1, 86400),
    downloadTtlSeconds: int(env.DOWNLOAD_TTL_SECONDS, 300, 1, 3600),
    defaultPageSize: int(env.PAGE_SIZE_DEFAULT, 50, 1, 1000),
    maxPageSize: int(env.PAGE_SIZE_MAX, 200, 1, 1000),
    idempotencyTtlMs: int(env.IDEMPOTENCY_TTL_HOURS, 24, 24, 24 * 30) * 3600 * 1000,
    clientIpHeader: env.CLIENT_IP_HEADER ? String(env.CLIENT_IP_HEADER).toLowerCase() : null,
  };
}

export async function createApp({ engine, env, backing, fetchImpl }) {
  const config = await configFrom(env);
  const state = new StateStore(backing, { idempotencyTtlMs: config.idempotencyTtlMs });
  await state.open();
  const data = new DataService(config.dataServiceUrl, fetchImpl);
  const firms = await data.firms();
  const policy = new Policy(engine);
  policy.load(firms, state.state);
  state.onCommit.push((prev, next) => policy.sync(prev, next));
  const app = { engine, config, state, data, policy, keys: await deriveKeys(config.master) };
  app.idempotency = new Idempotency(state, (box) => unsealBody(app, box));
  app.touch = (keyId, ctx) => {
    // last_used_at is persisted with the next write, or by a write of its own once a minute.
    if (state.touch(keyId)) {
      const p = state.mutate(() => null).catch((err) => console.error('portcullis: last-used write failed:', err.message));
      ctx?.waitUntil?.(p);
    }
  };
  return app;
}

async function route(app, request, ctx) {
  const path = new URL(request.url).pathname;
  if (path === '/oauth/token') return tokenEndpoint(request, app, ctx);
  if (path.startsWith('/v1/')) return dataApi(request, app, ctx);
  if (path.startsWith('/admin/v1/')) return adminApi(request, app, ctx);
  if (path === '/healthz') return json(200, { ok: true, store: app.state.backing.kind, seq: app.state.state.seq });
  return errorResponse(404, 'not_found', 'No such resource.');
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
  res = new Response(res.body, res);
  boot ??= randomId('', 6);
  res.headers.set('x-request-id', `req_${boot}${(++requestCounter).toString(36)}`);
  return res;
}
