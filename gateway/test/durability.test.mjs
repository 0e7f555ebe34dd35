// Durability and concurrency of the admin store, on both runtimes, each with its own store:
//   Node:    state/sqlite.mjs, DIR/state.sqlite (WAL, synchronous=FULL: fsync on commit), or
//            state/postgres.mjs with GATEWAY_STORE=postgres (a committed transaction);
//   workerd: state/durable-object.mjs, one SQLite-backed Durable Object per firm in DIR (WAL,
//            fsync on commit; the object's answer waits for the commit). workerd's plain `disk`
//            service is not used: it renames without fsync (see README).
//
// Durability: streams of admin writes run against the gateway; at a random moment the process
// is killed with SIGKILL; it is restarted on the same data directory and every write that was
// acknowledged (2xx received) must be there, with the store readable. Repeated ROUNDS times.
// Concurrency: many parallel writes, including read-modify-writes of one key, none lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './helpers.mjs';

const RUNTIMES = [
  { runtime: 'node', store: h.NODE_STORE, rounds: Number(process.env.DURABILITY_ROUNDS ?? 20) },
  { runtime: 'workerd', store: 'durable-object', rounds: Number(process.env.DURABILITY_ROUNDS_WORKERD ?? 8) },
];
const { WS_MAIN } = h;

