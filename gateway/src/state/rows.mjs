// The gateway's state as rows: the schema and every statement, written once for SQLite (Node's
// embedded store, a Durable Object's storage) and PostgreSQL.
//
// Each operation is a generator that yields statements `{sql, params}` and receives their rows,
// so one text of the logic runs synchronously inside a SQLite transaction (better-sqlite3, a
// Durable Object's `transactionSync`, which cannot await) and asynchronously on a PostgreSQL
// connection (sync-runner.mjs, postgres.mjs). Statements use `?` placeholders; the PostgreSQL
// runner numbers them.
//
// What a write costs is what it touches: a change is a handful of row upserts and one version
// bump, whatever the number of keys, tokens or audit entries.
//
// Versions: every filter, key and admin row carries the version of the write that last changed
// it, and `pc_versions` holds the newest version of each partition (one, `all`, for SQLite and
// PostgreSQL; a Durable Object holds one firm). An instance that knows version v catches up by
// reading the rows with a version above v: nothing is deleted, so nothing is missed.
//
// Parameters: a statement binds at most `maxParams` values. A Durable Object's SQLite binds at
// most 100 (MAX_PARAMS, the default, which the embedded SQLite store keeps too, so both run the
// same statements); PostgreSQL passes its own, larger, limit. Statements whose size grows with
// their input (a multi-row INSERT, an IN list) are split to fit.

/** Versioned migrations, applied in order; a store records the last one it applied. */
export const MIGRATIONS = [
  [
    `CREATE TABLE pc_versions (part TEXT PRIMARY KEY, version BIGINT NOT NULL)`,
    `CREATE TABLE pc_filters (id TEXT PRIMARY KEY, firm_id TEXT, version BIGINT NOT NULL, doc TEXT NOT NULL)`,
    `CREATE INDEX pc_filters_version ON pc_filters (version)`,
    `CREATE TABLE pc_keys (id TEXT PRIMARY KEY, firm_id TEXT NOT NULL, client_id TEXT NOT NULL UNIQUE,
       revoked INTEGER NOT NULL, secret_gen INTEGER NOT NULL, version BIGINT NOT NULL,
       last_used_at TEXT, doc TEXT NOT NULL)`,
    `CREATE INDEX pc_keys_version ON pc_keys (version)`,
    `CREATE TABLE pc_admins (id TEXT PRIMARY KEY, firm_id TEXT NOT NULL, version BIGINT NOT NULL, doc TEXT NOT NULL)`,
    `CREATE INDEX pc_admins_version ON pc_admins (version)`,
    `CREATE TABLE pc_tokens (selector TEXT PRIMARY KEY, hash TEXT NOT NULL, key_id TEXT NOT NULL,
       secret_gen INTEGER NOT NULL, expires_at BIGINT NOT NULL)`,
    `CREATE INDEX pc_tokens_key ON pc_tokens (key_id)`,
    `CREATE INDEX pc_tokens_expiry ON pc_tokens (expires_at)`,
    `CREATE TABLE pc_audit (id TEXT PRIMARY KEY, firm_id TEXT, action TEXT NOT NULL, target_id TEXT,
       actor_id TEXT, doc TEXT NOT NULL)`,
    `CREATE INDEX pc_audit_firm ON pc_audit (firm_id, id)`,
    `CREATE INDEX pc_audit_target ON pc_audit (target_id, id)`,
    `CREATE TABLE pc_idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, expires_at BIGINT NOT NULL,
       doc TEXT NOT NULL, PRIMARY KEY (scope, key))`,
    `CREATE INDEX pc_idempotency_expiry ON pc_idempotency (expires_at)`,
  ],
  // 2: what each audit entry concerns, searchable (GET /audit?key_id=, ?filter_id=): its target,
  // and the filters of the grants a key change adds or removes. Entries written before are read
  // once for theirs (auditRefs).
  [
    `CREATE TABLE pc_audit_refs (kind TEXT NOT NULL, ref_id TEXT NOT NULL, audit_id TEXT NOT NULL,
       PRIMARY KEY (kind, ref_id, audit_id))`,
    backfillAuditRefs,
  ],
  // 3: rate-limit counters (token mints per key, admin writes per credential), one row per subject
  // and fixed window, shared by every instance of the store; deleted once their window is over.
  [
    `CREATE TABLE pc_rate (subject TEXT NOT NULL, window_start BIGINT NOT NULL, expires_at BIGINT NOT NULL,
       hits INTEGER NOT NULL, PRIMARY KEY (subject, window_start))`,
    `CREATE INDEX pc_rate_expiry ON pc_rate (expires_at)`,
  ],
];

