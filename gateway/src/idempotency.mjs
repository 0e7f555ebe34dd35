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
   * `{status, headers, body}` (replies.mjs). `apart`: the handler's change is not the gateway's
   * own (the data service's), so its record is written after it, under a claim.
   */
  async run(request, scope, firm, bodyText, handler, { apart = false } = {}) {
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
      if (apart || this.state.recordsApart(ctx)) {
        // The record cannot be written with the change: claim the key first, so that a second
        // request with it, on any instance, does not run the change again.
        if (!(await this.state.claim(ctx))) return (await this.replay(ctx)) ?? inProgress();
        try {
          const r = await handler(ctx);
          if (!(r?.status < 300)) await this.state.release(ctx);
          return r;
        } catch (err) {
          await this.state.release(ctx);
          throw err;
        }
      }
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
    if (rec.pending) {
      if (rec.fingerprint !== ctx.fingerprint) throw reused();
      throw inProgress();
    }
    if (rec.fingerprint !== ctx.fingerprint) throw reused();
    const body = rec.sealed ? await this.unseal(rec.sealed) : rec.body;
    return { status: rec.status, headers: { ...(rec.headers ?? {}), 'idempotency-replayed': 'true' }, body };
  }
}

function inProgress() {
  return new HttpError(409, 'idempotency_key_in_use',
    'A request with this Idempotency-Key is still in progress; retry shortly.', {}, { 'retry-after': '1' });
}

function reused() {
  return new HttpError(422, 'idempotency_key_reused',
    'This Idempotency-Key was used with a different request; use a fresh key for a new operation.');
}
