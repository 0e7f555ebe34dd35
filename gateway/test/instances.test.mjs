// Several gateway instances on one store, as an operator runs them behind a load balancer: three
// Node processes on one PostgreSQL database, and two workerd isolates on one Durable Object
// namespace. A change acknowledged by any instance is honoured by every instance on the very next
// request; concurrent writes through all of them are never lost, even when one is SIGKILLed.
// Also: the embedded SQLite store refuses a second process, imports an earlier state.json, the
// shared store refuses to start without shared secrets, and an unreachable database fails closed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './helpers.mjs';
import { startPostgres } from './postgres.mjs';

const { WS_MAIN, DETAIL_CONCRETE_TYPICAL, DETAIL_STEEL_TYPICAL } = h;
const detail = (id) => `/v1/workspaces/${WS_MAIN}/details/${id}`;
const get = (base, path, token) => h.http(base, 'GET', path, { token });
const mint = (base, key) => h.http(base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: key.client_id, client_secret: key.secret } });

/** The freshness checks every test below makes: `bases` are instances of one store. */
function freshnessTests(label, setup) {
  describe(`every instance honours every acknowledged change (${label})`, () => {
    let ds;
    let env;
    before(async () => {
      ds = await h.startDataService();
      env = await setup(ds);
    });
    after(async () => {
      await env?.stop();
      await ds?.stop();
    });

    it('a token minted on one instance is honoured by the others', async () => {
      const [A, ...rest] = env.bases;
      const key = await h.admin(A).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const token = await h.mintToken(A, key);
      for (const base of rest) assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), token)).status, 200, base);
    });

    it('revoked through one: the next request through every other is 401, and none mints', async () => {
      const [A, ...rest] = env.bases;
      const key = await h.admin(A).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const tokens = [];
      for (const base of rest) tokens.push(await h.mintToken(base, key));
      for (const [i, base] of rest.entries()) assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), tokens[i])).status, 200);
      assert.equal((await h.admin(A).call('POST', `/keys/${key.id}/revoke`)).status, 200);
      for (const [i, base] of rest.entries()) {
        const r = await get(base, detail(DETAIL_STEEL_TYPICAL), tokens[i]);
        assert.equal(r.status, 401, base);
        assert.match(r.headers.get('www-authenticate'), /invalid_token/);
        assert.equal((await mint(base, key)).status, 401, 'no instance mints for a revoked key');
      }
    });

    it('regenerated through one: old tokens and the old secret fail everywhere, the new secret works', async () => {
      const [A, ...rest] = env.bases;
      const key = await h.admin(A).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const old = await h.mintToken(rest[0], key);
      const regen = await h.admin(A).call('POST', `/keys/${key.id}/regenerate`);
      assert.equal(regen.status, 200);
      for (const base of rest) {
        assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), old)).status, 401);
        assert.equal((await mint(base, key)).status, 401);
        const fresh = await h.mintToken(base, { ...key, secret: regen.json.client_secret });
        assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), fresh)).status, 200);
      }
    });

    it('a grant removed or a filter edited through one narrows the next request everywhere', async () => {
      const [A, ...rest] = env.bases;
      const f = await h.admin(A).createFilter({ entity_type: 'detail', name: 'concrete', predicate_text: 'tags intersects ["concrete"]' });
      const key = await h.admin(A).createKey({ grants: [
        { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] },
        { workspace_id: WS_MAIN, filter: 'default:details', actions: ['download'] },
      ] });
      const tokens = [];
      for (const base of rest) tokens.push(await h.mintToken(base, key));
      for (const [i, base] of rest.entries()) assert.equal((await get(base, detail(DETAIL_CONCRETE_TYPICAL), tokens[i])).status, 200);
      // The filter narrowed to steel: the concrete detail is gone from every instance at once.
      assert.equal((await h.admin(A).call('PATCH', `/filters/${f.id}`, { predicate_text: 'tags intersects ["steel"]' })).status, 200);
      for (const [i, base] of rest.entries()) {
        assert.equal((await get(base, detail(DETAIL_CONCRETE_TYPICAL), tokens[i])).status, 404);
        assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), tokens[i])).status, 200);
      }
      const grant = (await h.admin(A).call('GET', `/keys/${key.id}`)).json.key.grants.find((g) => g.filter === f.id);
      assert.equal((await h.admin(A).call('DELETE', `/keys/${key.id}/grants/${grant.id}`)).status, 200);
      for (const [i, base] of rest.entries()) assert.equal((await get(base, detail(DETAIL_STEEL_TYPICAL), tokens[i])).status, 404);
    });

    it('an admin revoked through one is refused by every other', async () => {
      const [A, ...rest] = env.bases;
      const made = await h.admin(A).call('POST', '/admins', { firm_id: h.FIRM, name: 'short-lived' });
      assert.equal(made.status, 201);
      for (const base of rest) assert.equal((await h.admin(base, made.json.token).call('GET', '/keys')).status, 200);
      assert.equal((await h.admin(A).call('POST', `/admins/${made.json.admin.id}/revoke`)).status, 200);
      for (const base of rest) assert.equal((await h.admin(base, made.json.token).call('GET', '/keys')).status, 401);
    });

    it('an idempotent retry on another instance replays the first answer', async () => {
      const [A, B] = env.bases;
      const headers = { 'idempotency-key': `retry-${Math.random()}` };
      const body = { firm_id: h.FIRM, name: 'made once', grants: [] };
      const first = await h.admin(A).call('POST', '/keys', body, headers);
      assert.equal(first.status, 201);
      const again = await h.admin(B).call('POST', '/keys', body, headers);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotency-replayed'), 'true');
      assert.equal(again.json.key.id, first.json.key.id);
      assert.equal(again.json.client_secret, first.json.client_secret);
      const named = (await h.admin(A).call('GET', '/keys')).json.keys.filter((k) => k.id === first.json.key.id);
      assert.equal(named.length, 1);
    });

    it('concurrent requests with one Idempotency-Key on every instance make one change', async () => {
      const headers = { 'idempotency-key': `race-${Math.random()}` };
      const body = { firm_id: h.FIRM, name: `raced ${Math.random()}`, grants: [] };
      const answers = await Promise.all(env.bases.flatMap((base) => [0, 1, 2].map(() => h.admin(base).call('POST', '/keys', body, headers))));
      const made = answers.filter((r) => r.status === 201);
      assert.ok(made.length >= 1);
      for (const r of answers) assert.ok(r.status === 201 || (r.status === 409 && r.json.error.code === 'idempotency_key_in_use'), `${r.status} ${r.text}`);
      assert.equal(new Set(made.map((r) => r.json.key.id)).size, 1, 'every 201 is the same key');
      const named = (await h.admin(env.bases[0]).call('GET', '/keys')).json.keys.filter((k) => k.name === body.name);
      assert.equal(named.length, 1);
    });
  });
}

