// The admin API behind the Settings pages (issue 20) over real HTTP: the audit log filtered by key
// and by filter, the keys holding each filter by name, the preview of a predicate alone, and the
// key view's grant summary. Firm admins of two firms and the operator; run on Node (the store of
// GATEWAY_STORE) and on workerd (Durable Objects).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as h from './helpers.mjs';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../src/state/rows.mjs';

const { WS_MAIN, WS_OTHER, FIRM, FIRM_OTHER, shape } = h;
const TYPICAL_CONCRETE = 'project_type eq "typical" AND tags intersects ["concrete"]';

for (const runtime of ['node', 'workerd']) {
  describe(`settings pages' admin API on ${runtime}`, () => {
    let ds;
    let gw;
    let op; // the operator
    let acme; // firm admin of FIRM
    let other; // firm admin of FIRM_OTHER

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url });
      op = h.admin(gw.base);
      const mk = async (firm_id, name) => {
        const r = await op.call('POST', '/admins', { firm_id, name });
        assert.equal(r.status, 201, r.text);
        return h.admin(gw.base, r.json.token);
      };
      acme = await mk(FIRM, 'Acme admin');
      other = await mk(FIRM_OTHER, 'Other admin');
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    const entries = async (who, query) => {
      const r = await who.call('GET', `/audit?${query}`);
      assert.equal(r.status, 200, `${query}: ${r.text}`);
      return r.json.entries;
    };
    const actions = (list) => list.map((e) => [e.action, e.target.id]);

    it('audit: by key_id and filter_id (grants of it included), scoped to the firm, paged with the cursor', async () => {
      const f = await acme.createFilter({ entity_type: 'detail', name: 'Audited steel', predicate_text: 'type eq "steel"' });
      const g = await acme.createFilter({ entity_type: 'detail', name: 'Audited concrete', predicate_text: 'type eq "concrete"' });
      const k1 = await acme.createKey({ name: 'Holds F from the start', grants: [
        { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }, { workspace_id: WS_MAIN, filter: g.id, actions: ['read', 'write'] },
      ] });
      const k2 = await acme.createKey({ name: 'Given F, then not', grants: [] });
      const add = await acme.call('POST', `/keys/${k2.id}/grants`, { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] });
      assert.equal(add.status, 201, add.text);
      assert.equal((await acme.call('DELETE', `/keys/${k2.id}/grants/${add.json.key.grants[0].id}`)).status, 200);
      const k3 = await acme.createKey({ name: 'Unrelated', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      assert.equal((await acme.call('PATCH', `/filters/${f.id}`, { description: 'edited' })).status, 200);
      // Another firm's filter and key, granted alike.
      const fB = await other.createFilter({ workspace_id: WS_OTHER, entity_type: 'detail', name: 'Other steel', predicate_text: 'type eq "steel"' });
      const kB = await other.createKey({ name: 'Other key', grants: [{ workspace_id: WS_OTHER, filter: fB.id, actions: ['read'] }] });

      const byFilter = await entries(acme, `filter_id=${f.id}`);
      assert.deepEqual(actions(byFilter), [
        ['filter.edit', f.id], ['key.grant_remove', k2.id], ['key.grant_add', k2.id], ['key.create', k1.id], ['filter.create', f.id],
      ]);
      const created = byFilter.find((e) => e.action === 'key.create');
      assert.deepEqual(created.details.grants, [
        { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }, { workspace_id: WS_MAIN, filter: g.id, actions: ['read', 'write'] },
      ]);
      assert.deepEqual(created.filter_ids, [f.id, g.id]);
      assert.deepEqual(byFilter.find((e) => e.action === 'key.grant_add').details, { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] });
      assert.deepEqual(byFilter.find((e) => e.action === 'filter.create').filter_ids, [f.id]);
      assert.deepEqual(actions(await entries(acme, `filter_id=${g.id}`)), [['key.create', k1.id], ['filter.create', g.id]]);

      assert.deepEqual(actions(await entries(acme, `key_id=${k2.id}`)), [['key.grant_remove', k2.id], ['key.grant_add', k2.id], ['key.create', k2.id]]);
      assert.deepEqual(actions(await entries(acme, `key_id=${k2.id}&filter_id=${f.id}`)), [['key.grant_remove', k2.id], ['key.grant_add', k2.id]]);
      assert.deepEqual(actions(await entries(acme, `filter_id=${f.id}&action=key.grant_add`)), [['key.grant_add', k2.id]]);
      assert.deepEqual(await entries(acme, `key_id=${f.id}`), [], 'a filter id names no key');
      assert.deepEqual(await entries(acme, `filter_id=${k1.id}`), [], 'a key id names no filter');
      assert.deepEqual(actions(await entries(acme, `filter_id=default:details`)), [['key.create', k3.id]]);

      // Another firm's ids match nothing for a firm admin; the operator sees every firm's.
      assert.deepEqual(await entries(other, `filter_id=${f.id}`), []);
      assert.deepEqual(await entries(other, `key_id=${k1.id}`), []);
      assert.deepEqual(await entries(acme, `filter_id=${fB.id}`), []);
      assert.deepEqual(await entries(acme, `key_id=${kB.id}`), []);
      assert.deepEqual(actions(await entries(other, `filter_id=${fB.id}`)), [['key.create', kB.id], ['filter.create', fB.id]]);
      assert.deepEqual(actions(await entries(op, `filter_id=${f.id}`)), actions(byFilter));
      assert.deepEqual(actions(await entries(op, `key_id=${kB.id}`)), [['key.create', kB.id]]);

      // Pages under a filter: the same entries, newest first, whatever the page size.
      const seen = [];
      let cursor = null;
      let pages = 0;
      do {
        const r = await acme.call('GET', `/audit?filter_id=${f.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(r.status, 200, r.text);
        assert.ok(r.json.entries.length <= 2);
        seen.push(...r.json.entries.map((e) => e.id));
        cursor = r.json.next_cursor;
        pages += 1;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, byFilter.map((e) => e.id));
      const one = await acme.call('GET', `/audit?filter_id=${f.id}&limit=1`);
      const rest = await entries(acme, `filter_id=${f.id}&key_id=${k2.id}&cursor=${one.json.next_cursor}`);
      assert.deepEqual(actions(rest), [['key.grant_remove', k2.id], ['key.grant_add', k2.id]], 'a cursor with other filters');
    });

    it('audit: bad parameters are 400s with a stable code, never a 500', async () => {
      const bad = [
        ['filter_id=a&filter_id=b', 'invalid_query'], ['key_id=a&key_id=a', 'invalid_query'], ['keyid=a', 'invalid_query'],
        ['key_id=', 'invalid_query'], ['filter_id=', 'invalid_query'], [`key_id=${'k'.repeat(201)}`, 'invalid_query'],
        ['filter_id=flt_%00', 'invalid_query'], ['action=key.create%0a', 'invalid_query'], ['actor_id=%7f', 'invalid_query'],
        ['limit=0', 'invalid_limit'], ['limit=ten', 'invalid_limit'], ['limit=-1', 'invalid_limit'], ['limit=1&limit=2', 'invalid_query'],
        ['cursor=aud_1', 'invalid_cursor'], ['cursor=a&cursor=b', 'invalid_query'],
      ];
      for (const [query, code] of bad) {
        for (const who of [op, acme]) {
          const r = await who.call('GET', `/audit?${query}`);
          assert.equal(r.status, 400, `${query}: ${r.text}`);
          assert.equal(r.json.error.code, code, query);
          assert.ok(r.json.error.message.length > 0);
        }
      }
      // At the bounds: still a query, which matches nothing.
      assert.deepEqual(await entries(acme, `key_id=${'k'.repeat(200)}&filter_id=__proto__`), []);
      assert.equal((await acme.call('GET', '/audit?limit=100000')).status, 200, 'a large limit is capped, not refused');
    });

    it('held_by names the keys holding a filter (revoked ones as revoked), in every filter answer', async () => {
      const f = await acme.createFilter({ entity_type: 'detail', name: 'Held steel', predicate_text: 'type eq "steel"' });
      assert.deepEqual(f.held_by, []);
      const grant = [{ workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }];
      const zeta = await acme.createKey({ name: 'Zeta', grants: grant });
      const alpha = await acme.createKey({ name: 'alpha', grants: grant });
      const beta = await acme.createKey({ name: 'Beta', grants: grant });
      const beta2 = await acme.createKey({ name: 'Beta', grants: grant });
      await acme.createKey({ name: 'Not holding', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      assert.equal((await acme.call('POST', `/keys/${beta.id}/revoke`)).status, 200);
      const betas = [beta, beta2].sort((x, y) => (x.id < y.id ? -1 : 1));
      const expected = [
        { id: betas[0].id, name: 'Beta', revoked: betas[0] === beta }, { id: betas[1].id, name: 'Beta', revoked: betas[1] === beta },
        { id: zeta.id, name: 'Zeta', revoked: false }, { id: alpha.id, name: 'alpha', revoked: false },
      ];

      const got = (await acme.call('GET', `/filters/${f.id}`)).json.filter;
      assert.equal(got.keys_holding, 4);
      assert.deepEqual(got.held_by, expected);
      assert.deepEqual((await op.call('GET', `/filters/${f.id}`)).json.filter.held_by, expected);
      const listed = (await acme.call('GET', `/filters?workspace_id=${WS_MAIN}`)).json.filters.find((x) => x.id === f.id);
      assert.deepEqual(listed.held_by, expected);
      const dry = await acme.call('PATCH', `/filters/${f.id}?dry_run=true`, { predicate_text: 'type eq "concrete"' });
      assert.equal(dry.status, 200);
      assert.equal(dry.json.keys_affected, 4);
      assert.deepEqual(dry.json.held_by, expected);
      const edit = await acme.call('PATCH', `/filters/${f.id}`, { name: 'Held steel (edited)' });
      assert.equal(edit.status, 200);
      assert.deepEqual(edit.json.filter.held_by, expected);
      // A grant removed: no longer holding.
      const zetaGrant = (await acme.call('GET', `/keys/${zeta.id}`)).json.key.grants[0].id;
      assert.equal((await acme.call('DELETE', `/keys/${zeta.id}/grants/${zetaGrant}`)).status, 200);
      const archived = await acme.call('POST', `/filters/${f.id}/archive`);
      assert.equal(archived.status, 200);
      assert.deepEqual(archived.json.filter.held_by, expected.filter((k) => k.id !== zeta.id));
      assert.equal(archived.json.filter.keys_holding, 3);

      // Another firm's admin: the filter is a missing one, and no key name of this firm shows.
      const theirs = await other.call('GET', `/filters/${f.id}`);
      assert.equal(theirs.status, 404);
      assert.equal(shape(theirs), shape(await other.call('GET', '/filters/flt_doesnotexist')));
      const otherList = await other.call('GET', '/filters?include_archived=true');
      for (const name of ['Zeta', 'alpha', 'Beta']) assert.ok(!otherList.text.includes(`"${name}"`), name);
      assert.ok(otherList.json.filters.filter((x) => !x.system).every((x) => x.held_by.every((k) => k.name === 'Other key')));
    });

    it('a predicate previews alone, answering what the filter preview answers; the filter preview still needs a name', async () => {
      const ok = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: TYPICAL_CONCRETE });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.json, { count: h.CONCRETE_TYPICAL_COUNT, truncated: false, display: '1,247' });
      const named = await acme.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'x', predicate_text: TYPICAL_CONCRETE });
      assert.equal(named.text, ok.text, 'the same answer as a named filter\'s preview');
      const asJson = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail',
        predicate: { and: [{ attr: 'project_type', op: 'eq', value: 'typical' }, { attr: 'tags', op: 'intersects', value: ['concrete'] }] } });
      assert.deepEqual(asJson.json, ok.json);

      const nameless = await acme.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: TYPICAL_CONCRETE });
      assert.equal(nameless.status, 422);
      assert.equal(nameless.json.error.code, 'invalid_filter');
      assert.deepEqual(nameless.json.error.diagnostics.map((d) => d.code), ['name_required']);

      const tag = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'tag', predicate_text: 'name eq "x"' });
      assert.equal(tag.status, 422);
      assert.equal(tag.json.error.code, 'preview_not_supported');
      assert.deepEqual(tag.json.error.diagnostics.map((d) => d.code), ['preview_not_supported']);
      const unsearchable = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail',
        predicate: { attr: 'project_id', op: 'eq', value: h.PROJECT_MAIN } });
      assert.equal(unsearchable.status, 422);
      assert.equal(unsearchable.json.error.code, 'not_searchable');
      const invalid = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: 'type eq' });
      assert.equal(invalid.status, 422);
      assert.equal(invalid.json.error.code, 'invalid_filter');
      assert.deepEqual(invalid.json.error.diagnostics.map((d) => d.code), ['syntax_error'], 'only the predicate\'s: no name_required');
      assert.equal(invalid.json.error.diagnostics[0].location.path, '$.predicate_text');
      assert.deepEqual([invalid.json.error.diagnostics[0].location.span.start, invalid.json.error.diagnostics[0].location.span.end], [7, 7]);
      const unknownType = await acme.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'widget', predicate_text: 'type eq "x"' });
      assert.equal(unknownType.status, 422);
      assert.ok(unknownType.json.error.diagnostics.some((d) => d.code === 'unknown_entity_type'));

      const base = { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: TYPICAL_CONCRETE };
      for (const [body, status, code] of [
        [{ ...base, name: 'x' }, 400, 'unknown_field'],
        [{ ...base, description: 'x' }, 400, 'unknown_field'],
        [{ ...base, predicate: { attr: 'type', op: 'eq', value: 'x' } }, 400, 'invalid_body'],
        [{ workspace_id: WS_MAIN, entity_type: 'detail' }, 400, 'invalid_body'],
        [{ ...base, entity_type: 7 }, 400, 'invalid_body'],
        [{ ...base, workspace_id: h.MISSING_ID }, 422, 'unknown_workspace'],
      ]) {
        const r = await acme.call('POST', '/predicates/preview', body);
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.json.error.code, code);
      }
      // Another firm's workspace: the same answer as one that does not exist.
      const foreign = await other.call('POST', '/predicates/preview', base);
      assert.equal(foreign.status, 422);
      assert.equal(shape(foreign), shape(await other.call('POST', '/predicates/preview', { ...base, workspace_id: h.MISSING_ID })));
      assert.equal((await acme.call('GET', '/predicates/preview')).status, 404);
    });

    it('keys: each grant names its filter, its entity type and its workspace; include_revoked=false', async () => {
      const ws = (await acme.call('GET', '/workspaces')).json.workspaces.find((w) => w.id.toLowerCase() === WS_MAIN);
      const f = await acme.createFilter({ entity_type: 'family', name: 'Summarised families', predicate_text: 'name eq "x"' });
      const k = await acme.createKey({ name: 'Summarised', grants: [
        { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] },
        { workspace_id: WS_MAIN, filter: 'default:stashes', actions: ['read'] },
        { filter: 'default:any', actions: ['read'] },
      ] });
      const want = [
        { workspace_id: WS_MAIN, workspace_name: ws.name, filter: f.id, filter_name: 'Summarised families', entity_type: 'family', actions: ['read'] },
        { workspace_id: WS_MAIN, workspace_name: ws.name, filter: 'default:stashes', filter_name: 'default:stashes', entity_type: 'stash', actions: ['read'] },
        { workspace_id: null, workspace_name: null, filter: 'default:any', filter_name: 'default:any', entity_type: null, actions: ['read'] },
      ];
      const strip = (grants) => grants.map(({ id, ...rest }) => rest);
      assert.deepEqual(strip(k.grants), want, 'the create answer');
      assert.deepEqual(strip((await acme.call('GET', `/keys/${k.id}`)).json.key.grants), want);
      assert.deepEqual(strip((await acme.call('GET', '/keys')).json.keys.find((x) => x.id === k.id).grants), want);

      const gone = await acme.createKey({ name: 'Revoked one', grants: [] });
      assert.equal((await acme.call('POST', `/keys/${gone.id}/revoke`)).status, 200);
      const live = (await acme.call('GET', '/keys?include_revoked=false')).json.keys;
      assert.ok(live.length > 0 && live.every((x) => !x.revoked) && live.some((x) => x.id === k.id));
      assert.ok((await acme.call('GET', '/keys')).json.keys.some((x) => x.id === gone.id), 'revoked ones listed by default');
      assert.ok((await acme.call('GET', '/keys?include_revoked=true')).json.keys.some((x) => x.id === gone.id));
      for (const q of ['include_revoked=no', 'include_revoked=false&include_revoked=true', 'revoked=false']) {
        const r = await acme.call('GET', `/keys?${q}`);
        assert.equal(r.status, 400, q);
        assert.equal(r.json.error.code, 'invalid_query');
      }
    });
  });
}

describe('audit references of entries written before they were recorded', () => {
  let ds;
  before(async () => {
    ds = await h.startDataService();
  });
  after(async () => {
    await ds?.stop();
  });

  it(`a store at migration 1 (${h.NODE_STORE}) is migrated: its entries are found by key_id and filter_id`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-migrate-'));
    const entry = (n, action, target, details) => ({
      id: `aud_${String(1767225600000 + n).padStart(13, '0')}${String(n).padStart(12, '0')}000000`, at: new Date(1767225600000 + n).toISOString(),
      actor: 'admin', actor_id: 'operator:admin', actor_firm_id: null, source_ip: null, firm_id: FIRM, action, target, ...(details ? { details } : {}),
    });
    const old = [
      entry(1, 'filter.create', { type: 'filter', id: 'flt_old', name: 'old' }),
      entry(2, 'key.create', { type: 'key', id: 'key_old', name: 'old key' }, { grants: 1, environment: 'live' }),
      entry(3, 'key.grant_add', { type: 'key', id: 'key_old', name: 'old key' }, { filter: 'flt_old', actions: ['read'], workspace_id: WS_MAIN }),
      entry(4, 'key.grant_remove', { type: 'key', id: 'key_old', name: 'old key' }, { filter: 'default:any', actions: ['read'] }),
    ];
    // The tables as migration 1 made them, with rows written then.
    const statements = [MIGRATIONS_TABLE, ...MIGRATIONS[0], "INSERT INTO pc_migrations (version, applied_at) VALUES (1, '2026-01-01T00:00:00.000Z')",
      "INSERT INTO pc_versions (part, version) VALUES ('all', 1)"];
    const insert = 'INSERT INTO pc_audit (id, firm_id, action, target_id, actor_id, doc) VALUES ';
    if (h.NODE_STORE === 'postgres') {
      const c = new pg.Client({ connectionString: await h.databaseFor(dir) });
      await c.connect();
      for (const s of statements) await c.query(s);
      for (const e of old) await c.query(`${insert}($1, $2, $3, $4, $5, $6)`, [e.id, e.firm_id, e.action, e.target.id, e.actor_id, JSON.stringify(e)]);
      await c.end();
    } else {
      const db = new Database(join(dir, 'state.sqlite'));
      for (const s of statements) db.exec(s);
      for (const e of old) db.prepare(`${insert}(?, ?, ?, ?, ?, ?)`).run(e.id, e.firm_id, e.action, e.target.id, e.actor_id, JSON.stringify(e));
      db.close();
    }
    const gw = await h.startGateway({ dataUrl: ds.url, dir });
    try {
      const a = h.admin(gw.base);
      const ids = async (q) => (await a.call('GET', `/audit?${q}`)).json.entries.map((e) => e.id);
      assert.deepEqual(await ids('filter_id=flt_old'), [old[2].id, old[0].id], 'the grant added, and the filter\'s own');
      assert.deepEqual(await ids('filter_id=default:any'), [old[3].id]);
      assert.deepEqual(await ids('key_id=key_old'), [old[3].id, old[2].id, old[1].id]);
      // And what is written from now on is found alike.
      const k = await a.createKey({ name: 'new', grants: [{ filter: 'default:any', actions: ['read'] }] });
      assert.deepEqual((await a.call('GET', '/audit?filter_id=default:any')).json.entries.map((e) => e.target.id), [k.id, 'key_old']);
    } finally {
      await gw.stop();
      h.removeDir(dir);
    }
  });
});
