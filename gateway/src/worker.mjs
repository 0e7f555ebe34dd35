// The gateway as a Web-standard fetch handler: `export default { fetch(request, env, ctx) }`.
// This very module runs on workerd (gateway/workerd/config.capnp) and on Node 20
// (node-server.mjs). The one runtime-specific import, the engine, is `./engine.mjs`: on Node it
// re-exports pkg/node.mjs; the workerd config maps that module name to engine-workerd.mjs.
import * as engine from './engine.mjs';
import { createApp, handle, unhealthy, requestId } from './app.mjs';
import { errorResponse } from './errors.mjs';
import { normalizeIp } from './ip.mjs';
import { DurableObjectBackend, FirmState } from './state/durable-object.mjs';
import { firmRoute } from './routes.mjs';
import { useSha256 } from './crypto.mjs';

let appPromise = null;
let ready = null; // the app once started: a request then needs no wait for it

// Methods that never write state: nothing of theirs needs to outlive the client.
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Where state lives: a back end handed over by the host (Node: state/sqlite.mjs or
 * state/postgres.mjs, chosen by node-server.mjs), else the Durable Object namespace STATE_DO
 * (workerd: SQLite on a local disk directory; Cloudflare: the platform's storage). There is no
 * state kept in an isolate's memory alone: that would answer with state no other isolate shares.
 */
function backendFrom(env) {
  if (env.STATE_BACKEND) return env.STATE_BACKEND;
  if (env.STATE_DO) return new DurableObjectBackend(env.STATE_DO, (part) => firmRoute(part) ?? part);
  throw new Error('configuration: no state store (bind the Durable Object namespace STATE_DO)');
}

// The Durable Object class behind STATE_DO; workerd finds it among this module's exports.
export { FirmState };

function sourceIp(request, env, ctx, config) {
  // Only a header a trusted proxy sets (configured by name) may say where a request came from;
  // otherwise the socket's address when the host knows it, else unknown.
  if (config.clientIpHeader) return normalizeIp(request.headers.get(config.clientIpHeader));
  return normalizeIp(ctx?.remoteAddress ?? null);
}

export default {
  fetch(request, env, ctx) {
    return ready ? serve(ready, request, env, ctx) : start(request, env, ctx);
  },
};

/** A request that arrived before the app was ready: it starts the app, or waits for its start. */
async function start(request, env, ctx) {
  if (!appPromise) {
    if (env.SHA256) useSha256(env.SHA256); // a host's synchronous digest (Node: node:crypto)
    appPromise = (async () => createApp({ engine, env, backend: backendFrom(env), legacy: env.STATE_LEGACY ?? null }))();
    appPromise.catch(() => { appPromise = null; }); // retry start-up on the next request
  }
  let app;
  try {
    app = await appPromise;
  } catch (err) {
    console.error('portcullis: gateway start-up failed:', err?.message ?? err);
    const res = new URL(request.url).pathname === '/healthz' ? unhealthy()
      : errorResponse(503, 'unavailable', 'The gateway is starting or misconfigured; retry shortly.', {}, { 'retry-after': '1' });
    res.headers.set('x-request-id', requestId());
    return res;
  }
  ready = app;
  return serve(app, request, env, ctx);
}

/** What the app is told of a request besides the request: its source and the host's waitUntil. */
class RequestContext {
  constructor(sourceIp, host) {
    this.sourceIp = sourceIp;
    this.host = host;
  }

  /** Keep `p` alive after the answer, where the host can (a no-op where it cannot). */
  waitUntil(p) {
    this.host?.waitUntil?.(p);
  }
}

function serve(app, request, env, ctx) {
  const answer = handle(app, request, new RequestContext(sourceIp(request, env, ctx, app.config), ctx));
  // Keep a write's work alive to its end even if the client goes away: a state write that the
  // runtime dropped half-way would hold up every write queued behind it (state/index.mjs). (A
  // read's own writes, such as a key's last use, are handed to waitUntil where they start.)
  if (!READS.has(request.method)) ctx?.waitUntil?.(answer.then(() => {}, () => {}));
  return answer;
}