async function nodeInstances(n, ds, { dbUrl, extraEnv = {} } = {}) {
  const gws = [];
  for (let i = 0; i < n; i++) {
    gws.push(await h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { DATABASE_URL: dbUrl, ...extraEnv } }));
  }
  return gws;
}

let pg = null;
async function cluster() {
  pg ??= await h.postgres();
  return pg;
}

freshnessTests('three Node gateways on one PostgreSQL', async (ds) => {
  const db = await (await cluster()).database(`instances_${process.pid}`);
  const gws = await nodeInstances(3, ds, { dbUrl: db });
  return { bases: gws.map((g) => g.base), stop: () => Promise.all(gws.map((g) => g.stop())) };
});

// With the longest lease an isolate may hold: each check above is then answered from a lease the
// other isolate's write has to wait out before it is acknowledged.
freshnessTests('two workerd isolates on one Durable Object namespace, leases of 1 s', async (ds) => {
  const gw = await h.startGateway({ runtime: 'workerd', dataUrl: ds.url, env: { STATE_LEASE_MS: '1000' } });
  return { bases: [gw.base, gw.base2], stop: async () => { await gw.stop(); h.removeDir(gw.dir); } };
});

describe('workerd leases: the requests within a lease make no call to the store', () => {
  let ds;
  before(async () => { ds = await h.startDataService(); });
  after(async () => { await ds?.stop(); });

  /** Store checks made by `n` GETs one after another through the second isolate, and the time they took. */
  async function checksOf(gw, n) {
    const key = await h.admin(gw.base).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
    const token = await h.mintToken(gw.base2, key);
    const status = async () => (await h.admin(gw.base2).call('GET', '/status')).json.freshness;
    const before = await status();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) assert.equal((await get(gw.base2, detail(DETAIL_STEEL_TYPICAL), token)).status, 200);
    const elapsed = performance.now() - t0;
    const after = await status();
    return { lease: after.lease_ms, checks: after.store_checks - before.store_checks, elapsed };
  }

  for (const [leaseMs, expect] of [
    ['1000', ({ checks, elapsed }) => {
      // Sequential requests: a check when the lease has ended, a renewal once half of it passed;
      // the operator's status call after them checks every firm (there are two).
      assert.ok(checks <= 2 * Math.ceil(elapsed / 500) + 2, `${checks} checks in ${Math.round(elapsed)} ms`);
    }],
    ['0', ({ checks }) => assert.ok(checks >= 40, `${checks} checks for 40 requests`)],
  ]) {
    it(`STATE_LEASE_MS=${leaseMs}: status shows the lease, and the checks follow it`, async () => {
      const gw = await h.startGateway({ runtime: 'workerd', dataUrl: ds.url, env: { STATE_LEASE_MS: leaseMs } });
      try {
        const got = await checksOf(gw, 40);
        assert.equal(got.lease, Number(leaseMs));
        expect(got);
      } finally {
        await gw.stop();
        h.removeDir(gw.dir);
      }
    });
  }
});

