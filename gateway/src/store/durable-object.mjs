// Durable Object backing (workerd, and Cloudflare Workers): the state document in one SQLite-backed
// Durable Object.
//
// Why not the disk service or KV: workerd's writable `disk` service writes a temp file and renames
// it into place but never fsyncs (checked with strace on the pinned release), so an acknowledged
// write survives a restart of the process but not a power loss or an OS crash; Workers KV is
// eventually consistent and has no atomic read-modify-write. A Durable Object's SQLite storage
// commits with fsync (workerd runs SQLite in WAL mode and syncs the WAL on commit; on Cloudflare
// the platform replicates it), and its output gate holds the object's answer until the write is
// durable. So `save()` resolving means the state is on disk, and one object is the single writer.
//
// Only workerd loads this module (workerd/config.capnp); Node uses store/file.mjs.

const PATH = 'http://state/state';
const CHUNK_BYTES = 1024 * 1024; // rows stay well under the Durable Object limit of 2 MB per value

/** The backing the gateway uses: GET/PUT of the whole document on the object. */
export class DurableObjectBacking {
  constructor(namespace, name = 'portcullis-state') {
    this.namespace = namespace;
    this.name = name;
    this.kind = 'durable-object';
  }

  // A stub is an I/O object of the request that made it: one per call, never kept.
  stub() {
    return this.namespace.get(this.namespace.idFromName(this.name));
  }

  async load() {
    const res = await this.stub().fetch(PATH);
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (!res.ok) throw new Error(`state load failed: HTTP ${res.status}`);
    return res.text();
  }

  async save(text) {
    const res = await this.stub().fetch(PATH, { method: 'PUT', body: text });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`state save failed: HTTP ${res.status}`);
  }
}

/**
 * The Durable Object class (config: durableObjectNamespaces, enableSql = true). The document is
 * stored as UTF-8 in numbered chunks; a save replaces all of them in one transaction, so a crash
 * leaves the old document or the new one.
 */
export class StateObject {
  constructor(ctx) {
    this.storage = ctx.storage;
    this.storage.sql.exec('CREATE TABLE IF NOT EXISTS state_chunks (n INTEGER PRIMARY KEY, bytes BLOB NOT NULL)');
  }

  async fetch(request) {
    if (new URL(request.url).pathname !== '/state') return new Response(null, { status: 404 });
    const sql = this.storage.sql;
    if (request.method === 'GET') {
      const rows = sql.exec('SELECT bytes FROM state_chunks ORDER BY n').toArray();
      if (rows.length === 0) return new Response(null, { status: 404 });
      const parts = rows.map((r) => new Uint8Array(r.bytes));
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      return new Response(all, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    }
    if (request.method === 'PUT') {
      const bytes = new Uint8Array(await request.arrayBuffer());
      this.storage.transactionSync(() => {
        sql.exec('DELETE FROM state_chunks');
        for (let i = 0, n = 0; i < bytes.length; i += CHUNK_BYTES, n++) {
          sql.exec('INSERT INTO state_chunks (n, bytes) VALUES (?, ?)', n, bytes.slice(i, i + CHUNK_BYTES).buffer);
        }
      });
      // The output gate would hold this answer until the commit anyway; waiting for it explicitly
      // keeps the guarantee independent of output-gate semantics.
      await this.storage.sync();
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 405, headers: { allow: 'GET, PUT' } });
  }
}
