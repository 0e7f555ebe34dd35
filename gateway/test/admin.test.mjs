// The admin API (issue 7) over real HTTP: filters, keys, audit log, idempotency, and the effect
// of every admin change on already-issued tokens. Run against the gateway on Node and on workerd.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './helpers.mjs';

const { WS_MAIN, FIRM, FIRM_OTHER } = h;
const detail = (id) => `/v1/workspaces/${WS_MAIN}/details/${id}`;
const DETAILS = `/v1/workspaces/${WS_MAIN}/details`;
const IP_HEADER = 'x-test-client-ip';

for (const runtime of ['node', 'workerd']) {
  describe(`admin API on ${runtime}`, () => {
    let ds;
    let gw;
    let a;
    const fromLocal = runtime === 'workerd' ? { [IP_HEADER]: '127.0.0.1' } : {};
    const get = (path, token) => h.http(gw.base, 'GET', path, { token, headers: fromLocal });
    const mint = (key) => h.mintToken(gw.base, key, fromLocal);

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url, env: runtime === 'workerd' ? { CLIENT_IP_HEADER: IP_HEADER } : {} });
      a = h.admin(gw.base);
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('refuses requests without the admin credential, and integration tokens', async () => {
      const none = await h.http(gw.base, 'GET', '/admin/v1/filters');
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="portcullis-admin"');
      const wrong = await h.http(gw.base, 'GET', '/admin/v1/filters', { token: 'not-the-admin-token-at-all' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.json.error.code, 'invalid_token');
      const key = await a.createKey({ grants: [{ filter: 'default:any', actions: ['read'] }] });
      const token = await mint(key);
      const integration = await h.http(gw.base, 'GET', '/admin/v1/filters', { token });
      assert.equal(integration.status, 401);
      const secretAsToken = await h.http(gw.base, 'GET', '/admin/v1/keys', { token: key.secret });
      assert.equal(secretAsToken.status, 401);
    });

    it('the last-used write after a token mint never holds up the writes queued behind it', async () => {
      // On workerd a write the runtime drops with its request (no waitUntil) never settles, and
      // every later write waits behind it: each round below would hang.
      for (let i = 0; i < 5; i++) {
        const key = await a.createKey({ name: `mint then write ${i}`, grants: [{ filter: 'default:any', actions: ['read'] }] });
        await mint(key);
        const r = await Promise.race([
          a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'tag', name: `after mint ${i}`, predicate_text: 'name eq "x"' }),
          new Promise((ok) => setTimeout(() => ok({ status: 'no answer in 5 s' }), 5000).unref()),
        ]);
        assert.equal(r.status, 201, `round ${i}`);
      }
    });

    it('filters: create, refuse invalid ones with the engine\'s diagnostics, list, get', async () => {
      const f = await a.createFilter({ entity_type: 'detail', name: 'Typical concrete', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
      assert.match(f.id, /^flt_/);
      assert.equal(f.predicate_text, 'project_type eq "typical" AND tags intersects ["concrete"]');
      assert.deepEqual(f.predicate, { and: [{ attr: 'project_type', op: 'eq', value: 'typical' }, { attr: 'tags', op: 'intersects', value: ['concrete'] }] });

      const mixed = await a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'x', predicate_text: 'type eq "a" AND type eq "b" OR type eq "c"' });
      assert.equal(mixed.status, 422);
      assert.equal(mixed.json.error.code, 'invalid_filter');
      assert.deepEqual(mixed.json.error.diagnostics.map((d) => d.code), ['mixed_and_or']);
      const many = await a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: '',
        predicate: { and: [{ attr: 'colour', op: 'eq', value: 'red' }, { attr: 'type', op: 'like', value: 'x' }, { attr: 'status', op: 'eq', value: 'draft' }] } });
      assert.equal(many.status, 422);
      assert.deepEqual(many.json.error.diagnostics.map((d) => d.code).sort(),
        ['attribute_not_supported', 'name_required', 'operator_not_allowed', 'unknown_attribute']);
      const ws = await a.call('POST', '/filters', { workspace_id: h.MISSING_ID, entity_type: 'detail', name: 'x', predicate_text: 'type eq "a"' });
      assert.equal(ws.status, 422);
      const warn = await a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'by project', predicate: { attr: 'project_id', op: 'eq', value: h.PROJECT_MAIN } });
      assert.equal(warn.status, 201);
      assert.deepEqual(warn.json.warnings.map((w) => w.code), ['not_searchable']);

      // Preview match count: the engine's verdict, the data service's count (the seed's 1,247).
      const preview = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'Typical concrete', predicate: f.predicate });
      assert.equal(preview.status, 200);
      assert.deepEqual([preview.json.count, preview.json.truncated, preview.json.display], [h.CONCRETE_TYPICAL_COUNT, false, '1,247']);
      const tagPreview = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'tag', name: 'x', predicate_text: 'name eq "x"' });
      assert.equal(tagPreview.status, 422);
      assert.equal(tagPreview.json.error.code, 'preview_not_supported');

      const got = await a.call('GET', `/filters/${f.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.json.filter.name, 'Typical concrete');
      const list = await a.call('GET', `/filters?workspace_id=${WS_MAIN}`);
      assert.ok(list.json.filters.some((x) => x.id === f.id));
    });

    it('system filters are listed with their default:* names and cannot be edited or archived', async () => {
      const list = (await a.call('GET', '/filters')).json.filters.filter((f) => f.system);
      const names = new Set(list.map((f) => f.name));
      for (const n of ['default:families', 'default:details', 'default:stashes', 'default:tags', 'default:any']) assert.ok(names.has(n), n);
      const anyPerFirm = list.filter((f) => f.name === 'default:any').map((f) => f.firm_id).sort();
      assert.deepEqual(anyPerFirm, [FIRM, FIRM_OTHER].sort(), 'default:any appears once per firm');
      assert.equal(list.filter((f) => f.name === 'default:details' && f.workspace_id === WS_MAIN).length, 1);
      const edit = await a.call('PATCH', '/filters/default:details', { name: 'mine now' });
      assert.equal(edit.status, 422);
      assert.equal(edit.json.error.code, 'system_filter');
      const archive = await a.call('POST', '/filters/default:any/archive');
      assert.equal(archive.status, 422);
    });

    it('an edit answers its affected key count first (dry run), then changes issued tokens\' access at once', async () => {
      const f = await a.createFilter({ entity_type: 'detail', name: 'Steel only', predicate_text: 'type eq "steel"' });
      const k1 = await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }] });
      await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: f.id, actions: ['read', 'write'] }] });
      await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const token = await mint(k1);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 200);
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), token)).status, 404);

      const dry = await a.call('PATCH', `/filters/${f.id}?dry_run=true`, { predicate_text: 'type eq "concrete"' });
      assert.equal(dry.status, 200);
      assert.equal(dry.json.keys_affected, 2);
      assert.equal(dry.json.valid, true);
      assert.ok(dry.json.impact.gained > 0 && dry.json.impact.lost > 0);
      assert.deepEqual([dry.json.impact.gained_truncated, dry.json.impact.lost_truncated], [false, false]);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 200, 'a dry run changes nothing');

      const edit = await a.call('PATCH', `/filters/${f.id}`, { predicate_text: 'type eq "concrete"', description: 'now concrete' });
      assert.equal(edit.status, 200);
      assert.equal(edit.json.keys_affected, 2);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 404);
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), token)).status, 200);

      const immutable = await a.call('PATCH', `/filters/${f.id}`, { entity_type: 'family' });
      assert.equal(immutable.status, 422);
      assert.equal(immutable.json.error.code, 'filter_immutable');
      const invalid = await a.call('PATCH', `/filters/${f.id}`, { predicate_text: 'type eq' });
      assert.equal(invalid.status, 422);
      assert.equal(invalid.json.error.diagnostics[0].code, 'syntax_error');
    });

    it('archiving stops a filter granting at once: list 403, get 404; the row stays; no un-archive', async () => {
      const f = await a.createFilter({ entity_type: 'detail', name: 'Typical concrete (to archive)', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
      const k = await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: f.id, actions: ['read'] }] });
      const token = await mint(k);
      assert.equal((await get(`${DETAILS}?limit=1`, token)).status, 200);
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), token)).status, 200);
      const r = await a.call('POST', `/filters/${f.id}/archive`);
      assert.equal(r.status, 200);
      assert.equal(r.json.filter.archived, true);
      assert.equal((await get(`${DETAILS}?limit=1`, token)).status, 403);
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), token)).status, 404);
      const row = await a.call('GET', `/filters/${f.id}`);
      assert.equal(row.json.filter.archived, true);
      assert.equal(row.json.filter.name, 'Typical concrete (to archive)');
      assert.equal((await a.call('PATCH', `/filters/${f.id}`, { name: 'revived' })).status, 422);
      assert.ok(!(await a.call('GET', '/filters')).json.filters.some((x) => x.id === f.id), 'hidden unless include_archived');
      const grant = await a.call('POST', `/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: f.id, actions: ['read'] });
      assert.equal(grant.status, 422);
      assert.ok(grant.json.error.diagnostics.some((d) => d.code === 'filter_archived'));
    });

    it('a body with a lone surrogate escape is a 400 invalid_body', async () => {
      const r = await a.call('POST', '/filters', { entity_type: 'detail', name: 'x\ud800y', predicate_text: 'tags intersects ["a"]' });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'invalid_body');
      const oddField = await a.call('POST', '/filters', { entity_type: 'detail', name: 'ok', predicate_text: 'tags intersects ["a"]', ['\udc00']: 1 });
      assert.equal(oddField.status, 400, 'a field name with a lone surrogate too');
    });

    it('a key holding an archived filter can still be changed: grants added and removed, its allowlist set', async () => {
      const gone = await a.createFilter({ entity_type: 'detail', name: 'Archived while held', predicate_text: 'tags intersects ["concrete"]' });
      const k = await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: gone.id, actions: ['read'] }] });
      assert.equal((await a.call('POST', `/filters/${gone.id}/archive`)).status, 200);
      const add = await a.call('POST', `/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] });
      assert.equal(add.status, 201, JSON.stringify(add.json));
      const token = await mint(k);
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), token)).status, 200, 'the new grant grants');
      // An IPv4-mapped range is its IPv4 range (::ffff:127.0.0.0/104 is 127.0.0.0/8).
      const ips = await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: ['::ffff:127.0.0.0/104'] });
      assert.equal(ips.status, 200, JSON.stringify(ips.json));
      assert.equal((await get(detail(h.DETAIL_CONCRETE_TYPICAL), await mint(k))).status, 200, 'admitted from 127.0.0.1');
      // A grant brought in now must not name the archived filter.
      const again = await a.call('POST', `/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: gone.id, actions: ['read'] });
      assert.equal(again.status, 422);
      assert.ok(again.json.error.diagnostics.some((d) => d.code === 'filter_archived'));
      const held = (await a.call('GET', `/keys/${k.id}`)).json.key.grants.find((g) => g.filter === gone.id);
      assert.equal((await a.call('DELETE', `/keys/${k.id}/grants/${held.id}`)).status, 200);
    });

    it('keys: prefixed credentials, .env body, grants validated per SPEC 4.1, name immutable', async () => {
      const r = await a.call('POST', '/keys', { firm_id: FIRM, name: 'Hubble Dashboard — Staging', environment: 'test',
        grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      assert.equal(r.status, 201);
      assert.match(r.json.client_id, /^pcid_test_[A-Za-z0-9_-]{20,}$/);
      assert.match(r.json.client_secret, /^pcs_test_[A-Za-z0-9_-]{40,}$/);
      assert.equal(r.json.key.name, 'Hubble Dashboard — Staging');
      assert.equal(r.json.key.client_secret, undefined, 'the key view never carries the secret');

      const env = await h.http(gw.base, 'POST', '/admin/v1/keys?format=env', { token: h.ADMIN_TOKEN,
        body: { firm_id: FIRM, name: 'Env file', grants: [{ filter: 'default:any', actions: ['read'] }] } });
      assert.equal(env.status, 201);
      assert.match(env.headers.get('content-type'), /^text\/plain/);
      assert.match(env.text, /^PORTCULLIS_CLIENT_ID=pcid_live_\S+$/m);
      assert.match(env.text, /^PORTCULLIS_CLIENT_SECRET=pcs_live_\S+$/m);

      const bad = await a.call('POST', '/keys', { firm_id: FIRM, name: 'bad', allowed_ips: ['10.0.0.0/99'], grants: [
        { workspace_id: WS_MAIN, filter: 'flt_nope', actions: ['read'] },
        { workspace_id: WS_MAIN, filter: 'default:tags', actions: ['download'] },
        { workspace_id: WS_MAIN, filter: 'default:details', actions: ['fly'] },
        { workspace_id: h.WS_OTHER, filter: 'default:details', actions: ['read'] },
        { workspace_id: WS_MAIN, filter: 'default:any', actions: ['read'] },
      ] });
      assert.equal(bad.status, 422);
      assert.deepEqual([...new Set(bad.json.error.diagnostics.map((d) => d.code))].sort(),
        ['action_not_allowed', 'invalid_action', 'invalid_ip_range', 'unknown_filter', 'unknown_workspace', 'workspace_mismatch'].sort());
      const noName = await a.call('POST', '/keys', { firm_id: FIRM, name: '  ', grants: [] });
      assert.equal(noName.status, 422);
      const rename = await a.call('PATCH', `/keys/${r.json.key.id}`, { name: 'renamed' });
      assert.equal(rename.status, 422);
      assert.equal(rename.json.error.code, 'name_immutable');
    });

    it('keys: a revoked key\'s next request is 401; regenerating invalidates old tokens and the old secret', async () => {
      const k = await a.createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const t1 = await mint(k);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), t1)).status, 200);

      const regen = await a.call('POST', `/keys/${k.id}/regenerate`);
      assert.equal(regen.status, 200);
      assert.notEqual(regen.json.client_secret, k.secret);
      assert.equal(regen.json.client_id, k.client_id, 'regenerated in place');
      const old = await get(detail(h.DETAIL_STEEL_TYPICAL), t1);
      assert.equal(old.status, 401);
      assert.equal(old.json.error.code, 'invalid_token');
      await assert.rejects(mint(k), /401/);
      const t2 = await mint({ ...k, secret: regen.json.client_secret });
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), t2)).status, 200);

      const rv = await a.call('POST', `/keys/${k.id}/revoke`);
      assert.equal(rv.status, 200);
      assert.equal(rv.json.key.revoked, true);
      const after = await get(detail(h.DETAIL_STEEL_TYPICAL), t2);
      assert.equal(after.status, 401);
      assert.equal(after.json.error.code, 'invalid_token');
      assert.equal((await get(`${DETAILS}?limit=1`, t2)).status, 401);
      await assert.rejects(mint({ ...k, secret: regen.json.client_secret }), /401/);
      assert.equal((await a.call('POST', `/keys/${k.id}/reveal`)).status, 409);
    });

    it('keys: reveal returns the secret and is audit-logged; last use is listed', async () => {
      const k = await a.createKey({ name: 'Acme Data Warehouse — Production', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const listed = (await a.call('GET', '/keys')).json.keys.find((x) => x.id === k.id);
      assert.equal(listed.last_used_at, null);
      const token = await mint(k);
      await get(detail(h.DETAIL_STEEL_TYPICAL), token);
      const used = (await a.call('GET', '/keys')).json.keys.find((x) => x.id === k.id);
      assert.ok(used.last_used_at && !Number.isNaN(Date.parse(used.last_used_at)));

      const rev = await a.call('POST', `/keys/${k.id}/reveal`);
      assert.equal(rev.status, 200);
      assert.equal(rev.json.client_secret, k.secret);
      const log = await a.call('GET', `/audit?action=key.reveal&target_id=${k.id}`);
      assert.equal(log.status, 200);
      assert.equal(log.json.entries.length, 1);
      const e = log.json.entries[0];
      assert.equal(e.actor, 'admin');
      assert.equal(e.target.name, 'Acme Data Warehouse — Production');
      assert.ok(Date.parse(e.at) > 0);
      const all = (await a.call('GET', `/audit?target_id=${k.id}`)).json.entries.map((x) => x.action);
      assert.deepEqual(all, ['key.reveal', 'key.create'], 'newest first');

      // Secrets are stored encrypted: the plaintext appears nowhere in the stored state (the
      // SQLite file and its log, PostgreSQL's rows, the Durable Objects' databases).
      const onDisk = await h.storedState(gw);
      assert.ok(onDisk.includes(k.id), 'the state was found on disk');
      assert.ok(!onDisk.includes(k.secret));
      assert.ok(!onDisk.includes(token), 'tokens are stored as hashes only');
    });

    it('keys: grants added and removed, and the IP allowlist, take effect on the next request', async () => {
      const k = await a.createKey({ grants: [] });
      const token = await mint(k);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 404);
      const add = await a.call('POST', `/keys/${k.id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] });
      assert.equal(add.status, 201);
      const grant = add.json.key.grants[0];
      assert.match(grant.id, /^grt_/);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 200);

      const ips = await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: ['192.0.2.0/24'] });
      assert.equal(ips.status, 200);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 401);
      const badIps = await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: ['not-an-ip'] });
      assert.equal(badIps.status, 422);
      assert.equal(badIps.json.error.diagnostics[0].code, 'invalid_ip_range');
      assert.equal((await a.call('PUT', `/keys/${k.id}/allowed_ips`, { allowed_ips: null })).status, 200);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 200);

      const del = await a.call('DELETE', `/keys/${k.id}/grants/${grant.id}`);
      assert.equal(del.status, 200);
      assert.deepEqual(del.json.key.grants, []);
      assert.equal((await get(detail(h.DETAIL_STEEL_TYPICAL), token)).status, 404);
      assert.equal((await a.call('DELETE', `/keys/${k.id}/grants/${grant.id}`)).status, 404);
    });

    it('ids named like Object.prototype members are ids like any other: 404 or 422, never 500, nothing else changes', async () => {
      const key = await a.createKey({ grants: [] });
      const before = (await a.call('GET', '/keys')).json.keys;
      for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
        const calls = [
          ['GET', `/filters/${id}`], ['PATCH', `/filters/${id}`, { name: 'x' }], ['DELETE', `/filters/${id}`],
          ['POST', `/filters/${id}/archive`], ['PATCH', `/filters/${id}?dry_run=true`, { name: 'x' }],
          ['GET', `/keys/${id}`], ['POST', `/keys/${id}/reveal`], ['POST', `/keys/${id}/regenerate`], ['POST', `/keys/${id}/revoke`],
          ['POST', `/keys/${id}/grants`, { workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }],
          ['DELETE', `/keys/${id}/grants/${id}`], ['DELETE', `/keys/${key.id}/grants/${id}`],
          ['PUT', `/keys/${id}/allowed_ips`, { allowed_ips: null }],
          ['GET', `/admins/${id}`], ['POST', `/admins/${id}/revoke`],
          ['GET', `/workspaces/${id}/entities`], ['GET', `/workspaces/${id}/values?entity_type=detail&attribute=type`],
          ['GET', `/workspaces/${WS_MAIN}/entities?entity_type=${id}`], ['GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail&cursor=${id}`],
          ['GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=${id}`], ['GET', `/workspaces/${WS_MAIN}/values?entity_type=${id}&attribute=type`],
          ['GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail&${id}=1`],
          ['GET', `/audit?cursor=${id}`], ['GET', `/audit?target_id=${id}`],
          ['POST', '/keys', { firm_id: id, name: 'x', grants: [] }],
          ['POST', `/keys/${key.id}/grants`, { workspace_id: WS_MAIN, filter: id, actions: ['read'] }],
          ['POST', '/filters', { workspace_id: id, entity_type: 'detail', name: 'x', predicate_text: 'tags intersects ["a"]' }],
          ['POST', '/admins', { firm_id: id, name: 'x' }],
        ];
        for (const [method, path, body] of calls) {
          const r = await a.call(method, path, body);
          assert.ok([400, 404, 422].includes(r.status) || (r.status === 200 && path.startsWith('/audit?target_id')), `${method} ${path}: ${r.status} ${r.text}`);
        }
        const bearer = await h.http(gw.base, 'GET', detail(h.DETAIL_STEEL_TYPICAL), { token: `pcat_${id}`, headers: fromLocal });
        assert.equal(bearer.status, 401);
      }
      const after = (await a.call('GET', '/keys')).json.keys;
      assert.deepEqual(after, before, 'no key changed');
      const fresh = await a.createKey({ grants: [] });
      assert.equal(fresh.revoked_at, null);
      assert.equal(fresh.revoked, false);
    });

    it('idempotency: a retry replays, a different body under the same key is 422 (admin and data API)', async () => {
      const body = { workspace_id: WS_MAIN, entity_type: 'tag', name: 'Idempotent tag filter', predicate_text: 'name eq "concrete"' };
      const headers = { 'idempotency-key': `idem-${runtime}-1` };
      const first = await a.call('POST', '/filters', body, headers);
      const again = await a.call('POST', '/filters', body, headers);
      assert.equal(first.status, 201);
      assert.equal(again.status, 201);
      assert.equal(again.json.filter.id, first.json.filter.id);
      assert.equal(again.headers.get('idempotency-replayed'), 'true');
      const count = (await a.call('GET', '/filters')).json.filters.filter((f) => f.name === body.name).length;
      assert.equal(count, 1, 'created once');
      const conflict = await a.call('POST', '/filters', { ...body, name: 'Something else' }, headers);
      assert.equal(conflict.status, 422);
      assert.equal(conflict.json.error.code, 'idempotency_key_reused');

      // Key creation replays the same credentials (recorded sealed, not in plaintext).
      const kh = { 'idempotency-key': `idem-${runtime}-key` };
      const kb = { firm_id: FIRM, name: 'Idempotent key', grants: [{ workspace_id: WS_MAIN, filter: 'default:stashes', actions: ['read', 'write'] }] };
      const k1 = await a.call('POST', '/keys', kb, kh);
      const k2 = await a.call('POST', '/keys', kb, kh);
      assert.equal(k2.json.client_secret, k1.json.client_secret);
      assert.equal((await a.call('GET', '/keys')).json.keys.filter((k) => k.name === 'Idempotent key').length, 1);

      const token = await mint({ client_id: k1.json.client_id, secret: k1.json.client_secret });
      const path = `/v1/workspaces/${WS_MAIN}/stashes`;
      const dh = { ...fromLocal, 'idempotency-key': `stash-${runtime}` };
      const s1 = await h.http(gw.base, 'POST', path, { token, headers: dh, body: { attributes: { created_by: h.USER_MAIN, is_permanent: true } } });
      const s2 = await h.http(gw.base, 'POST', path, { token, headers: dh, body: { attributes: { created_by: h.USER_MAIN, is_permanent: true } } });
      assert.equal(s1.status, 201);
      assert.equal(s2.status, 201);
      assert.equal(s2.json.data.id, s1.json.data.id);
      const s3 = await h.http(gw.base, 'POST', path, { token, headers: dh, body: { attributes: { created_by: h.USER_MAIN, is_permanent: false } } });
      assert.equal(s3.status, 422);
      const created = await h.listAll(gw.base, token, `${path}?created_by=${h.USER_MAIN}&is_permanent=true`, 200);
      assert.equal(created.ids.filter((id) => id === s1.json.data.id).length, 1);
    });
  });
}

describe('access tokens expire', () => {
  let ds;
  let gw;
  before(async () => {
    ds = await h.startDataService();
    gw = await h.startGateway({ runtime: 'node', dataUrl: ds.url, env: { TOKEN_TTL_SECONDS: '1' } });
  });
  after(async () => {
    await gw?.stop();
    await ds?.stop();
    if (gw) h.removeDir(gw.dir);
  });
  it('a token is refused after expires_in', async () => {
    const k = await h.admin(gw.base).createKey({ grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
    const r = await h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: k.client_id, client_secret: k.secret } });
    assert.equal(r.json.expires_in, 1);
    assert.equal((await h.http(gw.base, 'GET', detail(h.DETAIL_STEEL_TYPICAL), { token: r.json.access_token })).status, 200);
    await new Promise((ok) => setTimeout(ok, 1200));
    const late = await h.http(gw.base, 'GET', detail(h.DETAIL_STEEL_TYPICAL), { token: r.json.access_token });
    assert.equal(late.status, 401);
    assert.equal(late.json.error.code, 'invalid_token');
  });
});