/** The most values a statement binds unless the store says otherwise: a Durable Object's limit. */
export const MAX_PARAMS = 100;

/** Audit entries migration 2 reads at a time (their references are inserted a page at a time). */
export const AUDIT_BACKFILL_PAGE = 500;

/** The table that records applied migrations (created by the runner before anything else). */
export const MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS pc_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)';

function* rows(sql, ...params) {
  return yield { sql, params };
}

function* first(sql, ...params) {
  return (yield { sql, params })[0] ?? null;
}

const num = (v) => (v === null || v === undefined ? null : Number(v));
const pad = (n, width) => String(n).padStart(width, '0');

/** Migrations not yet applied, in order (`[version, statements]`). */
export function* pendingMigrations() {
  const done = new Set((yield* rows('SELECT version FROM pc_migrations')).map((r) => Number(r.version)));
  return MIGRATIONS.map((m, i) => [i + 1, m]).filter(([v]) => !done.has(v));
}

/**
 * Apply one migration: its statements, and its steps that read rows (generator functions, given
 * `{maxParams}`).
 */
export function* applyMigration(version, statements, at, { maxParams = MAX_PARAMS } = {}) {
  for (const s of statements) {
    if (typeof s === 'function') yield* s({ maxParams });
    else yield* rows(s);
  }
  yield* rows('INSERT INTO pc_migrations (version, applied_at) VALUES (?, ?)', version, at);
}

/** The newest version of a partition (0 when nothing was written). */
export function* version(part, { lock = false } = {}) {
  const r = yield* first(`SELECT version FROM pc_versions WHERE part = ?${lock ? ' FOR UPDATE' : ''}`, part);
  return r ? Number(r.version) : 0;
}

/** Filters, keys and admins changed after version `since` (all of them for 0). */
export function* delta(since, firm = null) {
  const where = firm === null ? 'version > ?' : 'version > ? AND firm_id = ?';
  const args = firm === null ? [since] : [since, firm];
  const read = (list) => list.map((r) => ({ version: Number(r.version), rec: JSON.parse(r.doc) }));
  return {
    filters: read(yield* rows(`SELECT version, doc FROM pc_filters WHERE ${where}`, ...args)),
    keys: read(yield* rows(`SELECT version, doc FROM pc_keys WHERE ${where}`, ...args)),
    admins: read(yield* rows(`SELECT version, doc FROM pc_admins WHERE ${where}`, ...args)),
  };
}

/**
 * Apply a write's operations as version `next` of partition `part`. Operations:
 * `{op: 'filter' | 'key' | 'admin', rec, firm_id}` (the whole record), `{op: 'drop_tokens', key_id}`,
 * `{op: 'audit', entry}` (an id is given here, ordered by version), `{op: 'idempotency', scope,
 * key, expires_at, rec}` (answers `false` when a live record is already there: the caller rolls
 * back and replays it), and for an import `{op: 'token', selector, t}` and `{op: 'last_used',
 * key_id, at}`. `idSuffix` keeps audit ids unique across partitions.
 */