for (const { runtime, store, rounds: ROUNDS } of RUNTIMES) describe(`admin store durability and concurrency (${runtime}, ${store} store)`, () => {
  let ds;
  let dir;
  before(async () => {
    ds = await h.startDataService({ size: 1300 });
    dir = mkdtempSync(join(tmpdir(), `portcullis-durability-${runtime}-`));
  });
  after(async () => {
    await ds?.stop();
    if (dir) h.removeDir(dir);
  });

  it(`the ${runtime} gateway keeps its state in the ${store} store`, async () => {
    const gw = await h.startGateway({ runtime, dataUrl: ds.url });
    try {
      assert.equal((await h.admin(gw.base).call('GET', '/status')).json.store, store);
      const key = await h.admin(gw.base).createKey({ name: 'where is it', grants: [] });
      assert.ok((await h.storedState(gw)).includes(key.id));
      if (store === 'sqlite') assert.ok(existsSync(join(gw.dir, 'state.sqlite')));
      if (store === 'durable-object') {
        // One Durable Object per firm, each its own SQLite database (metadata.sqlite is
        // workerd's own), and the operator's (its idempotency records and its rate-limit counts,
        // made by the operator's key creation above): the key is in its firm's alone.
        const at = join(gw.dir, 'portcullis-gateway-firms');
        const sqlite = readdirSync(at).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
        const firms = (await h.admin(gw.base).call('GET', '/firms')).json.firms;
        assert.equal(sqlite.length, firms.length + 1, sqlite.join(', '));
        const text = (f) => (existsSync(f) ? readFileSync(f, 'latin1') : '');
        const holding = sqlite.filter((f) => (text(join(at, f)) + text(join(at, `${f}-wal`))).includes(key.id));
        assert.equal(holding.length, 1);
      }
    } finally {
      await gw.stop();
      h.removeDir(gw.dir);
    }
  });

  it(`every acknowledged write survives SIGKILL (${ROUNDS} rounds)`, async () => {
    const ackedFilters = new Set();
    const ackedGrants = new Set();
    const ackedArchives = new Set();
    let keyId = null;
    let kills = 0;
    let live = null; // the running gateway, killed on the way out if an assertion fails
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const gw = await h.startGateway({ runtime, dataUrl: ds.url, dir });
        live = gw;
        const a = h.admin(gw.base);
        // Everything acknowledged before this kill (and in earlier rounds) must be here now.
        const filters = new Map((await a.call('GET', '/filters?include_archived=true')).json.filters.map((f) => [f.id, f]));
        for (const id of ackedFilters) assert.ok(filters.has(id), `round ${round}: acknowledged filter ${id} lost`);
        for (const id of ackedArchives) assert.equal(filters.get(id).archived, true, `round ${round}: acknowledged archive of ${id} lost`);
        if (keyId) {
          const key = (await a.call('GET', `/keys/${keyId}`)).json.key;
          const have = new Set(key.grants.map((g) => g.id));
          for (const id of ackedGrants) assert.ok(have.has(id), `round ${round}: acknowledged grant ${id} lost`);
        } else {
          keyId = (await a.createKey({ name: 'durability', grants: [] })).id;
        }

        // Three writers, then a SIGKILL at a random moment while they are mid-stream.
        let stop = false;
        const writer = async (fn) => {
          while (!stop) {
            try {
              await fn();
            } catch {
              return; // the connection died with the process
            }
          }
        };
        const streams = [
          writer(async () => {
            const r = await a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'stash', name: `r${round}`, predicate_text: 'is_permanent eq true' });
            if (r.status === 201) ackedFilters.add(r.json.filter.id);
          }),
          writer(async () => {
            const r = await a.call('POST', `/keys/${keyId}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] });
            if (r.status === 201) ackedGrants.add(r.json.key.grants.at(-1).id);
            // The key holds as many grants as it may (too_many_grants): nothing more to add.
            else if (r.status === 422) return new Promise((ok) => setTimeout(ok, 20));
          }),
          writer(async () => {
            const candidates = [...ackedFilters].filter((id) => !ackedArchives.has(id));
            if (candidates.length === 0) return new Promise((ok) => setTimeout(ok, 5));
            const id = candidates[0];
            const r = await a.call('POST', `/filters/${id}/archive`);
            if (r.status === 200) ackedArchives.add(id);
          }),
        ];
        // Killed mid-stream: once a write of this round was acknowledged (a round with none would
        // prove nothing), at a random moment after.
        const acked = () => ackedFilters.size + ackedGrants.size + ackedArchives.size;
        const before = acked();
        for (let waited = 0; acked() === before && waited < 5000; waited += 5) await new Promise((ok) => setTimeout(ok, 5));
        await new Promise((ok) => setTimeout(ok, 40 + Math.floor(Math.random() * 200)));
        gw.child.kill('SIGKILL');
        kills += 1;
        await new Promise((ok) => gw.child.once('exit', ok));
        stop = true;
        await Promise.all(streams);
      }
    } finally {
      if (live && live.child.exitCode === null && live.child.signalCode === null) live.child.kill('SIGKILL');
    }
    // A final start proves the last kill too left a readable, complete store.
    const gw = await h.startGateway({ runtime, dataUrl: ds.url, dir });
    try {
      const a = h.admin(gw.base);
      const filters = new Map((await a.call('GET', '/filters?include_archived=true')).json.filters.map((f) => [f.id, f]));
      for (const id of ackedFilters) assert.ok(filters.has(id), `acknowledged filter ${id} lost`);
      for (const id of ackedArchives) assert.equal(filters.get(id).archived, true);
      const have = new Set((await a.call('GET', `/keys/${keyId}`)).json.key.grants.map((g) => g.id));
      for (const id of ackedGrants) assert.ok(have.has(id), `acknowledged grant ${id} lost`);
      assert.equal(kills, ROUNDS);
      assert.ok(ackedFilters.size >= ROUNDS, `writes were acknowledged in the rounds (${ackedFilters.size})`);
      console.log(`# durability (${runtime}): ${kills} SIGKILLs, ${ackedFilters.size} filters, ${ackedGrants.size} grants, ${ackedArchives.size} archives acknowledged, none lost`);
    } finally {
      await gw.stop();
    }
  });

  it('parallel admin writes never lose one another', async () => {
    const gw = await h.startGateway({ runtime, dataUrl: ds.url });
    try {
      const a = h.admin(gw.base);
      const key = await a.createKey({ name: 'concurrency', grants: [] });
      const N = 120;
      // As many grants as a key may hold (the engine's limit), up to N.
      const G = Math.min(N, (await a.call('GET', '/schema')).json.schema.limits.max_grants_per_key ?? N);
      // Filter creates, grant additions to ONE key (read-modify-write of the same record), and
      // reveals (audit entries), all at once.
      const results = await Promise.all([
        ...Array.from({ length: N }, (_, i) => a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: `parallel ${i}`, predicate_text: `type eq "t${i}"` })),
        ...Array.from({ length: G }, () => a.call('POST', `/keys/${key.id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] })),
        ...Array.from({ length: 30 }, () => a.call('POST', `/keys/${key.id}/reveal`)),
      ]);
      for (const r of results) assert.ok(r.status === 201 || r.status === 200, r.text);
      const names = new Set((await a.call('GET', '/filters')).json.filters.filter((f) => f.name.startsWith('parallel ')).map((f) => f.name));
      assert.equal(names.size, N);
      const grants = (await a.call('GET', `/keys/${key.id}`)).json.key.grants;
      assert.equal(grants.length, G);
      assert.equal(new Set(grants.map((g) => g.id)).size, G);
      const reveals = (await a.call('GET', `/audit?action=key.reveal&target_id=${key.id}&limit=500`)).json.entries;
      assert.equal(reveals.length, 30);

      // And all of it is on disk: a restart on the same directory sees the same.
      await gw.stop();
      const again = await h.startGateway({ runtime, dataUrl: ds.url, dir: gw.dir });
      try {
        const b = h.admin(again.base);
        assert.equal((await b.call('GET', `/keys/${key.id}`)).json.key.grants.length, G);
        assert.equal((await b.call('GET', '/filters')).json.filters.filter((f) => f.name.startsWith('parallel ')).length, N);
      } finally {
        await again.stop();
      }
    } finally {
      await gw.stop();
      h.removeDir(gw.dir);
    }
  });
});
