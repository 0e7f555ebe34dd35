// The gateway's state as one instance sees it: a view of the filters, keys and admins (held in
// Maps, never plain objects keyed by an id), the engine kept in step with it, and every read and
// write of the rows behind it (rows.mjs) on one of three back ends:
//
//   sqlite.mjs          one Node process on an embedded SQLite file (the process is the only writer)
//   postgres.mjs        any number of Node processes on one PostgreSQL database
//   durable-object.mjs  workerd / Cloudflare: one Durable Object per firm
//
// Freshness: a request calls `fresh(firm)` before it decides anything. Where other instances
// write (PostgreSQL, Durable Objects), that reads the partition's version, one query shared by
// every request that arrived while none was in flight, and catches up on the rows changed since.
// So a change acknowledged by any instance is honoured by every instance for every request that
// starts after the acknowledgement. If the store cannot be reached the request fails (503): no
// decision is made on state that may be stale.
//
// Leases (Durable Objects, where a request cannot share another's check): a check that reached
// the store holds for `leaseMs` from the moment it was sent, so the requests of that window make
// no call of their own. The store keeps the latest end of each instance's leases, and a write is
// acknowledged only once every lease granted before it to another instance has ended (the commit
// answers how long that is; the writer waits it, plus a margin, before answering; its own view
// has the change already). Only durations measured in causal order are compared, never two
// clocks: a lease ends no later than the store believes, and the acknowledgement comes no earlier
// than the store's end. So the guarantee above holds; what a lease costs is a write's answer up
// to `leaseMs` later while another instance is serving.
//
// Writes: `write(firm, fn)` runs `fn(tx)` against a view that is current for the partition, and
// commits the rows it changed in one transaction, with its audit entries and its idempotency
// record. PostgreSQL holds the partition's version row locked while `fn` runs; the SQLite stores
// commit only if the version is unchanged, else catch up and run `fn` again.
import { HttpError } from '../errors.mjs';

const TOKEN_CACHE = 100_000;
const TOUCH_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 60_000;
const WRITE_ATTEMPTS = 20;
const CLAIM_MS = 60_000;
/** The longest lease a store grants (STATE_LEASE_MS is bounded by it). */
export const MAX_LEASE_MS = 1000;
// Covers how far a runtime's clock may lag within a request (workerd reads it at each I/O).
const LEASE_MARGIN_MS = 50;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** The fixed window of `rule` (`{windowMs}`) at `now`: its start, its end, the seconds left in it. */
function windowOf(rule, now) {
  const start = Math.floor(now / rule.windowMs) * rule.windowMs;
  const end = start + rule.windowMs;
  return { start, end, retryAfter: Math.max(1, Math.ceil((end - now) / 1000)) };
}

/** A concurrent request with the same Idempotency-Key committed first: replay its answer. */
export class IdempotencyRace extends Error {}

function unavailable(err) {
  if (err instanceof HttpError) return err;
  console.error('portcullis: state store unreachable:', err?.message ?? err);
  return new HttpError(503, 'unavailable', 'The gateway cannot reach its state store; retry shortly.', {}, { 'retry-after': '1' });
}

/** One catch-up at a time per partition; a request joins the next one to start after it arrived. */
class Freshness {
  constructor(run) {
    this.run = run;
    this.running = null;
    this.next = null;
  }

  check() {
    if (!this.running) return this.start();
    this.next ??= this.running.then(() => {}, () => {}).then(() => {
      this.next = null;
      return this.start();
    });
    return this.next;
  }

  start() {
    const p = (async () => {
      try {
        return await this.run();
      } finally {
        if (this.running === p) this.running = null;
      }
    })();
    this.running = p;
    return p;
  }
}

/** The changes a write makes, and what it reads: the view plus its own changes so far. */
class Tx {
  constructor(state) {
    this.state = state;
    this.ops = [];
    this.mine = new Map();
  }