describe('concurrent admin writes through three instances, one SIGKILLed', () => {
  let ds;
  before(async () => { ds = await h.startDataService(); });
  after(async () => { await ds?.stop(); });

  it('every acknowledged write and its audit entry survive; the others keep serving', async () => {
    const db = await (await cluster()).database(`kill_${process.pid}`);
    let gws = await nodeInstances(3, ds, { dbUrl: db });
    const acked = [];
    const ackedByVictim = [];
    const failedOnSurvivors = [];
    const victim = 2;
    let killed = false;
    let issued = 0;
    // 24 clients, 8 per instance, each writing one filter after another: 300 writes in all. Once
    // 100 are acknowledged, the third instance is SIGKILLed with writes in flight.
    const writes = Array.from({ length: 24 }, async (_, c) => {
      const at = c % 3;
      while (issued < 300) {
        const i = issued++;
        const r = await h.admin(gws[at].base).call('POST', '/filters', {
          workspace_id: WS_MAIN, entity_type: 'detail', name: `w${i}`, predicate_text: `tags intersects ["t${i}"]`,
        }).catch((err) => ({ status: 0, err }));
        if (r.status === 201) {
          acked.push(r.json.filter.id);
          if (at === victim) ackedByVictim.push(r.json.filter.id);
        } else if (at !== victim || !killed) {
          failedOnSurvivors.push(`${i}@${at}: ${r.status} ${r.text ?? r.err}`);
        }
        if (at === victim && killed) return;
        if (!killed && acked.length >= 100) {
          killed = true;
          gws[victim].child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(writes);
    assert.deepEqual(failedOnSurvivors, [], 'the surviving instances answered every write');
    assert.ok(acked.length >= 250 && ackedByVictim.length > 0, `${acked.length} acknowledged, ${ackedByVictim.length} by the killed one`);
    await Promise.all(gws.map((g) => g.stop()));
    gws = await nodeInstances(3, ds, { dbUrl: db });
    try {
      for (const g of gws) {
        const listed = new Set((await h.admin(g.base).call('GET', '/filters')).json.filters.map((f) => f.id));
        for (const id of acked) assert.ok(listed.has(id), `filter ${id} acknowledged but missing on ${g.base}`);
      }
      const audited = new Set();
      let cursor = null;
      do {
        const page = await h.admin(gws[0].base).call('GET', `/audit?action=filter.create&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200);
        for (const e of page.json.entries) audited.add(e.target.id);
        cursor = page.json.next_cursor;
      } while (cursor);
      for (const id of acked) assert.ok(audited.has(id), `filter ${id} has no audit entry`);
      console.log(`# ${acked.length} of 300 writes acknowledged through 3 instances (${ackedByVictim.length} by the one SIGKILLed); all present with their audit entries`);
    } finally {
      await Promise.all(gws.map((g) => g.stop()));
    }
  });
});

describe('the embedded and the shared store at start', () => {
  let ds;
  before(async () => { ds = await h.startDataService(); });
  after(async () => { await ds?.stop(); });

  const run = (dir, env) => spawnSync(process.execPath, [join(h.GATEWAY, 'src', 'node-server.mjs'), '--port', '0', '--data-dir', dir],
    { env: { ...process.env, DATA_SERVICE_URL: ds.url, ...env }, encoding: 'utf8', timeout: 20_000 });

  it('a second process on one SQLite directory refuses to start and says to use PostgreSQL', async () => {
    const gw = await h.startGateway({ dataUrl: ds.url, store: 'sqlite' });
    try {
      const second = run(gw.dir, { PORTCULLIS_ADMIN_TOKEN: h.ADMIN_TOKEN, PORTCULLIS_SECRET_KEY: h.SECRET_KEY });
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, /in use by another gateway process/);
      assert.match(second.stderr, /DATABASE_URL.*PostgreSQL/);
      assert.equal((await h.admin(gw.base).call('GET', '/keys')).status, 200, 'the first keeps serving');
    } finally {
      await gw.stop();
      h.removeDir(gw.dir);
    }
  });

  it('instances starting together on a new database migrate it once and all serve', async () => {
    const db = await (await cluster()).database(`together_${process.pid}`);
    const gws = await Promise.all([0, 1, 2].map(() => h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { DATABASE_URL: db } })));
    try {
      const key = await h.admin(gws[0].base).createKey({ grants: [] });
      for (const g of gws) assert.equal((await h.admin(g.base).call('GET', `/keys/${key.id}`)).status, 200);
    } finally {
      await Promise.all(gws.map((g) => g.stop()));
    }
  });

  it('with DATABASE_URL, no start without a shared secret key and admin tokens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-noenv-'));
    try {
      const noSecret = run(dir, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', PORTCULLIS_ADMIN_TOKEN: h.ADMIN_TOKEN, PORTCULLIS_SECRET_KEY: '' });
      assert.notEqual(noSecret.status, 0);
      assert.match(noSecret.stderr, /PORTCULLIS_SECRET_KEY must be set/);
      const noAdmin = run(dir, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', PORTCULLIS_SECRET_KEY: h.SECRET_KEY, PORTCULLIS_ADMIN_TOKEN: '', PORTCULLIS_ADMIN_TOKENS: '' });
      assert.notEqual(noAdmin.status, 0);
      assert.match(noAdmin.stderr, /PORTCULLIS_ADMIN_TOKEN/);
      assert.ok(!existsSync(join(dir, 'master.key')), 'no per-process secret was made');
    } finally {
      h.removeDir(dir);
    }
  });

  it('an earlier state.json is imported once, on the first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-import-'));
    // Made by a gateway of the earlier format: written here as that gateway wrote it.
    const secret = 'pcs_live_imported-secret-0123456789';
    const { createHash } = await import('node:crypto');
    const secretHash = createHash('sha256').update(secret).digest('base64url');
    const doc = {
      format: 1, seq: 3,
      filters: { flt_old: { id: 'flt_old', workspace_id: WS_MAIN, entity_type: 'detail', name: 'old concrete', description: null,
        predicate: null, predicate_text: 'tags intersects ["concrete"]', archived: false, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' } },
      keys: { key_old: { id: 'key_old', name: 'old key', firm_id: h.FIRM, environment: 'live', client_id: 'pcid_live_oldclient', secret_gen: 1,
        secret_hash: secretHash, secret_enc: 'x', created_at: '2026-01-01T00:00:00.000Z', created_by: 'operator:admin', revoked: false,
        allowed_ips: null, grants: [{ id: 'grt_old', workspace_id: WS_MAIN, filter: 'flt_old', actions: ['read'] }] } },
      admins: {}, tokens: {},
      audit: [{ id: 'aud_00000001', at: '2026-01-01T00:00:00.000Z', actor: 'admin', actor_id: 'operator:admin', action: 'key.create', target: { type: 'key', id: 'key_old', name: 'old key' } }],
      idempotency: {}, last_used: { key_old: '2026-01-02T00:00:00.000Z' },
    };
    // Predicates are stored in the JSON form; the engine's validation gives it.
    const { validate } = await import('../../pkg/node.mjs');
    doc.filters.flt_old.predicate = validate({ entity_type: 'detail', name: 'x', predicate_text: 'tags intersects ["concrete"]' }).predicate;
    writeFileSync(join(dir, 'state.json'), JSON.stringify(doc));
    let gw = await h.startGateway({ dataUrl: ds.url, dir, store: 'sqlite' });
    try {
      const key = (await h.admin(gw.base).call('GET', '/keys/key_old')).json.key;
      assert.equal(key.name, 'old key');
      assert.equal(key.last_used_at, '2026-01-02T00:00:00.000Z');
      const token = await h.mintToken(gw.base, { client_id: 'pcid_live_oldclient', secret });
      assert.equal((await get(gw.base, detail(DETAIL_CONCRETE_TYPICAL), token)).status, 200);
      assert.equal((await get(gw.base, detail(DETAIL_STEEL_TYPICAL), token)).status, 404);
      const log = (await h.admin(gw.base).call('GET', '/audit?target_id=key_old')).json.entries;
      assert.deepEqual(log.map((e) => [e.action, e.firm_id]), [['key.create', h.FIRM]]);
      assert.ok(existsSync(join(dir, 'state.json.imported')) && !existsSync(join(dir, 'state.json')));
      await gw.stop();
      gw = await h.startGateway({ dataUrl: ds.url, dir, store: 'sqlite' });
      assert.equal((await h.admin(gw.base).call('GET', '/audit?target_id=key_old')).json.entries.length, 1, 'imported once');
    } finally {
      await gw.stop();
      h.removeDir(dir);
    }
  });

  it('a PostgreSQL that cannot be reached fails closed: 503, never an answer from stale state', async () => {
    const own = await startPostgres();
    let gw;
    try {
      gw = await h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { DATABASE_URL: own.url } });
      const key = await h.admin(gw.base).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const token = await h.mintToken(gw.base, key);
      assert.equal((await get(gw.base, detail(DETAIL_STEEL_TYPICAL), token)).status, 200);
      own.stop();
      const r = await get(gw.base, detail(DETAIL_STEEL_TYPICAL), token);
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'unavailable');
      assert.equal((await mint(gw.base, key)).status, 503);
      assert.equal((await h.admin(gw.base).call('GET', '/keys')).status, 503);
      // Health says so, and nothing more.
      const health = await h.http(gw.base, 'GET', '/healthz');
      assert.deepEqual([health.status, health.text], [503, '{"ok":false}']);
    } finally {
      await gw?.stop();
    }
  });
});
