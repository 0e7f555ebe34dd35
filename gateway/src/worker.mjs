// The gateway as a Web-standard fetch handler: `export default { fetch(request, env, ctx) }`.
// This very module runs on workerd (gateway/workerd/config.capnp) and on Node 20
// (node-server.mjs). The one runtime-specific import, the engine, is `./engine.mjs`: on Node it
// re-exports pkg/node.mjs; the workerd config maps that module name to engine-workerd.mjs.
import * as engine from './engine.mjs';
import { createApp, handle } from './app.mjs';
import { errorResponse } from './errors.mjs';
import { normalizeIp } from './ip.mjs';
import { MemoryBacking } from './store/memory.mjs';
import { KvBacking } from './store/kv.mjs';
import { DurableObjectBacking, StateObject } from './store/durable-object.mjs';
import { useSha256 } from './crypto.mjs';

let appPromise = null;

/**
 * Where state lives: a backing object handed over by the host (Node: store/file.mjs), a Durable
 * Object namespace STATE_DO (workerd: SQLite on a local disk directory; Cloudflare: the platform's
 * storage), a KV namespace STATE_KV, else memory.
 */
function backingFrom(env) {
  if (env.STORE_BACKING) return env.STORE_BACKING;
  if (env.STATE_DO) return new DurableObjectBacking(env.STATE_DO);
  if (env.STATE_KV) return new KvBacking(env.STATE_KV);
  return new MemoryBacking(env.SEED_STATE ?? null);
}

// The Durable Object class behind STATE_DO; workerd finds it among this module's exports.
export { StateObject };

function sourceIp(request, env, ctx, config) {
  // Only a header a trusted proxy sets (configured by name) may say where a request came from;
  // otherwise the socket's address when the host knows it, else unknown.
  if (config.clientIpHeader) return normalizeIp(request.headers.get(config.clientIpHeader));
  return normalizeIp(ctx?.remoteAddress ?? null);
}

export default {
  async fetch(request, env, ctx) {
    if (!appPromise) {
      if (env.SHA256) useSha256(env.SHA256); // a host's synchronous digest (Node: node:crypto)
      appPromise = createApp({ engine, env, backing: backingFrom(env) });
      appPromise.catch(() => { appPromise = null; }); // retry start-up on the next request
    }
    let app;
    try {
      app = await appPromise;
    } catch (err) {
      console.error('portcullis: gateway start-up failed:', err?.message ?? err);
      return errorResponse(503, 'unavailable', 'The gateway is starting or misconfigured; retry shortly.', {}, { 'retry-after': '1' });
    }
    const answer = handle(app, request, {
      sourceIp: sourceIp(request, env, ctx, app.config),
      waitUntil: ctx?.waitUntil ? (p) => ctx.waitUntil(p) : null,
    });
    // Keep the request's work alive to its end even if the client goes away: a state write that
    // the runtime dropped half-way would hold up every write queued behind it (state.mjs).
    ctx?.waitUntil?.(answer.then(() => {}, () => {}));
    return answer;
  },
};
