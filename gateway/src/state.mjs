// The gateway's own state (filters, keys, tokens, audit log, idempotency records), kept as one
// JSON document in a pluggable backing (store/file.mjs, store/memory.mjs, store/kv.mjs).
//
// Writes go through mutate(): one at a time (a promise chain), each on a copy of the committed
// state, persisted by the backing before it becomes visible and before the caller answers. So
// concurrent writes never lose one another, and an acknowledged write is durable.

const DAY_MS = 24 * 3600 * 1000;

export function emptyState() {
  return { format: 1, seq: 0, filters: {}, keys: {}, admins: {}, tokens: {}, audit: [], idempotency: {}, last_used: {} };
}

export class StateStore {
  constructor(backing, { idempotencyTtlMs = DAY_MS, now = () => Date.now() } = {}) {
    this.backing = backing;
    this.idempotencyTtlMs = idempotencyTtlMs;
    this.now = now;
    this.current = null;
    this.tail = Promise.resolve();
    this.onCommit = [];
    this.lastUsed = new Map(); // key id -> ISO time, merged into the next write
    this.lastUsedPersisted = new Map();
    this.byClientId = new Map();
    this.adminBySelector = new Map();
  }

  async open() {
    const text = await this.backing.load();
    const state = text ? JSON.parse(text) : emptyState();
    if (state.format !== 1 || typeof state.filters !== 'object' || typeof state.keys !== 'object') {
      throw new Error('state: unrecognised format');
    }
    state.admins ??= {}; // firm admin credentials came after the first states were written
    for (const [id, at] of Object.entries(state.last_used ?? {})) this.lastUsedPersisted.set(id, at);
    this.current = state;
    this.reindex();
    return state;
  }

  get state() {
    return this.current;
  }

  reindex() {
    this.byClientId = new Map(Object.values(this.current.keys).map((k) => [k.client_id, k]));
    // Firm admins by the first 16 hex digits of their token's SHA-256 (the full hash is then
    // compared in constant time).
    this.adminBySelector = new Map(Object.values(this.current.admins).map((x) => [x.token_hash.slice(0, 16), x]));
  }

  /**
   * Run `fn(draft)` alone, persist the draft, then make it current. `fn` may throw to abort
   * (nothing is written). With `idempotency: {id, fingerprint}`, a successful result (an object
   * with `status` < 300) is recorded in the same write, so a replay can never miss it.
   */
  mutate(fn, { idempotency } = {}) {
    const run = async () => {
      const draft = structuredClone(this.current);
      const result = await fn(draft);
      const now = this.now();
      if (idempotency && result && result.status < 300) {
        // A response that carries a secret is recorded only in its sealed (encrypted) form.
        const rec = { status: result.status, headers: result.headers, fingerprint: idempotency.fingerprint, at: now };
        if (result.sealedBody) rec.sealed = result.sealedBody;
        else rec.body = result.body;
        draft.idempotency[idempotency.id] = rec;
      }
      this.prune(draft, now);
      for (const [id, at] of this.lastUsed) if (draft.keys[id]) draft.last_used[id] = at;
      draft.seq += 1;
      await this.backing.save(JSON.stringify(draft));
      const prev = this.current;
      this.current = draft;
      for (const [id, at] of Object.entries(draft.last_used)) this.lastUsedPersisted.set(id, at);
      this.reindex();
      for (const hook of this.onCommit) hook(prev, draft);
      return result;
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => {});
    return p;
  }

  prune(draft, now) {
    for (const [h, t] of Object.entries(draft.tokens)) if (Date.parse(t.expires_at) <= now) delete draft.tokens[h];
    for (const [id, r] of Object.entries(draft.idempotency)) if (r.at + this.idempotencyTtlMs <= now) delete draft.idempotency[id];
  }

  /** Record a key's use; persisted with the next write, or by a write at most once a minute. */
  touch(keyId, at = new Date(this.now()).toISOString()) {
    this.lastUsed.set(keyId, at);
    const persisted = this.lastUsedPersisted.get(keyId);
    return !persisted || Date.parse(at) - Date.parse(persisted) > 60_000;
  }

  lastUsedOf(keyId) {
    return this.lastUsed.get(keyId) ?? this.current.last_used?.[keyId] ?? null;
  }
}
