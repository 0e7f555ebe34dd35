// The row store over a synchronous SQLite connection: better-sqlite3 (sqlite.mjs) and a Durable
// Object's `ctx.storage.sql` (durable-object.mjs) run the statements of rows.mjs through this.
//
// A write is optimistic: it names the version its operations were computed against and commits
// only if the partition is still at that version, in one transaction; otherwise it answers
// `{conflict: true}` and the caller catches up and computes again. With one writer per
// partition (one Node process on its file, one Durable Object per firm) a conflict is rare.
import * as rows from './rows.mjs';

/** Run a rows.mjs generator to its end with a synchronous `exec(sql, params) -> rows`. */
export function runSync(gen, exec) {
  let step = gen.next();
  while (!step.done) step = gen.next(exec(step.value.sql, step.value.params));
  return step.value;
}

export class SyncStore {
  /**
   * @param exec `(sql, params) => rows` on the connection
   * @param transaction `(fn) => fn()` inside one transaction (rolled back if fn throws)
   */
  constructor(exec, transaction, { idSuffix = '' } = {}) {
    this.exec = exec;
    this.transaction = transaction;
    this.idSuffix = idSuffix;
  }

  run(gen) {
    return runSync(gen, this.exec);
  }

  migrate(at) {
    this.exec(rows.MIGRATIONS_TABLE, []);
    this.transaction(() => {
      for (const [v, statements] of this.run(rows.pendingMigrations())) this.run(rows.applyMigration(v, statements, at));
    });
  }

  version(part) {
    return this.run(rows.version(part));
  }

  /** The partition's version, and the rows changed after `since` when there are any. */
  sync(part, since) {
    const version = this.run(rows.version(part));
    return { version, changes: version > since ? this.run(rows.delta(since)) : null };
  }

  /** Commit `ops` as the version after `since`: `{version}`, `{conflict}` or `{replay}` (rows.applyOps). */
  commit(part, since, ops, now, idSuffix = this.idSuffix) {
    let out;
    try {
      this.transaction(() => {
        const current = this.run(rows.version(part));
        if (current !== since) {
          out = { conflict: true, version: current };
          return;
        }
        if (!this.run(rows.applyOps(part, since + 1, ops, { now, idSuffix }))) {
          out = { replay: true };
          throw new Rollback();
        }
        out = { version: since + 1 };
      });
    } catch (err) {
      if (!(err instanceof Rollback)) throw err;
    }
    return out;
  }

  token(selector) { return this.run(rows.token(selector)); }
  mintToken(selector, t, opts) { return this.transaction(() => this.run(rows.mintToken(selector, t, opts))); }
  rateHit(subject, window, expires) { return this.run(rows.rateHit(subject, window, expires)); }
  touch(keyId, at) { this.run(rows.touch(keyId, at)); }
  lastUsed(q) { return this.run(rows.lastUsed(q)); }
  idempotency(scope, key, now) { return this.run(rows.idempotency(scope, key, now)); }
  putIdempotency(o, now) { return this.run(rows.putIdempotency(o, now)); }
  replaceIdempotency(o) { this.run(rows.replaceIdempotency(o)); }
  dropIdempotency(scope, key) { this.run(rows.dropIdempotency(scope, key)); }
  audit(q) { return this.run(rows.audit(q)); }
  auditFirm(id) { return this.run(rows.auditFirm(id)); }
  prune(now) { this.run(rows.prune(now)); }
  empty() { return this.run(rows.empty()); }
}

/** Thrown inside a transaction to roll it back without an error reaching the caller. */
export class Rollback extends Error {}