export function* applyOps(part, next, ops, { now, idSuffix = '', maxParams = MAX_PARAMS }) {
  let n = 0;
  for (const o of ops) {
    if (o.op === 'filter') {
      yield* rows(`INSERT INTO pc_filters (id, firm_id, version, doc) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET firm_id = excluded.firm_id, version = excluded.version, doc = excluded.doc`,
      o.rec.id, o.firm_id, next, JSON.stringify(o.rec));
    } else if (o.op === 'key') {
      yield* rows(`INSERT INTO pc_keys (id, firm_id, client_id, revoked, secret_gen, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET revoked = excluded.revoked, secret_gen = excluded.secret_gen,
          version = excluded.version, doc = excluded.doc`,
      o.rec.id, o.rec.firm_id, o.rec.client_id, o.rec.revoked ? 1 : 0, o.rec.secret_gen, next, JSON.stringify(o.rec));
    } else if (o.op === 'admin') {
      yield* rows(`INSERT INTO pc_admins (id, firm_id, version, doc) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET version = excluded.version, doc = excluded.doc`,
      o.rec.id, o.rec.firm_id, next, JSON.stringify(o.rec));
    } else if (o.op === 'drop_tokens') {
      yield* rows('DELETE FROM pc_tokens WHERE key_id = ?', o.key_id);
    } else if (o.op === 'audit') {
      // Newest first is descending id order: the entry's time, then the version and the entry's
      // place in its write (so ids from several partitions merge in time order).
      const { id: _previous, ...fields } = o.entry;
      const at = Date.parse(fields.at);
      const entry = { id: `aud_${pad(Number.isFinite(at) ? at : 0, 13)}${pad(next, 12)}${pad(n++, 6)}${idSuffix}`, ...fields };
      yield* rows('INSERT INTO pc_audit (id, firm_id, action, target_id, actor_id, doc) VALUES (?, ?, ?, ?, ?, ?)',
        entry.id, entry.firm_id ?? null, entry.action, entry.target?.id ?? null, entry.actor_id ?? null, JSON.stringify(entry));
      yield* putAuditRefs(auditRefs(entry).map(([kind, ref]) => [kind, ref, entry.id]), maxParams);
    } else if (o.op === 'idempotency') {
      if (!(yield* putIdempotency(o, now))) return false;
    } else if (o.op === 'token') {
      yield* rows(`INSERT INTO pc_tokens (selector, hash, key_id, secret_gen, expires_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (selector) DO NOTHING`, o.selector, o.t.hash, o.t.key_id, o.t.secret_gen, o.t.expires_at);
    } else if (o.op === 'last_used') {
      yield* touch(o.key_id, o.at);
    } else {
      throw new Error(`state: unknown operation ${o.op}`);
    }
  }
  yield* rows(`INSERT INTO pc_versions (part, version) VALUES (?, ?)
    ON CONFLICT (part) DO UPDATE SET version = excluded.version`, part, next);
  return true;
}

/** Record an idempotent reply unless a live record holds its key; whether it was recorded. */
export function* putIdempotency(o, now) {
  const r = yield* rows(`INSERT INTO pc_idempotency (scope, key, expires_at, doc) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope, key) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc
    WHERE pc_idempotency.expires_at <= ? RETURNING scope`, o.scope, o.key, o.expires_at, JSON.stringify(o.rec), now);
  return r.length === 1;
}

/** Replace an idempotency record whatever it holds (a claim, once its answer is known). */
export function* replaceIdempotency(o) {
  yield* rows(`INSERT INTO pc_idempotency (scope, key, expires_at, doc) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope, key) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc`,
  o.scope, o.key, o.expires_at, JSON.stringify(o.rec));
}

/** Delete an idempotency record (a claim whose request changed nothing). */
export function* dropIdempotency(scope, key) {
  yield* rows('DELETE FROM pc_idempotency WHERE scope = ? AND key = ?', scope, key);
}

/** A live idempotency record, or null. */
export function* idempotency(scope, key, now) {
  const r = yield* first('SELECT doc FROM pc_idempotency WHERE scope = ? AND key = ? AND expires_at > ?', scope, key, now);
  return r ? JSON.parse(r.doc) : null;
}