  read(kind, id) {
    const rec = this.mine.get(`${kind}:${id}`) ?? this.state.view[`${kind}s`].get(id);
    return rec ? structuredClone(rec) : null;
  }

  filter(id) { return this.read('filter', id); }
  key(id) { return this.read('key', id); }
  admin(id) { return this.read('admin', id); }

  /** Store a filter (its firm found through its workspace by the caller). */
  putFilter(rec, firmId) {
    this.mine.set(`filter:${rec.id}`, rec);
    this.ops.push({ op: 'filter', rec: structuredClone(rec), firm_id: firmId });
  }

  putKey(rec) {
    this.mine.set(`key:${rec.id}`, rec);
    this.ops.push({ op: 'key', rec: structuredClone(rec) });
  }

  putAdmin(rec) {
    this.mine.set(`admin:${rec.id}`, rec);
    this.ops.push({ op: 'admin', rec: structuredClone(rec) });
  }

  /** Delete every access token of a key (revocation, regeneration). */
  dropTokens(keyId) {
    this.ops.push({ op: 'drop_tokens', key_id: keyId });
  }

  /** Append an audit entry; the store gives it its id. */
  audit(entry) {
    this.ops.push({ op: 'audit', entry });
  }
}

export class StateStore {
  /**
   * @param backend one of the back ends above
   * @param options.partOf a firm id to its partition (null when unknown); `parts()` every firm's
   * @param options.leaseMs how long a freshness check holds, where the back end grants leases
   */
  constructor(backend, { idempotencyTtlMs, now = () => Date.now(), partOf, parts, leaseMs = 0 }) {
    this.backend = backend;
    this.leaseMs = backend.grantsLeases ? leaseMs : 0;
    this.leases = new Map();
    this.renewing = new Map();
    this.storeChecks = 0; // the version checks that reached the store (GET /admin/v1/status)
    this.kind = backend.kind;
    this.idempotencyTtlMs = idempotencyTtlMs;
    this.now = now;
    this.partOfFirm = partOf;
    this.allParts = parts;
    this.view = { filters: new Map(), keys: new Map(), admins: new Map(), byClientId: new Map(), adminBySelector: new Map() };
    this.rowVersions = new Map();
    this.versions = new Map();
    this.checks = new Map();
    this.queues = new Map();
    this.tokens = new Map();
    this.touched = new Map();
    this.pruned = new Map();
    this.rates = new Map();
    this.ratesSwept = 0;
    this.onChange = [];
  }

  /** Migrate the store and load every partition. */
  async open() {
    await this.backend.open(new Date(this.now()).toISOString());
    for (const part of this.parts(null)) await this.catchUp(part);
  }

  async close() {
    await this.backend.close?.();
  }

  /** The partition of a firm's rows (every firm shares one, except on Durable Objects). */
  partOf(firmId) {
    return this.backend.partitioned ? this.partOfFirm(firmId) : 'all';
  }

  /** The partitions a request about `firm` reads (null: every firm, an operator's view). */
  parts(firm) {
    if (!this.backend.partitioned) return ['all'];
    if (firm === null || firm === undefined) return this.allParts();
    const p = this.partOfFirm(firm);
    return p ? [p] : [];
  }

  /** The partitions of these firms (null: every firm's). */
  partsOf(firms) {
    return firms === null ? this.allParts() : firms.map((f) => this.partOfFirm(f)).filter(Boolean);
  }

  /** How many changes this instance has applied, over every partition (for /admin/v1/status). */
  version() {
    let v = 0;
    for (const n of this.versions.values()) v += n;
    return v;
  }

