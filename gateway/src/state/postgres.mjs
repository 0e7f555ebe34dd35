// The store for many Node processes: one PostgreSQL database (DATABASE_URL), through `pg`.
//
// Migrations run at start inside a transaction holding an advisory lock, so instances starting
// together apply each migration once. A write locks its partition's version row (SELECT ... FOR
// UPDATE) for the length of its transaction: writes through any instance are serialised, each
// catches up on the rows committed before it and is computed against them, and versions commit in
// the order they are given, which is what lets a reader catch up by "rows with a version above
// mine" (rows.mjs). Reads and access-token mints take no lock.
import pg from 'pg';
import * as rows from './rows.mjs';

const MIGRATION_LOCK = 0x706f7274; // an advisory lock key of this program's own ("port")
// Values one statement binds (the protocol counts them in 16 bits: at most 65,535).
const MAX_PARAMS = 30_000;
const LIMITS = { maxParams: MAX_PARAMS };

/** `?` placeholders to PostgreSQL's `$1, $2, ...` (no statement here has a `?` in a literal). */
function numbered(sql) {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

export class PostgresBackend {
  constructor(url, { max = 10 } = {}) {
    this.kind = 'postgres';
    this.partitioned = false;
    this.soleWriter = false;
    this.locks = true;
    this.pool = new pg.Pool({
      connectionString: url, max, connectionTimeoutMillis: 5000, statement_timeout: 15000, idleTimeoutMillis: 30000,
    });
    // An idle connection the server dropped: the pool discards it; the next query opens another.
    this.pool.on('error', (err) => console.error('portcullis: PostgreSQL connection lost:', err.message));
    this.texts = new Map();
  }

  async run(gen, client = this.pool) {
    let step = gen.next();
    while (!step.done) {
      let text = this.texts.get(step.value.sql);
      if (!text) {
        text = numbered(step.value.sql);
        this.texts.set(step.value.sql, text);
      }
      const r = await client.query(text, step.value.params);
      step = gen.next(r.rows);
    }
    return step.value;
  }

  async transaction(fn) {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query(out === ROLLBACK ? 'ROLLBACK' : 'COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async open(at) {
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(rows.MIGRATIONS_TABLE);
      for (const [v, statements] of await this.run(rows.pendingMigrations(), c)) await this.run(rows.applyMigration(v, statements, at, LIMITS), c);
      // The version row exists before the first write, so that write has a row to lock.
      await c.query("INSERT INTO pc_versions (part, version) VALUES ('all', 0) ON CONFLICT (part) DO NOTHING");
    });
  }

  async close() {
    await this.pool.end();
  }

  async sync(part, since) {
    const version = await this.run(rows.version(part));
    return { version, changes: version > since ? await this.run(rows.delta(since)) : null };
  }

  async write(part, since, body, now) {
    let out;
    await this.transaction(async (c) => {
      const base = await this.run(rows.version(part, { lock: true }), c);
      const changes = base > since ? await this.run(rows.delta(since), c) : null;
      const ops = await body(changes, base);
      if (!(await this.run(rows.applyOps(part, base + 1, ops, { now, ...LIMITS }), c))) {
        out = { replay: true };
        return ROLLBACK;
      }
      out = { version: base + 1 };
      return null;
    });
    return out;
  }

  async token(part, selector) { return this.run(rows.token(selector)); }
  async mintToken(part, selector, t, opts) { return this.run(rows.mintToken(selector, t, opts)); }
  async rateHit(part, subject, window, expires) { return this.run(rows.rateHit(subject, window, expires)); }
  async prune(part, now) { await this.run(rows.prune(now)); }
  async touch(part, keyId, at) { await this.run(rows.touch(keyId, at)); }
  async lastUsed(part, q) { return this.run(rows.lastUsed(q, LIMITS)); }
  async idempotency(part, scope, key, now) { return this.run(rows.idempotency(scope, key, now)); }
  async putIdempotency(part, op, now) { return this.run(rows.putIdempotency(op, now)); }
  async replaceIdempotency(part, op) { await this.run(rows.replaceIdempotency(op)); }
  async dropIdempotency(part, scope, key) { await this.run(rows.dropIdempotency(scope, key)); }
  async audit(part, q) { return this.run(rows.audit(q)); }
  async auditFirm(part, id) { return this.run(rows.auditFirm(id)); }
}

const ROLLBACK = Symbol('rollback');
