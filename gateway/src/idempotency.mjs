// Idempotency-Key (POST, PATCH, DELETE; admin and data API).
//
// A retry with the same key and the same request (method, path, body) replays the recorded
// response; the same key with a different request is refused with 422. Records are scoped to the
// caller (one admin, or one integration key), written in the same durable write as the change
// they describe where the change is the gateway's own, and kept for 24 hours. Only successful
// answers are recorded: a refused request changed nothing, so retrying it simply runs again.
import { HttpError } from './errors.mjs';
import { sha256hex } from './crypto.mjs';

const METHODS = new Set(['POST', 'PATCH', 'DELETE']);
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export class Idempotency {
  constructor(stateStore, unseal) {
    this.state = stateStore;
    this.unseal = unseal; // decrypts a recorded body that carried a secret
    this.inflight = new Map();
  }

  /**
   * Run `handler(ctx)` at most once per (scope, key). `ctx` is null without a key, else
   * `{id, fingerprint}` to pass to StateStore.mutate. `handler` answers a reply
   * `{status, headers, body}` (replies.mjs).
   */
  async run(request, scope, bodyText, handler) {
    const key = request.headers.get('idempotency-key');
    if (key === null || !METHODS.has(request.method)) return handler(null);
    if (!KEY_RE.test(key)) {
      throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const url = new URL(request.url);
    const fingerprint = await sha256hex(`${request.method} ${url.pathname}${url.search}\n${bodyText}`);
    const id = `${scope}\u0000${key}`;
    // Requests with the same key are handled one after the other, never side by side.
    while (this.inflight.has(id)) await this.inflight.get(id).catch(() => {});
    const attempt = (async () => {
      const rec = this.state.state.idempotency[id];
      if (rec && rec.at + this.state.idempotencyTtlMs > this.state.now()) {
        if (rec.fingerprint !== fingerprint) {
          throw new HttpError(422, 'idempotency_key_reused',
            'This Idempotency-Key was used with a different request; use a fresh key for a new operation.');
        }
        const body = rec.sealed ? await this.unseal(rec.sealed) : rec.body;
        return { status: rec.status, headers: { ...(rec.headers ?? {}), 'idempotency-replayed': 'true' }, body };
      }
      return handler({ id, fingerprint, key });
    })();
    this.inflight.set(id, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inflight.get(id) === attempt) this.inflight.delete(id);
    }
  }
}

/** Record a reply whose change happened elsewhere (the data service): a write of its own. */
export async function record(stateStore, ctx, reply) {
  if (!ctx || reply.status >= 300) return reply;
  await stateStore.mutate(() => reply, { idempotency: ctx });
  return reply;
}
