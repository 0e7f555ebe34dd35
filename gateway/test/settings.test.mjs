// The admin API behind the Settings pages (issue 20) over real HTTP: the audit log filtered by key
// and by filter, the keys holding each filter by name, the preview of a predicate alone, and the
// key view's grant summary. Firm admins of two firms and the operator; run on Node (the store of
// GATEWAY_STORE) and on workerd (Durable Objects).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as h from './helpers.mjs';
import * as engine from '../src/engine.mjs';
import { MIGRATIONS, MIGRATIONS_TABLE, MAX_PARAMS, AUDIT_BACKFILL_PAGE, auditRefs, applyMigration } from '../src/state/rows.mjs';

const { WS_MAIN, WS_OTHER, FIRM, shape } = h;
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
      ({ op, acme, other } = await h.firmAdmins(gw.base));
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

    it('a dry run is dry_run=true exactly: 1, TRUE, yes or a repeated dry_run is a 400 and the filter is unchanged', async () => {
      const f = await acme.createFilter({ entity_type: 'detail', name: 'Dry steel', predicate_text: 'type eq "steel"' });
      const edit = { name: 'Edited for real', predicate_text: 'type eq "concrete"' };
      const auditOf = async () => (await entries(acme, `filter_id=${f.id}`)).map((e) => e.id);
      const before = await auditOf();
      for (const q of ['dry_run=1', 'dry_run=TRUE', 'dry_run=True', 'dry_run=yes', 'dry_run=', 'dry_run=on', 'dry_run=0', 'dry_run',
        'dry_run=true&dry_run=true', 'dry_run=true&dry_run=false', 'dry_run=1&dry_run=true', 'dry_run=true&force=1', 'dryrun=true', 'DRY_RUN=true']) {
        for (const who of [acme, op]) {
          const r = await who.call('PATCH', `/filters/${f.id}?${q}`, edit);
          assert.equal(r.status, 400, `${q}: ${r.text}`);
          assert.equal(r.json.error.code, 'invalid_query', q);
        }
      }
      const still = (await acme.call('GET', `/filters/${f.id}`)).json.filter;
      assert.equal(still.name, 'Dry steel');
      assert.equal(still.predicate_text, f.predicate_text);
      assert.equal(still.updated_at, f.updated_at);
      assert.deepEqual(await auditOf(), before, 'no audit entry: nothing was edited');

      const dry = await acme.call('PATCH', `/filters/${f.id}?dry_run=true`, edit);
      assert.equal(dry.status, 200, dry.text);
      assert.equal(dry.json.valid, true);
      assert.equal((await acme.call('GET', `/filters/${f.id}`)).json.filter.name, 'Dry steel', 'a dry run changes nothing');
      const real = await acme.call('PATCH', `/filters/${f.id}?dry_run=false`, edit);
      assert.equal(real.status, 200, real.text);
      assert.equal((await acme.call('GET', `/filters/${f.id}`)).json.filter.name, 'Edited for real', 'dry_run=false is the edit');
    });

    it('every endpoint takes only its own query parameters, each once; booleans are true or false', async () => {
      const f = await acme.createFilter({ entity_type: 'detail', name: 'Queried steel', predicate_text: 'type eq "steel"' });
      const k = await acme.createKey({ name: 'Queried key', grants: [] });
      const adminId = (await acme.call('GET', '/me')).json.admin.id;
      const ws = `/workspaces/${WS_MAIN}`;
      // Each GET list endpoint (and the other GETs) with a parameter it does not take, and with one it takes twice.
      const bad = [
        '/me?x=1', '/firms?x=1', '/schema?x=1', '/workspaces?x=1', `/workspaces?firm_id=${FIRM}&firm_id=${FIRM}`, '/workspaces?firm_id=',
        `${ws}/entities?entity_type=detail&x=1`, `${ws}/entities?entity_type=detail&entity_type=detail`,
        `${ws}/values?entity_type=detail&attribute=type&x=1`, `${ws}/values?entity_type=detail&attribute=type&attribute=type`,
        '/audit?x=1', '/admins?x=1', '/admins?firm_id=', `/admins?firm_id=${FIRM}&firm_id=${FIRM}`, '/admins?include_revoked=true', `/admins/${adminId}?x=1`,
        '/filters?x=1', '/filters?archived=true', `/filters?workspace_id=${WS_MAIN}&workspace_id=${WS_MAIN}`, '/filters?entity_type=detail&entity_type=tag',
        '/filters?workspace_id=', '/filters?entity_type=%00', '/filters?include_archived=1', '/filters?include_archived=TRUE', '/filters?include_archived=yes',
        '/filters?include_archived=', '/filters?include_archived=true&include_archived=true', '/filters?include_revoked=true',
        `/filters/${f.id}?x=1`, `/filters/${f.id}?workspace_id=${WS_MAIN}&workspace_id=${WS_MAIN}`, `/filters/default:details?workspace_id=${WS_MAIN}&x=1`,
        '/keys?x=1', '/keys?include_archived=true', '/keys?include_revoked=1', `/keys?firm_id=${FIRM}&firm_id=${FIRM}`, '/keys?firm_id=', `/keys/${k.id}?x=1`,
      ];
      for (const path of bad) {
        for (const who of [acme, op]) {
          const r = await who.call('GET', path);
          assert.equal(r.status, 400, `GET ${path}: ${r.text}`);
          assert.equal(r.json.error.code, 'invalid_query', path);
        }
      }
      const opStatus = await op.call('GET', '/status?x=1');
      assert.equal(opStatus.status, 400, opStatus.text);
      // To a firm admin /status is no path at all, whatever its query.
      assert.equal(shape(await acme.call('GET', '/status?x=1')), shape(await acme.call('GET', '/no-such-thing?x=1')));
      // A path segment that is not valid percent-encoding names nothing: a 404, never a 500.
      for (const path of ['/filters/%E0%A4', '/keys/%', '/admins/%zz', '/workspaces/%E0/entities?entity_type=detail']) {
        assert.equal((await acme.call('GET', path)).status, 404, path);
      }

      // The same parameters, well-formed, are answered.
      for (const path of [`/workspaces?firm_id=${FIRM}`, `/admins?firm_id=${FIRM}`, `/filters?workspace_id=${WS_MAIN}&entity_type=detail&include_archived=false`,
        '/filters?include_archived=true', `/filters/${f.id}?workspace_id=${WS_MAIN}`, `/keys?firm_id=${FIRM}&include_revoked=false`, '/me', '/firms', '/schema']) {
        const r = await acme.call('GET', path);
        assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
      }
      assert.ok((await acme.call('GET', `/filters?workspace_id=${WS_MAIN}&include_archived=false`)).json.filters.some((x) => x.id === f.id));

      // Writes: a query the endpoint does not take is refused and changes nothing.
      const keysBefore = (await op.call('GET', '/keys')).json.keys.length;
      const filtersBefore = (await op.call('GET', '/filters?include_archived=true')).json.filters.length;
      const writes = [
        ['POST', '/filters?x=1', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'Never made', predicate_text: 'type eq "x"' }],
        ['POST', '/keys?formt=env', { name: 'Never made', grants: [] }], ['POST', '/keys?format=xml', { name: 'Never made', grants: [] }],
        ['POST', '/keys?format=env&format=env', { name: 'Never made', grants: [] }],
        ['POST', `/keys/${k.id}/revoke?x=1`], ['POST', `/keys/${k.id}/regenerate?format=text`], ['POST', `/keys/${k.id}/reveal?format=ENV`],
        ['DELETE', `/filters/${f.id}?dry_run=true`], ['POST', `/filters/${f.id}/archive?x=1`],
        ['PUT', `/keys/${k.id}/allowed_ips?x=1`, { allowed_ips: ['10.0.0.0/8'] }],
        ['POST', `/keys/${k.id}/grants?dry_run=true`, { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }],
        ['POST', '/admins?x=1', { name: 'Never made' }], ['POST', `/admins/${adminId}/revoke?x=1`],
        ['POST', '/filters/preview?x=1', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'x', predicate_text: 'type eq "x"' }],
        ['POST', '/predicates/preview?x=1', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: 'type eq "x"' }],
      ];
      for (const [method, path, body] of writes) {
        const r = await acme.call(method, path, body);
        assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
        assert.equal(r.json.error.code, 'invalid_query', path);
      }
      assert.equal((await op.call('GET', '/keys')).json.keys.length, keysBefore);
      assert.equal((await op.call('GET', '/filters?include_archived=true')).json.filters.length, filtersBefore);
      const kNow = (await acme.call('GET', `/keys/${k.id}`)).json.key;
      assert.deepEqual([kNow.revoked, kNow.secret_regenerated_at, kNow.allowed_ips, kNow.grants], [false, null, null, []]);
      assert.equal((await acme.call('GET', `/filters/${f.id}`)).json.filter.archived, false);
      assert.equal((await acme.call('GET', '/me')).status, 200, 'the admin is not revoked');
      assert.deepEqual((await entries(acme, `key_id=${k.id}`)).map((e) => e.action), ['key.create'], 'no secret revealed or regenerated');

      // format=env and format=json are the two answers.
      const env = await acme.call('POST', `/keys/${k.id}/reveal?format=env`);
      assert.equal(env.status, 200);
      assert.match(env.text, /^# portcullis API credentials/);
      const asJson = await acme.call('POST', `/keys/${k.id}/reveal?format=json`);
      assert.equal(asJson.status, 200);
      assert.equal(asJson.json.client_id, k.client_id);
    });

    it('system filters carry the actions a grant of them may hold, as the engine gives them', async () => {
      const firm = (await acme.call('GET', '/workspaces')).json;
      const expected = engine.systemFilters({ id: FIRM, workspaces: firm.workspaces.map((w) => w.id) });
      const listed = (await acme.call('GET', '/filters')).json.filters.filter((x) => x.system);
      assert.equal(listed.length, expected.length);
      for (const s of expected) {
        const got = listed.find((x) => x.id === s.id && x.workspace_id === s.workspace_id);
        assert.ok(got, s.id);
        assert.deepEqual(got.actions, s.actions, s.id);
        assert.ok(Array.isArray(got.actions) && got.actions.length > 0);
      }
      const tags = (await acme.call('GET', `/filters/default:tags?workspace_id=${WS_MAIN}`)).json.filter;
      assert.deepEqual(tags.actions, ['read', 'write'], 'a tag has no download');
      assert.deepEqual((await acme.call('GET', `/filters/default:details?workspace_id=${WS_MAIN}`)).json.filter.actions, ['read', 'write', 'download']);
      assert.deepEqual(listed.find((x) => x.id === 'default:any').actions, ['read', 'write', 'download']);
      assert.ok(listed.filter((x) => x.workspace_id === WS_MAIN).length > 0);
    });

    it('GET /keys lists a firm with more keys than one statement may name (a Durable Object binds at most 100 values)', async () => {
      const many = MAX_PARAMS + 17;
      const have = (await other.call('GET', '/keys')).json.keys.length;
      for (let i = have; i < many; i += 1) await other.createKey({ name: `Bulk key ${i}`, grants: [] });
      const listed = await other.call('GET', '/keys');
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.json.keys.length, many);
      assert.ok(listed.json.keys.every((x) => 'last_used_at' in x));
    });
  });
}