  /**
   * Make the view current for `firm` (null: every firm): every change acknowledged before this
   * call is applied when it resolves. Rejects with a 503 when the store cannot be reached.
   */
  async fresh(firm = null) {
    if (this.backend.soleWriter) return;
    try {
      await Promise.all(this.parts(firm).map((p) => this.check(p)));
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * Catch up for a request whose credential names `firm` (null: it names none). Answers false
   * when such a credential cannot be in this store at all (partitioned by firm, it is found only
   * through its firm), so nothing needs reading.
   */
  async freshFor(firm) {
    if (firm === null && this.backend.partitioned) return false;
    await this.fresh(firm);
    return true;
  }

  /**
   * Whether `freshFor(firm)` would answer true with nothing to wait for: this instance is the
   * store's only writer, or every partition a request about `firm` reads is under a lease that
   * holds. A request that finds it so reads the view as it is, without the promise; false says
   * only that `freshFor` must find out.
   */
  currentFor(firm) {
    if (firm === null && this.backend.partitioned) return false;
    if (this.backend.soleWriter) return true;
    if (!this.leaseMs) return false;
    if (!this.backend.partitioned) return this.leased('all');
    if (firm === undefined) return false;
    const part = this.partOfFirm(firm);
    return part === null || this.leased(part);
  }

  /** Whether the lease of `part` holds now; past its half, it is renewed in the background. */
  leased(part) {
    if (!this.leaseMs) return false;
    const now = this.now();
    const end = this.leases.get(part) ?? 0;
    if (now >= end) return false;
    if (end - now < this.leaseMs / 2) this.renew(part, now);
    return true;
  }

  check(part) {
    if (this.leased(part)) return null;
    // On workerd a request's I/O is its own: a request cannot wait on a call another request
    // made (when that one ends first, the call is cancelled and the waiter hangs), so each
    // checks for itself; applying the same rows twice is harmless (row versions).
    if (this.backend.requestBoundIo) return this.catchUp(part);
    let f = this.checks.get(part);
    if (!f) {
      f = new Freshness(() => this.catchUp(part));
      this.checks.set(part, f);
    }
    return f.check();
  }

  /**
   * Renew a lease before it ends, in the background of the request that noticed: nothing waits on
   * it (a request's I/O is its own), so if it never settles the next renewal starts a lease later,
   * and a lease that ends meanwhile is checked by each request as usual.
   */
  renew(part, now) {
    const started = this.renewing.get(part);
    if (started !== undefined && now - started < this.leaseMs) return;
    this.renewing.set(part, now);
    this.catchUp(part).catch(() => {}).finally(() => {
      if (this.renewing.get(part) === now) this.renewing.delete(part);
    });
  }

  async catchUp(part) {
    const since = this.versions.get(part) ?? 0;
    const sent = this.now();
    this.storeChecks += 1;
    const r = await this.backend.sync(part, since, this.leaseMs);
    this.apply(part, r.changes, r.version);
    if (this.leaseMs) this.leases.set(part, Math.max(this.leases.get(part) ?? 0, sent + this.leaseMs));
  }

  /** Apply rows read from the store (each only if newer than what the view holds). */
  apply(part, changes, version) {
    if (changes) {
      const applied = { filters: [], keys: [], admins: [] };
      for (const kind of ['filters', 'keys', 'admins']) {
        for (const { version: v, rec } of changes[kind]) {
          const at = `${kind}:${rec.id}`;
          if ((this.rowVersions.get(at) ?? -1) > v) continue;
          this.rowVersions.set(at, v);
          this.view[kind].set(rec.id, rec);
          if (kind === 'keys') this.view.byClientId.set(rec.client_id, rec);
          if (kind === 'admins') this.view.adminBySelector.set(rec.token_hash.slice(0, 16), rec);
          applied[kind].push(rec);
        }
      }
      if (version > (this.versions.get(part) ?? 0)) this.versions.set(part, version);
      for (const hook of this.onChange) {
        // A record the engine cannot take is logged and left out of its decisions (they then
        // refuse what it would have allowed); the view itself stays current.
        try {
          hook(applied);
        } catch (err) {
          console.error('portcullis: applying stored changes failed:', err?.message ?? err);
        }
      }
      return;
    }
    if (version > (this.versions.get(part) ?? 0)) this.versions.set(part, version);
  }

  /** One write at a time per partition from this instance: they would only conflict. */
  serially(part, fn) {
    const tail = this.queues.get(part) ?? Promise.resolve();
    const p = tail.then(fn, fn);
    const settled = p.then(() => {}, () => {});
    this.queues.set(part, settled);
    settled.then(() => {
      if (this.queues.get(part) === settled) this.queues.delete(part);
    });
    return p;
  }

  /**
   * Run `fn(tx)` and commit what it changed as one transaction in the partition of `firm`. With
   * `idempotency` (`{scope, key, fingerprint, firm}`), a successful reply (an object with `status`
   * below 300) is recorded with the change; a reply carrying `sealedBody` is recorded sealed.
   * `fn` may run more than once (after a conflict) and may throw to abort: nothing is written.
   */
  async write(firm, fn, { idempotency = null } = {}) {
    const part = this.partOf(firm);
    if (!part) throw new HttpError(422, 'unknown_firm', 'firm_id must name a known firm.');
    const { result, leaseLeftMs } = await this.serially(part, async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        if (!this.backend.soleWriter && !this.backend.locks) await this.fresh(firm);
        const since = this.versions.get(part) ?? 0;
        let computed = null;
        let inFn = false;
        let r;
        try {
          r = await this.backend.write(part, since, async (changes, base) => {
            this.apply(part, changes, base);
            const tx = new Tx(this);
            inFn = true;
            const result = await fn(tx);
            inFn = false;
            if (idempotency && this.idempotencyPart(idempotency) === part) {
              const op = this.idempotencyOp(idempotency, result);
              if (op) tx.ops.push(op);
            }
            computed = { ops: tx.ops, result };
            return tx.ops;
          }, this.now());
        } catch (err) {
          // What `fn` throws is its answer (a refusal, or a fault of its own); anything else is
          // the store failing.
          if (inFn || err instanceof HttpError) throw err;
          throw unavailable(err);
        }
        if (r.conflict) {
          this.leases.delete(part); // the view is behind: the next attempt reads the store
          continue;
        }
        if (r.replay) throw new IdempotencyRace();
        this.applyOwn(part, r.version, computed.ops);
        if (idempotency && this.idempotencyPart(idempotency) !== part) await this.record(idempotency, computed.result);
        return { result: computed.result, leaseLeftMs: r.leaseLeftMs ?? 0 };
      }
      throw new HttpError(503, 'unavailable', 'The state kept changing under this write; retry.', {}, { 'retry-after': '1' });
    });
    // Committed; acknowledged once no instance may still decide on a lease from before it.
    if (leaseLeftMs > 0) await sleep(leaseLeftMs + LEASE_MARGIN_MS);
    return result;
  }

