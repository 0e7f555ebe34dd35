// The embedded store for one Node process: a SQLite file (better-sqlite3) in the data directory.
//
// Durable: WAL with synchronous=FULL, so a commit is on disk (fsync) before the write is
// acknowledged. One instance: the file is opened in exclusive locking mode and locked at start,
// so a second process on the same directory fails to open it and refuses to start; the lock is
// the operating system's and goes with the process, even on SIGKILL. Several instances share a
// PostgreSQL database instead (postgres.mjs).
import Database from 'better-sqlite3';
import { SyncStore } from './sync-store.mjs';

export class SqliteBackend {
  constructor(path) {
    this.path = path;
    this.kind = 'sqlite';
    this.partitioned = false;
    this.soleWriter = true;
    this.locks = false;
    this.db = null;
    this.store = null;
    this.statements = new Map();
  }

  async open(at) {
    try {
      this.db = new Database(this.path, { timeout: 0 });
      // Exclusive mode first: the write-ahead log then needs no shared memory, and the lock taken
      // by the first write is held until the process ends.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (err) {
      this.db?.close();
      this.db = null;
      if (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED') {
        throw new Error(`state: ${this.path} is in use by another gateway process. The embedded SQLite store `
          + 'serves one instance; to run several, set DATABASE_URL to a PostgreSQL database.');
      }
      throw err;
    }
    const exec = (sql, params) => {
      let st = this.statements.get(sql);
      if (!st) {
        st = this.db.prepare(sql);
        this.statements.set(sql, st);
      }
      return st.reader ? st.all(...params) : (st.run(...params), []);
    };
    this.store = new SyncStore(exec, (fn) => this.db.transaction(fn)());
    this.store.migrate(at);
  }

  async close() {
    this.db?.close();
    this.db = null;
  }

  async sync(part, since) { return this.store.sync(part, since); }

  async write(part, since, body, now) {
    const ops = await body(null, since);
    return this.store.commit(part, since, ops, now);
  }

  async token(part, selector) { return this.store.token(selector); }
  async mintToken(part, selector, t, opts) { return this.store.mintToken(selector, t, opts); }
  async rateHit(part, subject, window, expires) { return this.store.rateHit(subject, window, expires); }
  async prune(part, now) { this.store.prune(now); }
  async touch(part, keyId, at) { this.store.touch(keyId, at); }
  async lastUsed(part, q) { return this.store.lastUsed(q); }
  async idempotency(part, scope, key, now) { return this.store.idempotency(scope, key, now); }
  async putIdempotency(part, op, now) { return this.store.putIdempotency(op, now); }
  async replaceIdempotency(part, op) { this.store.replaceIdempotency(op); }
  async dropIdempotency(part, scope, key) { this.store.dropIdempotency(scope, key); }
  async audit(part, q) { return this.store.audit(q); }
  async auditFirm(part, id) { return this.store.auditFirm(id); }
  async empty() { return this.store.empty(); }
}