/** An access token by its selector (first 16 hex digits of its hash), or null. */
export function* token(selector) {
  const r = yield* first('SELECT hash, key_id, secret_gen, expires_at FROM pc_tokens WHERE selector = ?', selector);
  return r && { hash: r.hash, key_id: r.key_id, secret_gen: Number(r.secret_gen), expires_at: Number(r.expires_at) };
}

/**
 * Count one request of `subject` in the window starting at `window` (ending at `expires`): the
 * count so far, this one included.
 */
export function* rateHit(subject, window, expires) {
  const r = yield* rows(`INSERT INTO pc_rate (subject, window_start, expires_at, hits) VALUES (?, ?, ?, 1)
    ON CONFLICT (subject, window_start) DO UPDATE SET hits = pc_rate.hits + 1 RETURNING hits`, subject, window, expires);
  return Number(r[0].hits);
}

/**
 * Mint an access token: `rate` (`{subject, window, expires, limit}`, or null when counted
 * elsewhere) counts it first, and refuses it over the limit (`{limited}`); the token row is then
 * written only if its key is still live at that generation and holds fewer than `maxLive` live
 * tokens. Answers `{ok}`, `{limited}`, `{full, oldest}` (the expiry of the key's oldest live
 * token) or `{refused}` (the key was revoked or regenerated meanwhile).
 */
export function* mintToken(selector, t, { rate = null, maxLive, now }) {
  if (rate && (yield* rateHit(rate.subject, rate.window, rate.expires)) > rate.limit) return { limited: true };
  const r = yield* rows(`INSERT INTO pc_tokens (selector, hash, key_id, secret_gen, expires_at)
    SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT)
    WHERE EXISTS (SELECT 1 FROM pc_keys WHERE id = ? AND revoked = 0 AND secret_gen = CAST(? AS INTEGER))
      AND (SELECT count(*) FROM pc_tokens WHERE key_id = ? AND expires_at > ?) < ?
    RETURNING selector`, selector, t.hash, t.key_id, t.secret_gen, t.expires_at, t.key_id, t.secret_gen, t.key_id, now, maxLive);
  if (r.length === 1) return { ok: true };
  const live = yield* first('SELECT count(*) AS n, min(expires_at) AS oldest FROM pc_tokens WHERE key_id = ? AND expires_at > ?', t.key_id, now);
  return num(live?.n) >= maxLive ? { full: true, oldest: num(live.oldest) } : { refused: true };
}

/** Record a key's last use, unless a later one is recorded. */
export function* touch(keyId, at) {
  yield* rows('UPDATE pc_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', at, keyId, at);
}

/** Last-used times (`[{id, last_used_at}]`) of the keys `ids`, or (null) of every key used. */
export function* lastUsed({ ids = null }, { maxParams = MAX_PARAMS } = {}) {
  if (ids === null) return yield* rows('SELECT id, last_used_at FROM pc_keys WHERE last_used_at IS NOT NULL');
  const out = [];
  for (const part of chunks(ids, maxParams)) {
    out.push(...(yield* rows(`SELECT id, last_used_at FROM pc_keys WHERE id IN (${part.map(() => '?').join(', ')})`, ...part)));
  }
  return out;
}