  applyOwn(part, version, ops) {
    const changes = { filters: [], keys: [], admins: [] };
    for (const o of ops) {
      if (o.op === 'filter' || o.op === 'key' || o.op === 'admin') changes[`${o.op}s`].push({ version, rec: o.rec });
      if (o.op === 'drop_tokens') for (const [sel, t] of this.tokens) if (t.key_id === o.key_id) this.tokens.delete(sel);
    }
    this.apply(part, changes, version);
  }

  // ------------------------------------------------------------------------------------------
  // Access tokens

  /** The token record of a selector as cached here, while it has not expired; else undefined. */
  cachedToken(selector) {
    const cached = this.tokens.get(selector);
    return cached !== undefined && cached.expires_at > this.now() ? cached : undefined;
  }

  /** A token record by selector (cached here until it expires), or null. */
  async token(selector, firm) {
    const cached = this.cachedToken(selector);
    if (cached !== undefined) return cached;
    const part = this.partOf(firm);
    if (!part) return null;
    let rec;
    try {
      rec = await this.backend.token(part, selector);
    } catch (err) {
      throw unavailable(err);
    }
    if (rec) this.cacheToken(selector, rec);
    return rec;
  }

  cacheToken(selector, rec) {
    if (this.tokens.size >= TOKEN_CACHE) this.tokens.delete(this.tokens.keys().next().value);
    this.tokens.set(selector, rec);
  }

