// Idempotency-Key (POST, PATCH, DELETE; admin and data API).
//
// A retry with the same key and the same request (method, path, body) replays the recorded
// response; the same key with a different request is refused with 422. Records are scoped to the
// caller (one admin, or one integration key), written in the same durable write as the change
// they describe where the change is the gateway's own, shared by every instance, and kept for 24
// hours. Only successful answers are recorded: a refused request changed nothing, so retrying it
// simply runs again.
import { HttpError } from './errors.mjs';
import { sha256hex } from './crypto.mjs';
import { IdempotencyRace } from './state/index.mjs';

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
   * `{scope, key, fingerprint, firm}` to pass to StateStore.write or StateStore.record (`firm`:
   * the firm of the caller, null for an operator). `handler` answers a reply
   * `{status, headers, body}` (replies.mjs).
   */
  async run(request, scope, firm, bodyText, handler) {
    const key = request.headers.get('idempotency-key');
    if (key === null || !METHODS.has(request.method)) return handler(null);
    if (!KEY_RE.test(key)) {
      throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const url = new URL(request.url);
    const fingerprint = await sha256hex(`${request.method} ${url.pathname}${url.search}\n${bodyText}`);
    const ctx = { scope, key, fingerprint, firm };
    const id = `${scope}\u0000${key}`;
    // Requests with the same key are handled one after the other in this instance; across
    // instances, the store records one answer per key and the other request replays it.
    while (this.inflight.has(id)) await this.inflight.get(id).catch(() => {});
    const attempt = (async () => {
      const replay = await this.replay(ctx);
      if (replay) return replay;
      try {
        return await handler(ctx);
      } catch (err) {
        if (!(err instanceof IdempotencyRace)) throw err;
        return (await this.replay(ctx)) ?? handler(ctx);
      }
    })();
    this.inflight.set(id, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inflight.get(id) === attempt) this.inflight.delete(id);
    }
  }

  /** The recorded answer for this key, or null; 422 when the key was used for another request. */
  async replay(ctx) {
    const rec = await this.state.idempotency(ctx);
    if (!rec) return null;
    if (rec.fingerprint !== ctx.fingerprint) {
      throw new HttpError(422, 'idempotency_key_reused',
        'This Idempotency-Key was used with a different request; use a fresh key for a new operation.');
    }
    const body = rec.sealed ? await this.unseal(rec.sealed) : rec.body;
    return { status: rec.status, headers: { ...(rec.headers ?? {}), 'idempotency-replayed': 'true' }, body };
  }
}
