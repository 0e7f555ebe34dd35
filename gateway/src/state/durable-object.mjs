// workerd and Cloudflare Workers: the state in Durable Objects, one per firm (named by the firm's
// id), each holding that firm's filters, keys, admins, access tokens, audit entries and its
// admins' and keys' idempotency records as rows in its SQLite storage (rows.mjs). Firms scale out
// across objects; no object holds everything. One more object, `operator`, holds the idempotency
// records of operator credentials (an operator's write may touch any firm).
//
// Finding a firm's object: a request names its firm. Access tokens, client ids and firm-admin
// tokens carry the firm (routes.mjs); an admin path's object is the firm of the admin or, for an
// operator, of the object named. An operator's views across firms (keys, filters, audit) gather
// from every firm's object; the firms are the data service's.
//
// Each object is the only writer of its rows and a single thread: a commit names the version it
// was computed against and fails if another isolate committed first (sync-store.mjs). Freshness
// is the version check of state/index.mjs, one call to the firm's object that also brings the
// rows changed since and grants the isolate a lease (STATE_LEASE_MS): the object remembers the
// latest end of each isolate's leases, and each commit answers how long until the other
// isolates' have ended, which the writer waits before acknowledging.
//
// Why a Durable Object's storage: its SQLite commits with fsync, and the object's answer is held
// by its output gate until the commit is durable. (workerd's `disk` service renames files without
// fsync; Workers KV is eventually consistent with no atomic read-modify-write.)
import { SyncStore } from './sync-store.mjs';
import { MAX_LEASE_MS } from './index.mjs';

// Isolates holding a lease at once, before the ended ones are dropped (each holds one a second at most).
const MAX_LEASE_HOLDERS = 256;

const METHODS = new Set(['sync', 'commit', 'token', 'mintToken', 'rateHit', 'prune', 'touch', 'lastUsed', 'idempotency', 'putIdempotency', 'replaceIdempotency', 'dropIdempotency', 'audit', 'auditFirm']);

/** The worker's side: each call a request to the partition's object. */
export class DurableObjectBackend {
  constructor(namespace, routeOf) {
    this.namespace = namespace;
    this.routeOf = routeOf; // a partition's suffix for audit ids (unique across objects)
    this.kind = 'durable-object';
    this.partitioned = true;
    this.soleWriter = false;
    this.locks = false;
    // Each call is I/O of the request that makes it: no request may wait on another's.
    this.requestBoundIo = true;
    this.grantsLeases = true;
    // This isolate, to the objects: its own leases never hold up its own writes (it applies them
    // to its view before it answers).
    this.instance = crypto.randomUUID();
  }

  async call(part, method, args) {
    // A stub is an I/O object of the request that made it: one per call, never kept.
    const stub = this.namespace.get(this.namespace.idFromName(part));
    const res = await stub.fetch('http://state/call', { method: 'POST', body: JSON.stringify({ method, args }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`state object ${method} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text).value;
  }

  async open() {}

  sync(part, since, leaseMs = 0) { return this.call(part, 'sync', ['all', since, leaseMs, this.instance]); }

  async write(part, since, body, now) {
    const ops = await body(null, since);
    const suffix = `_${this.routeOf(part)}`;
    return this.call(part, 'commit', ['all', since, ops, now, suffix, this.instance]);
  }

  token(part, selector) { return this.call(part, 'token', [selector]); }
  mintToken(part, selector, t, opts) { return this.call(part, 'mintToken', [selector, t, opts]); }
  rateHit(part, subject, window, expires) { return this.call(part, 'rateHit', [subject, window, expires]); }
  prune(part, now) { return this.call(part, 'prune', [now]); }
  touch(part, keyId, at) { return this.call(part, 'touch', [keyId, at]); }
  lastUsed(part, q) { return this.call(part, 'lastUsed', [q]); }
  idempotency(part, scope, key, now) { return this.call(part, 'idempotency', [scope, key, now]); }
  putIdempotency(part, op, now) { return this.call(part, 'putIdempotency', [op, now]); }
  replaceIdempotency(part, op) { return this.call(part, 'replaceIdempotency', [op]); }
  dropIdempotency(part, scope, key) { return this.call(part, 'dropIdempotency', [scope, key]); }
  audit(part, q) { return this.call(part, 'audit', [q]); }
  auditFirm(part, id) { return this.call(part, 'auditFirm', [id]); }
}

/**
 * The Durable Object class (config: durableObjectNamespaces with enableSql = true): one firm's
 * rows, migrated when the object starts.
 */
export class FirmState {
  constructor(ctx) {
    this.ctx = ctx;
    const sql = ctx.storage.sql;
    this.store = new SyncStore((text, params) => sql.exec(text, ...params).toArray(), (fn) => ctx.storage.transactionSync(fn));
    this.store.migrate(new Date().toISOString());
    // The leases granted live in memory, one end per isolate. An object just started cannot know
    // what its predecessor granted: it assumes the longest lease it ever granted (kept in its
    // storage, written only when it grows) was granted a moment ago.
    this.sql = sql;
    sql.exec('CREATE TABLE IF NOT EXISTS pc_lease_bound (id INTEGER PRIMARY KEY CHECK (id = 1), max_ms INTEGER NOT NULL)');
    this.maxLeaseMs = sql.exec('SELECT max_ms FROM pc_lease_bound').toArray()[0]?.max_ms ?? 0;
    this.unknownUntil = Date.now() + this.maxLeaseMs;
    this.leases = new Map();
  }

  /** The version and changes since `since`, granting the isolate `instance` a lease of `leaseMs`. */
  sync(part, since, leaseMs, instance) {
    const ms = Math.min(MAX_LEASE_MS, Math.max(0, Math.floor(Number(leaseMs)) || 0));
    if (ms > 0 && typeof instance === 'string') {
      if (ms > this.maxLeaseMs) {
        this.sql.exec('INSERT INTO pc_lease_bound (id, max_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET max_ms = excluded.max_ms', ms);
        this.maxLeaseMs = ms;
      }
      const now = Date.now();
      if (this.leases.size >= MAX_LEASE_HOLDERS) this.dropEnded(now);
      this.leases.set(instance, Math.max(this.leases.get(instance) ?? 0, now + ms));
    }
    return this.store.sync(part, since);
  }

  /**
   * A commit. A successful one says how long until every lease granted before it to another
   * isolate has ended (`leaseLeftMs`): the writer acknowledges it only then.
   */
  commit(part, since, ops, now, idSuffix, instance) {
    const out = this.store.commit(part, since, ops, now, idSuffix);
    if (out?.version) {
      const at = Date.now();
      this.dropEnded(at);
      let end = this.unknownUntil;
      for (const [holder, until] of this.leases) if (holder !== instance && until > end) end = until;
      out.leaseLeftMs = Math.max(0, end - at);
    }
    return out;
  }

  dropEnded(now) {
    for (const [holder, until] of this.leases) if (until <= now) this.leases.delete(holder);
  }

  async fetch(request) {
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/call') return new Response(null, { status: 404 });
    const { method, args } = await request.json();
    if (!METHODS.has(method) || !Array.isArray(args)) return new Response('unknown method', { status: 400 });
    const value = method === 'sync' || method === 'commit' ? this[method](...args) : this.store[method](...args);
    // The output gate holds this answer until the writes above are durable.
    return new Response(JSON.stringify({ value: value === undefined ? null : value }), { headers: { 'content-type': 'application/json' } });
  }
}