  /**
   * Store a token for a key, unless: the key minted `rate.limit` tokens in this window already
   * (`{limited, retryAfter}`); it holds `maxLive` live tokens (`{full, retryAfter}`: the seconds
   * until its oldest expires); it was revoked or regenerated meanwhile (`{refused}`). Else `{ok}`.
   */
  async mintToken(key, selector, t, { rate, maxLive }) {
    const part = this.partOf(key.firm_id);
    const now = this.now();
    const w = windowOf(rate, now);
    const subject = `mint:${key.id}`;
    if (this.backend.soleWriter && this.memoryHit(subject, w) > rate.limit) return { limited: true, retryAfter: w.retryAfter };
    const counted = this.backend.soleWriter ? null : { subject, window: w.start, expires: w.end, limit: rate.limit };
    let r;
    try {
      r = await this.backend.mintToken(part, selector, t, { rate: counted, maxLive, now });
    } catch (err) {
      throw unavailable(err);
    }
    if (r.ok) this.cacheToken(selector, t);
    await this.prune(part);
    if (r.limited) return { limited: true, retryAfter: w.retryAfter };
    if (r.full) return { full: true, retryAfter: Math.max(1, Math.ceil((r.oldest - now) / 1000)) };
    return r;
  }

  /**
   * Count one request of `subject` (a string naming what is limited and whose) against `rule`
   * (`{limit, windowMs}`), in the partition of `firm` (null: an operator's, as for idempotency
   * records): `{limited, retryAfter}`. Where instances share the store, the count is a row in it,
   * so every instance counts together; the embedded store's one process counts in memory.
   */
  async hitRate(firm, subject, rule) {
    const now = this.now();
    const w = windowOf(rule, now);
    let hits;
    if (this.backend.soleWriter) {
      hits = this.memoryHit(subject, w);
    } else {
      const part = this.idempotencyPart({ firm });
      try {
        hits = await this.backend.rateHit(part, subject, w.start, w.end);
      } catch (err) {
        throw unavailable(err);
      }
      await this.prune(part);
    }
    return { limited: hits > rule.limit, retryAfter: w.retryAfter };
  }

  /** A count in this process's memory (the embedded store): windows over are dropped each minute. */
  memoryHit(subject, w) {
    const now = this.now();
    if (this.ratesSwept + PRUNE_EVERY_MS <= now) {
      this.ratesSwept = now;
      for (const [k, v] of this.rates) if (v.end <= now) this.rates.delete(k);
    }
    const cur = this.rates.get(subject);
    if (!cur || cur.start !== w.start) {
      this.rates.set(subject, { start: w.start, end: w.end, hits: 1 });
      return 1;
    }
    return ++cur.hits;
  }

  /** Delete a partition's expired tokens and idempotency records, at most once a minute. */
  async prune(part) {
    const now = this.now();
    if ((this.pruned.get(part) ?? 0) + PRUNE_EVERY_MS > now) return;
    this.pruned.set(part, now);
    await this.backend.prune(part, now).catch((err) => console.error('portcullis: pruning expired rows failed:', err.message));
  }

  /** Record a key's use: at most once a minute per key from this instance. */
  touch(key) {
    const now = this.now();
    if ((this.touched.get(key.id) ?? 0) + TOUCH_EVERY_MS > now) return null;
    this.touched.set(key.id, now);
    return this.backend.touch(this.partOf(key.firm_id), key.id, new Date(now).toISOString());
  }