// Migration 2 reads the entries already stored for their references, a page at a time: a store
// seeded with more than two pages of entries written under migration 1, on Node (the store of
// GATEWAY_STORE; on PostgreSQL two gateways start on it together) and on workerd (a firm's Durable
// Object rolled back to migration 1), started, checked, restarted and checked again.
describe('audit references of entries written before they were recorded', () => {
  let ds;
  before(async () => {
    ds = await h.startDataService();
  });
  after(async () => {
    await ds?.stop();
  });

  const T0 = 1767225600000;
  const entry = (n, action, target, details) => ({
    id: `aud_${String(T0 + n).padStart(13, '0')}${String(n).padStart(12, '0')}000000`, at: new Date(T0 + n).toISOString(),
    actor: 'admin', actor_id: 'operator:admin', actor_firm_id: null, source_ip: null, firm_id: FIRM, action, target, ...(details ? { details } : {}),
  });
  const old = [
    entry(1, 'filter.create', { type: 'filter', id: 'flt_old', name: 'old' }),
    entry(2, 'key.create', { type: 'key', id: 'key_old', name: 'old key' }, { grants: 1, environment: 'live' }),
    entry(3, 'key.grant_add', { type: 'key', id: 'key_old', name: 'old key' }, { filter: 'flt_old', actions: ['read'], workspace_id: WS_MAIN }),
    entry(4, 'key.grant_remove', { type: 'key', id: 'key_old', name: 'old key' }, { filter: 'default:any', actions: ['read'] }),
  ];
  // More than two pages of entries: the backfill's page loop runs three times.
  const bulk = Array.from({ length: 2 * AUDIT_BACKFILL_PAGE + 37 }, (_, i) => entry(10 + i, 'key.grant_add',
    { type: 'key', id: 'key_bulk', name: 'bulk key' }, { filter: `flt_bulk_${i % 3}`, actions: ['read'], workspace_id: WS_MAIN }));
  const seeded = [...old, ...bulk];
  const newestFirst = (list) => list.map((e) => e.id).reverse();

  /** A store's database, opened directly: `run(sql, params)` answers the rows. */
  async function openDb(kind, where) {
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: where });
      await c.connect();
      return {
        run: async (sql, params = []) => { let n = 0; return (await c.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows; },
        close: () => c.end(),
      };
    }
    const db = new Database(where);
    return {
      run: async (sql, params = []) => { const st = db.prepare(sql); return st.reader ? st.all(...params) : (st.run(...params), []); },
      close: async () => db.close(),
    };
  }

  async function insertEntries(db, list) {
    for (let i = 0; i < list.length; i += 100) {
      const part = list.slice(i, i + 100);
      await db.run(`INSERT INTO pc_audit (id, firm_id, action, target_id, actor_id, doc) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        part.flatMap((e) => [e.id, e.firm_id, e.action, e.target.id, e.actor_id, JSON.stringify(e)]));
    }
  }

  /** Every entry of a query, newest first, a page of 500 at a time. */
  async function allEntries(a, query) {
    const out = [];
    let cursor = null;
    do {
      const r = await a.call('GET', `/audit?${query}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      out.push(...r.json.entries.map((e) => e.id));
      cursor = r.json.next_cursor;
    } while (cursor);
    return out;
  }

  /** What the migrated store answers about the seeded entries. */
  async function checkAnswers(base) {
    const a = h.admin(base);
    assert.deepEqual(await allEntries(a, 'filter_id=flt_old'), [old[2].id, old[0].id], 'the grant added, and the filter\'s own');
    assert.deepEqual(await allEntries(a, 'filter_id=default:any'), [old[3].id]);
    assert.deepEqual(await allEntries(a, 'key_id=key_old'), [old[3].id, old[2].id, old[1].id]);
    assert.deepEqual(await allEntries(a, 'key_id=key_bulk'), newestFirst(bulk), 'every page of the backfill');
    assert.deepEqual(await allEntries(a, 'filter_id=flt_bulk_1'), newestFirst(bulk.filter((_, i) => i % 3 === 1)));
    assert.deepEqual(await allEntries(a, 'key_id=key_bulk&filter_id=flt_bulk_2'), newestFirst(bulk.filter((_, i) => i % 3 === 2)));
  }

  /** The rows: each migration applied once, and exactly the references of every stored entry. */
  async function checkRows(db) {
    assert.deepEqual((await db.run('SELECT version FROM pc_migrations ORDER BY version')).map((r) => Number(r.version)),
      MIGRATIONS.map((_, i) => i + 1));
    const want = new Set();
    for (const r of await db.run('SELECT id, doc FROM pc_audit')) {
      for (const [kind, ref] of auditRefs(JSON.parse(r.doc))) want.add(`${kind} ${ref} ${r.id}`);
    }
    const got = (await db.run('SELECT kind, ref_id, audit_id FROM pc_audit_refs')).map((r) => `${r.kind} ${r.ref_id} ${r.audit_id}`);
    assert.equal(got.length, want.size);
    assert.deepEqual(new Set(got), want);
    assert.ok(want.size >= 2 * bulk.length + 6);
  }

  it('the backfill inserts a page\'s references in one statement on PostgreSQL, in statements of at most 100 values on SQLite', () => {
    // The migration's statements, answered from the seeded entries (what a store would answer).
    const statementsOf = (maxParams) => {
      const seen = [];
      const gen = applyMigration(2, MIGRATIONS[1], '2026-01-01T00:00:00.000Z', maxParams ? { maxParams } : undefined);
      let step = gen.next();
      while (!step.done) {
        const { sql, params } = step.value;
        seen.push({ sql, params });
        const page = sql.startsWith('SELECT id, doc FROM pc_audit')
          ? seeded.filter((e) => e.id > params[0]).slice(0, params[1]).map((e) => ({ id: e.id, doc: JSON.stringify(e) })) : [];
        step = gen.next(page);
      }
      return seen;
    };
    const refs = seeded.reduce((n, e) => n + auditRefs(e).length, 0);
    const pages = Math.ceil(seeded.length / AUDIT_BACKFILL_PAGE);
    for (const [maxParams, inserts] of [[30_000, pages], [undefined, null]]) {
      const st = statementsOf(maxParams);
      const ins = st.filter((x) => x.sql.startsWith('INSERT INTO pc_audit_refs'));
      assert.equal(st.filter((x) => x.sql.startsWith('SELECT id, doc FROM pc_audit')).length, pages);
      if (inserts !== null) assert.equal(ins.length, inserts, 'one INSERT per page');
      assert.ok(ins.every((x) => x.params.length <= (maxParams ?? MAX_PARAMS)));
      assert.equal(ins.reduce((n, x) => n + x.params.length, 0), 3 * refs, 'every reference, once');
    }
  });

  it(`a store at migration 1 (${h.NODE_STORE}) is migrated once, more than a page of entries, and restarts on it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-migrate-'));
    const where = h.NODE_STORE === 'postgres' ? await h.databaseFor(dir) : join(dir, 'state.sqlite');
    const rowsOf = async (fn) => {
      const db = await openDb(h.NODE_STORE, where);
      try { return await fn(db); } finally { await db.close(); }
    };
    // The tables as migration 1 made them, with rows written then.
    await rowsOf(async (db) => {
      for (const sql of [MIGRATIONS_TABLE, ...MIGRATIONS[0], "INSERT INTO pc_migrations (version, applied_at) VALUES (1, '2026-01-01T00:00:00.000Z')",
        "INSERT INTO pc_versions (part, version) VALUES ('all', 1)"]) await db.run(sql);
      await insertEntries(db, seeded);
    });
    try {
      // PostgreSQL: two instances start on it together; the advisory lock lets one migrate.
      const first = await Promise.all((h.NODE_STORE === 'postgres' ? [1, 2] : [1]).map(() => h.startGateway({ dataUrl: ds.url, dir })));
      try {
        for (const gw of first) await checkAnswers(gw.base);
      } finally {
        for (const gw of first) await gw.stop();
      }
      await rowsOf(checkRows);

      // Again on the migrated store: nothing to apply, the same answers, the same rows.
      const gw = await h.startGateway({ dataUrl: ds.url, dir });
      try {
        await checkAnswers(gw.base);
        // And what is written from now on is found alike.
        const a = h.admin(gw.base);
        const k = await a.createKey({ name: 'new', grants: [{ filter: 'default:any', actions: ['read'] }] });
        assert.deepEqual((await a.call('GET', '/audit?filter_id=default:any')).json.entries.map((e) => e.target.id), [k.id, 'key_old']);
      } finally {
        await gw.stop();
      }
      await rowsOf(checkRows);
    } finally {
      h.removeDir(dir);
    }
  });

  it('a firm\'s Durable Object at migration 1 is migrated when it starts (workerd), and restarts on it', async () => {
    let gw = await h.startGateway({ runtime: 'workerd', dataUrl: ds.url });
    const dir = gw.dir;
    try {
      // The firm's object made (it migrates to the newest), then rolled back to migration 1 with
      // the entries written then.
      const seed = await h.admin(gw.base).createKey({ name: 'seed', grants: [] });
      await gw.stop();
      gw = null;
      const objects = join(dir, 'portcullis-gateway-firms');
      let file = null;
      for (const f of readdirSync(objects).filter((x) => x.endsWith('.sqlite') && x !== 'metadata.sqlite')) {
        const db = await openDb('sqlite', join(objects, f));
        const hit = await db.run("SELECT 1 FROM sqlite_master WHERE name = 'pc_keys'").then((x) => x.length > 0 && db.run('SELECT id FROM pc_keys WHERE id = ?', [seed.id]));
        await db.close();
        if (hit && hit.length === 1) file = join(objects, f);
      }
      assert.ok(file, 'the firm\'s object');
      const db = await openDb('sqlite', file);
      try {
        for (const m of MIGRATIONS.slice(1)) {
          for (const sql of m) {
            const table = typeof sql === 'string' && /^CREATE TABLE (\w+)/.exec(sql);
            if (table) await db.run(`DROP TABLE ${table[1]}`);
          }
        }
        await db.run('DELETE FROM pc_migrations WHERE version > 1');
        await insertEntries(db, seeded);
      } finally {
        await db.close();
      }

      for (let start = 0; start < 2; start += 1) {
        gw = await h.startGateway({ runtime: 'workerd', dataUrl: ds.url, dir });
        await checkAnswers(gw.base);
        await checkAnswers(gw.base2);
        assert.equal((await allEntries(h.admin(gw.base), `key_id=${seed.id}`)).length, 1, 'the entry the object held before');
        await gw.stop();
        gw = null;
        const after = await openDb('sqlite', file);
        try { await checkRows(after); } finally { await after.close(); }
      }
    } finally {
      await gw?.stop();
      h.removeDir(dir);
    }
  });
});