/** `list` in consecutive slices of at most `size` (at least 1). */
function chunks(list, size) {
  const n = Math.max(1, Math.floor(size));
  const out = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/**
 * What an audit entry concerns, as `[kind, id]` pairs (no pair twice): its target (`key`,
 * `filter`, `admin`) and, as `filter`, each of its `filter_ids`. An entry written before
 * `filter_ids` were recorded names the filter of a grant it added or removed in its details
 * (`key.grant_add`, `key.grant_remove`); a `key.create` then recorded only a count of grants.
 */
export function auditRefs(entry) {
  const out = new Map();
  const add = (kind, id) => {
    if (typeof kind === 'string' && typeof id === 'string') out.set(`${kind}\u0000${id}`, [kind, id]);
  };
  add(entry?.target?.type, entry?.target?.id);
  const legacy = (entry?.action === 'key.grant_add' || entry?.action === 'key.grant_remove') ? [entry.details?.filter] : [];
  for (const f of Array.isArray(entry?.filter_ids) ? entry.filter_ids : legacy) add('filter', f);
  return [...out.values()];
}

/** Insert references `[kind, ref_id, audit_id]`: multi-row INSERTs of at most `maxParams` values each. */
function* putAuditRefs(refs, maxParams) {
  for (const part of chunks(refs, maxParams / 3)) {
    yield* rows(`INSERT INTO pc_audit_refs (kind, ref_id, audit_id) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
      ON CONFLICT (kind, ref_id, audit_id) DO NOTHING`, ...part.flat());
  }
}

/**
 * Migration 2's step: the references of the entries already stored, a page of entries at a time,
 * each page's references in as few INSERTs as the store's parameter limit allows (one per page on
 * PostgreSQL, where each statement is a round trip inside the migration's transaction).
 */
function* backfillAuditRefs({ maxParams }) {
  let after = '';
  for (;;) {
    const page = yield* rows('SELECT id, doc FROM pc_audit WHERE id > ? ORDER BY id LIMIT ?', after, AUDIT_BACKFILL_PAGE);
    yield* putAuditRefs(page.flatMap((r) => auditRefs(JSON.parse(r.doc)).map(([kind, ref]) => [kind, ref, r.id])), maxParams);
    if (page.length < AUDIT_BACKFILL_PAGE) return;
    after = page[page.length - 1].id;
  }
}

/**
 * Audit entries newest first: of `firms` (null: every firm), older than the entry `before`, with
 * the given action, target and actor, about the key `key` (its target) and the filter `filter`
 * (auditRefs); at most `limit`. With `key` or `filter` the references are read first, in id
 * order from their primary key, and each joined to its entry.
 */
export function* audit({ firms = null, before = null, action = null, target = null, actor = null, key = null, filter = null, limit }) {
  const refs = [['key', key], ['filter', filter]].filter(([, id]) => id !== null);
  const where = [];
  const args = [];
  let from = 'pc_audit a';
  let order = 'a.id';
  if (refs.length > 0) {
    from = 'pc_audit_refs r0 JOIN pc_audit a ON a.id = r0.audit_id';
    order = 'r0.audit_id';
    refs.forEach(([kind, id], i) => {
      if (i > 0) from += ` JOIN pc_audit_refs r${i} ON r${i}.audit_id = r0.audit_id`;
      where.push(`r${i}.kind = ?`, `r${i}.ref_id = ?`);
      args.push(kind, id);
    });
  }
  if (firms !== null) {
    if (firms.length === 0) return [];
    where.push(`a.firm_id IN (${firms.map(() => '?').join(', ')})`);
    args.push(...firms);
  }
  if (before !== null) { where.push(`${order} < ?`); args.push(before); }
  if (action !== null) { where.push('a.action = ?'); args.push(action); }
  if (target !== null) { where.push('a.target_id = ?'); args.push(target); }
  if (actor !== null) { where.push('a.actor_id = ?'); args.push(actor); }
  const sql = `SELECT a.doc FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} DESC LIMIT ?`;
  return (yield* rows(sql, ...args, limit)).map((r) => JSON.parse(r.doc));
}

/** One audit entry's firm (`{firm}`), or null when there is no such entry. */
export function* auditFirm(id) {
  const r = yield* first('SELECT firm_id FROM pc_audit WHERE id = ?', id);
  return r ? { firm: r.firm_id } : null;
}

/** Delete expired tokens, idempotency records and rate counters. */
export function* prune(now) {
  yield* rows('DELETE FROM pc_tokens WHERE expires_at <= ?', now);
  yield* rows('DELETE FROM pc_idempotency WHERE expires_at <= ?', now);
  yield* rows('DELETE FROM pc_rate WHERE expires_at <= ?', now);
}

/** Whether nothing was ever written (a new store: the one moment an import may happen). */
export function* empty() {
  const r = yield* first('SELECT max(version) AS n FROM pc_versions');
  return !num(r?.n);
}