  /** Last-used times (`Map` id -> ISO time) of these keys. */
  async lastUsed(keys) {
    const out = new Map();
    const byPart = new Map();
    for (const k of keys) {
      const part = this.partOf(k.firm_id);
      if (!byPart.has(part)) byPart.set(part, []);
      byPart.get(part).push(k.id);
    }
    try {
      for (const [part, ids] of byPart) {
        // Large lists read the partition's column once instead of naming every id.
        const q = ids.length > 500 ? { ids: null } : { ids };
        for (const r of await this.backend.lastUsed(part, q)) out.set(r.id, r.last_used_at);
      }
    } catch (err) {
      throw unavailable(err);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Idempotency records

  idempotencyPart(ictx) {
    return this.backend.partitioned ? (ictx.firm ? this.partOf(ictx.firm) : 'operator') : 'all';
  }

  idempotencyOp(ictx, result) {
    if (!result || !(result.status < 300)) return null;
    const rec = { status: result.status, headers: result.headers, fingerprint: ictx.fingerprint, at: this.now() };
    if (result.sealedBody) rec.sealed = result.sealedBody;
    else rec.body = result.body;
    return { op: 'idempotency', scope: ictx.scope, key: ictx.key, expires_at: rec.at + this.idempotencyTtlMs, rec };
  }

  /** The live record of an idempotency key, or null. */
  async idempotency(ictx) {
    try {
      return await this.backend.idempotency(this.idempotencyPart(ictx), ictx.scope, ictx.key, this.now());
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * Whether a write's record is kept apart from its change, rather than in its transaction: a
   * change in the data service, or an operator's change on Durable Objects (its records are in
   * the `operator` object, its change in a firm's). Such a request claims its key first (`claim`).
   */
  recordsApart(ictx) {
    return this.backend.partitioned && this.idempotencyPart(ictx) === 'operator';
  }

  /**
   * Claim an idempotency key for a request whose record is kept apart: a pending record, so a
   * concurrent request with the key on any instance is told to retry instead of running too.
   * Answers false when the key already has a record (replay it). A claim lapses after a minute,
   * should its request die before `record` or `release`.
   */
  async claim(ictx) {
    const at = this.now();
    const op = { scope: ictx.scope, key: ictx.key, expires_at: at + CLAIM_MS, rec: { pending: true, fingerprint: ictx.fingerprint, at } };
    try {
      const ok = await this.backend.putIdempotency(this.idempotencyPart(ictx), op, at);
      if (ok) ictx.claimed = true;
      return ok;
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Give up a claim whose request changed nothing, so a retry runs again. */
  async release(ictx) {
    if (!ictx?.claimed) return;
    ictx.claimed = false;
    await this.backend.dropIdempotency(this.idempotencyPart(ictx), ictx.scope, ictx.key)
      .catch((err) => console.error('portcullis: releasing an idempotency claim failed:', err.message));
  }

  /** Record the answer of a claimed request whose change happened apart; answers the reply. */
  async record(ictx, result) {
    const op = ictx && this.idempotencyOp(ictx, result);
    if (!op) return result;
    const part = this.idempotencyPart(ictx);
    try {
      if (ictx.claimed) await this.backend.replaceIdempotency(part, op);
      else await this.backend.putIdempotency(part, op, this.now());
      ictx.claimed = false;
    } catch (err) {
      throw unavailable(err);
    }
    await this.prune(part);
    return result;
  }

  // ------------------------------------------------------------------------------------------
  // Audit log

  /** Entries newest first (rows.audit), of `firms` (null: every firm). */
  async audit(firms, q) {
    try {
      if (!this.backend.partitioned) return await this.backend.audit('all', { ...q, firms });
      const lists = await Promise.all(this.partsOf(firms).map((p) => this.backend.audit(p, { ...q, firms: null })));
      return lists.flat().sort((x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0)).slice(0, q.limit);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** The firm of an audit entry (`{firm}`) among `firms` (null: any), or null when there is none. */
  async auditFirm(id, firms) {
    try {
      if (!this.backend.partitioned) return await this.backend.auditFirm('all', id);
      for (const p of this.partsOf(firms)) {
        const found = await this.backend.auditFirm(p, id);
        if (found) return found;
      }
      return null;
    } catch (err) {
      throw unavailable(err);
    }
  }
}
