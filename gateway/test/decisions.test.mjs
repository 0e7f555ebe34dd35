// SPEC 4.4, row by row, over real HTTP: the gateway in front of the data service, once with the
// gateway on Node and once with the same module on workerd. Expected list contents come from the
// engine's own one-shot `decide` over the full data (an oracle the gateway does not use: it
// pushes the scope down and pages), or from the generator's fixed counts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as engine from '../../pkg/node.mjs';
import * as h from './helpers.mjs';

const { WS_MAIN, WS_SECOND, WS_OTHER, FIRM, FIRM_OTHER } = h;
const details = (ws = WS_MAIN) => `/v1/workspaces/${ws}/details`;
const IP_HEADER = 'x-test-client-ip';
const { shape } = h;
// Ids that are not UUIDs: they name nothing (SPEC 1), and are decided like ids that name nothing.
const MALFORMED_IDS = ['not-a-uuid', 'D0000000-0000-4000-8000-00000000000', '{d0000000-0000-4000-8000-000000000001}', '%20', '1'];

for (const runtime of ['node', 'workerd']) {
  describe(`SPEC 4.4 through the gateway on ${runtime}`, () => {
    let ds;
    let gw;
    let a;
    const F = {};
    const K = {};
    const T = {};
    // On workerd the peer address is not visible to a worker; the test config names a header as
    // the trusted source (a proxy would set it). On Node the socket address is used.
    const fromLocal = runtime === 'workerd' ? { [IP_HEADER]: '127.0.0.1' } : {};
    const get = (path, token, headers = {}) => h.http(gw.base, 'GET', path, { token, headers: { ...fromLocal, ...headers } });
    const send = (method, path, token, body, headers = {}) => h.http(gw.base, method, path, { token, body, headers: { ...fromLocal, ...headers } });

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url, env: runtime === 'workerd' ? { CLIENT_IP_HEADER: IP_HEADER } : {} });
      a = h.admin(gw.base);
      F.concrete = await a.createFilter({ entity_type: 'detail', name: 'Concrete details (typical library)',
        description: 'Used by the data-warehouse vendor.', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
      F.nothing = await a.createFilter({ entity_type: 'detail', name: 'Typo filter', predicate: { attr: 'type', op: 'eq', value: 'concret' } });
      F.project = await a.createFilter({ entity_type: 'detail', name: 'One project', predicate: { attr: 'project_id', op: 'eq', value: h.PROJECT_MAIN } });
      F.steel = await a.createFilter({ entity_type: 'detail', name: 'Steel', predicate_text: 'type eq "steel"' });
      F.archived = await a.createFilter({ entity_type: 'detail', name: 'Soon archived', predicate_text: 'type eq "concrete"' });
      F.second = await a.createFilter({ workspace_id: WS_SECOND, entity_type: 'detail', name: 'Second ws steel', predicate_text: 'type eq "steel"' });
      F.mine = await a.createFilter({ entity_type: 'stash', name: 'My stashes', predicate: { attr: 'created_by', op: 'eq', value: h.USER_MAIN } });
      F.perm = await a.createFilter({ entity_type: 'stash', name: 'Permanent stashes', predicate_text: 'is_permanent eq true' });

      const g = (filter, actions, ws = WS_MAIN) => ({ workspace_id: ws, filter, actions });
      K.warehouse = await a.createKey({ name: 'Acme Data Warehouse', grants: [g(F.concrete.id, ['read'])] });
      K.nothing = await a.createKey({ grants: [g(F.nothing.id, ['read'])] });
      K.project = await a.createKey({ grants: [g(F.project.id, ['read'])] });
      K.families = await a.createKey({ grants: [g('default:families', ['read', 'download'])] });
      K.all = await a.createKey({ grants: [{ filter: 'default:any', actions: ['read', 'write', 'download'] }] });
      K.multi = await a.createKey({ grants: [g(F.concrete.id, ['read']), g(F.steel.id, ['read']), g(F.second.id, ['read'], WS_SECOND)] });
      K.second = await a.createKey({ grants: [g(F.second.id, ['read'], WS_SECOND)] });
      K.archived = await a.createKey({ grants: [g(F.archived.id, ['read'])] });
      K.other = await a.createKey({ firm_id: FIRM_OTHER, grants: [{ filter: 'default:any', actions: ['read', 'write'] }] });
      K.stash = await a.createKey({ grants: [g('default:stashes', ['read']), g(F.mine.id, ['write']), g(F.perm.id, ['download'])] });
      K.stashBlind = await a.createKey({ grants: [g(F.mine.id, ['write'])] });
      K.reader = await a.createKey({ grants: [g('default:stashes', ['read'])] });
      K.ipOut = await a.createKey({ grants: [g('default:details', ['read'])] });
      K.ipIn = await a.createKey({ grants: [g('default:details', ['read'])], allowed_ips: ['127.0.0.0/8', '::1'] });
      K.revoked = await a.createKey({ grants: [g('default:details', ['read'])] });
      for (const [name, key] of Object.entries(K)) T[name] = await h.mintToken(gw.base, key, fromLocal);
      // Tighten ipOut's allowlist after its token was minted: the token stops working.
      const ips = await a.call('PUT', `/keys/${K.ipOut.id}/allowed_ips`, { allowed_ips: ['10.9.9.0/24'] });
      assert.equal(ips.status, 200, ips.text);
      const r = await a.call('POST', `/filters/${F.archived.id}/archive`);
      assert.equal(r.status, 200);
      const rv = await a.call('POST', `/keys/${K.revoked.id}/revoke`);
      assert.equal(rv.status, 200);
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    // ---- 1. credentials -----------------------------------------------------------------------
    it('1: no credentials: 401 with a bare Bearer challenge and no error code', async () => {
      const r = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}`);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="portcullis"');
      assert.equal(r.json.error.code, undefined);
    });

    it('1: unknown, malformed and revoked tokens: 401 invalid_token', async () => {
      for (const auth of ['Bearer pcat_doesnotexist', 'Bearer', 'Basic Zm9vOmJhcg==', `Bearer ${T.warehouse}x`, 'Bearer a b']) {
        const r = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, undefined, { authorization: auth });
        assert.equal(r.status, 401, auth);
        assert.equal(r.json.error.code, 'invalid_token');
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="portcullis", error="invalid_token"');
      }
      const r = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, T.revoked);
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'invalid_token');
    });

    it('1: a source address outside allowed_ips: 401; inside: allowed', async () => {
      const out = await get(`${details()}/${h.DETAIL_STEEL_TYPICAL}`, T.ipOut);
      assert.equal(out.status, 401);
      assert.equal(out.json.error.code, 'invalid_token');
      const mint = await h.http(gw.base, 'POST', '/oauth/token', { headers: fromLocal,
        form: { grant_type: 'client_credentials', client_id: K.ipOut.client_id, client_secret: K.ipOut.secret } });
      assert.equal(mint.status, 401, 'no token is minted outside the allowlist');
      assert.equal(mint.json.error, 'invalid_client');
      const inside = await get(`${details()}/${h.DETAIL_STEEL_TYPICAL}`, T.ipIn);
      assert.equal(inside.status, 200);
      if (runtime === 'workerd') {
        // No trusted source header: the address is unknown, and a key with a list refuses it.
        const unknown = await h.http(gw.base, 'GET', `${details()}/${h.DETAIL_STEEL_TYPICAL}`, { token: T.ipIn });
        assert.equal(unknown.status, 401);
      }
    });

    it('1: a tag download is 404 before any grant is considered', async () => {
      const tags = await get(`/v1/workspaces/${WS_MAIN}/tags?limit=1`, T.all);
      assert.equal(tags.status, 200);
      const r = await get(`/v1/workspaces/${WS_MAIN}/tags/${tags.json.data[0].id}/download`, T.all);
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, 'not_found');
    });

    // ---- 2. get ---------------------------------------------------------------------------------
    it('2: the seed\'s worked example: concrete+typical 200, concrete+project 404, steel+typical 404', async () => {
      const ok = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, T.warehouse);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.data.id, h.DETAIL_CONCRETE_TYPICAL);
      assert.equal(ok.json.data.attributes.project_type, 'typical');
      for (const id of [h.DETAIL_CONCRETE_PROJECT, h.DETAIL_STEEL_TYPICAL]) {
        const r = await get(`${details()}/${id}`, T.warehouse);
        assert.equal(r.status, 404);
        assert.equal(r.json.error.code, 'not_found');
      }
    });

    it('2: ids compare case-insensitively', async () => {
      const r = await get(`${details(WS_MAIN.toUpperCase())}/${h.DETAIL_CONCRETE_TYPICAL.toUpperCase()}`, T.warehouse);
      assert.equal(r.status, 200);
    });

    it('2: every 404 is byte-for-byte the same, whatever the reason', async () => {
      const cases = [
        ['no such entity', T.all, `${details()}/${h.MISSING_ID}`],
        ['filter does not match', T.warehouse, `${details()}/${h.DETAIL_STEEL_TYPICAL}`],
        ['no grant for the type', T.families, `${details()}/${h.DETAIL_CONCRETE_TYPICAL}`],
        ['archived filter', T.archived, `${details()}/${h.DETAIL_CONCRETE_TYPICAL}`],
        ['other workspace', T.second, `${details()}/${h.DETAIL_STEEL_TYPICAL}`],
        ['other firm', T.other, `${details()}/${h.DETAIL_CONCRETE_TYPICAL}`],
        ['entity in another workspace', T.all, `${details(WS_SECOND)}/${h.DETAIL_CONCRETE_TYPICAL}`],
        ['an id that is not a UUID', T.all, `${details()}/not-a-uuid`],
        ['a workspace id that is not a UUID', T.all, `${details('not-a-uuid')}/${h.DETAIL_CONCRETE_TYPICAL}`],
        ['an id that is not a UUID, key with no grant for the type', T.families, `${details()}/not-a-uuid`],
      ];
      const seen = new Set();
      for (const [why, token, path] of cases) {
        const r = await get(path, token);
        assert.equal(r.status, 404, why);
        seen.add(shape(r));
      }
      assert.equal(seen.size, 1, [...seen].join('\n'));
    });

    it('2: a detail filter on project_id still grants a get by id (not searchable, single read is fine)', async () => {
      const r = await get(`${details()}/${h.DETAIL_CONCRETE_PROJECT}`, T.project);
      assert.equal(r.status, 200);
    });

    it('2, 5: an id that is not a UUID is decided like one that names nothing, after authentication', async () => {
      const stashes = `/v1/workspaces/${WS_MAIN}/stashes`;
      const families = `/v1/workspaces/${WS_MAIN}/families`;
      const patch = { attributes: { is_permanent: true } };
      // The token is checked first: none, unknown, revoked.
      for (const id of MALFORMED_IDS) {
        const none = await get(`${details()}/${id}`);
        assert.equal(none.status, 401, id);
        assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="portcullis"');
        for (const [token, why] of [['pcat_doesnotexist', 'unknown'], [T.revoked, 'revoked']]) {
          for (const r of [await get(`${details()}/${id}`, token), await send('PATCH', `${stashes}/${id}`, token, patch),
            await get(`${families}/${id}/download`, token)]) {
            assert.equal(r.status, 401, `${why} token, id ${id}`);
            assert.equal(r.json.error.code, 'invalid_token');
          }
        }
      }
      // Then the same answers, byte for byte, as for a UUID that names no entity.
      const same = (why, expected, actual) => assert.equal(shape(actual), shape(expected), why);
      const missingGet = await get(`${details()}/${h.MISSING_ID}`, T.all);
      const missingPatch = await send('PATCH', `${stashes}/${h.MISSING_ID}`, T.stash, patch);
      const missingPatchNoGrant = await send('PATCH', `${stashes}/${h.MISSING_ID}`, T.reader, patch);
      const missingDownload = await get(`${families}/${h.MISSING_ID}/download`, T.families);
      const missingDownloadNoGrant = await get(`${details()}/${h.MISSING_ID}/download`, T.warehouse);
      assert.deepEqual([missingGet.status, missingPatch.status, missingPatchNoGrant.status, missingDownload.status, missingDownloadNoGrant.status],
        [404, 404, 403, 404, 403]);
      for (const id of MALFORMED_IDS) {
        same(`get ${id}`, missingGet, await get(`${details()}/${id}`, T.all));
        same(`get ${id} in a malformed workspace`, missingGet, await get(`${details(id)}/${h.DETAIL_CONCRETE_TYPICAL}`, T.all));
        same(`update ${id}`, missingPatch, await send('PATCH', `${stashes}/${id}`, T.stash, patch));
        // SPEC 4.4.5: no eligible grant for the action comes before existence, for these ids too.
        same(`update ${id}, no write grant`, missingPatchNoGrant, await send('PATCH', `${stashes}/${id}`, T.reader, patch));
        same(`download ${id}`, missingDownload, await get(`${families}/${id}/download`, T.families));
        same(`download ${id}, no download grant`, missingDownloadNoGrant, await get(`${details()}/${id}/download`, T.warehouse));
      }
      // A tag download is 404 before anything else, whatever the id.
      assert.equal((await get(`/v1/workspaces/${WS_MAIN}/tags/not-a-uuid/download`, T.all)).status, 404);
      // Collection paths in a workspace that is not a UUID: the 403 of a workspace outside the firm.
      const outside = await get(details(h.WS_OTHER), T.all);
      assert.equal(outside.status, 403);
      same('list in a malformed workspace', outside, await get(details('not-a-uuid'), T.all));
      const created = await send('POST', `/v1/workspaces/not-a-uuid/stashes`, T.all, { attributes: { created_by: h.USER_MAIN } });
      assert.equal(created.status, 403);
      assert.equal(created.json.error.code, 'insufficient_scope');
    });

    // ---- 3. list --------------------------------------------------------------------------------
    it('3: list returns exactly the entities one eligible filter matches, over every page', async () => {
      const all = await h.listAll(gw.base, T.warehouse, details(), 100);
      assert.equal(all.status, 200);
      assert.equal(all.ids.length, h.CONCRETE_TYPICAL_COUNT); // the seed's preview count, 1,247
      assert.equal(new Set(all.ids).size, all.ids.length, 'no entity twice across pages');
      assert.equal(all.pages, Math.ceil(h.CONCRETE_TYPICAL_COUNT / 100));
      assert.ok(all.ids.includes(h.DETAIL_CONCRETE_TYPICAL));
      assert.ok(!all.ids.includes(h.DETAIL_CONCRETE_PROJECT) && !all.ids.includes(h.DETAIL_STEEL_TYPICAL));
    });

    it('3: list with several grants is their union (checked against the engine\'s own decide)', async () => {
      const world = await worldOf(ds.url, gw.base, WS_MAIN, 'detail');
      const expected = engine.decide(world, engineKey(K.multi), { operation: 'list', workspace_id: WS_MAIN, entity_type: 'detail' });
      assert.equal(expected.status, 200);
      const got = await h.listAll(gw.base, T.multi, details(), 200);
      assert.equal(got.status, 200);
      assert.deepEqual([...got.ids].sort(), [...expected.ids].sort());
      assert.ok(got.ids.length > h.CONCRETE_TYPICAL_COUNT);
    });

    it('3: an eligible system filter lists everything, and an empty search is 200 with nothing', async () => {
      const got = await h.listAll(gw.base, T.all, details(), 200);
      assert.equal(got.status, 200);
      const everything = await h.allEntities(ds.url, WS_MAIN, 'detail');
      assert.deepEqual([...got.ids].sort(), everything.map((e) => e.id).sort());
      const none = await get(`${details()}?type=no-such-type`, T.all);
      assert.equal(none.status, 200);
      assert.deepEqual(none.json.data, []);
    });

    it('3: the data service\'s search parameters pass through and narrow within the scope', async () => {
      const r = await h.listAll(gw.base, T.warehouse, `${details()}?type=steel`, 200);
      assert.equal(r.status, 200);
      assert.ok(r.ids.length > 0);
      const page = await get(`${details()}?type=steel&limit=50`, T.warehouse);
      for (const e of page.json.data) {
        assert.equal(e.attributes.type, 'steel');
        assert.equal(e.attributes.project_type, 'typical');
        assert.ok(e.attributes.tags.includes('concrete'));
      }
      const bad = await get(`${details()}?status=draft`, T.warehouse);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'unsupported_search_parameter');
    });

    it('3: stored filters matching nothing: 403 insufficient_scope, whatever the caller searches', async () => {
      for (const q of ['', '?type=concrete', '?q=zzz', '?limit=1']) {
        const r = await get(`${details()}${q}`, T.nothing);
        assert.equal(r.status, 403, q);
        assert.equal(r.json.error.code, 'insufficient_scope');
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="portcullis", error="insufficient_scope"');
      }
    });

    it('3: no eligible read grant: 403 (other type, other workspace, other firm, archived, not searchable)', async () => {
      const cases = [
        ['other type', T.families, details()],
        ['other workspace', T.second, details()],
        ['other firm', T.other, details()],
        ['archived filter', T.archived, details()],
        ['project_id detail filter is not searchable', T.project, details()],
        ['write only', T.stashBlind, `/v1/workspaces/${WS_MAIN}/stashes`],
      ];
      for (const [why, token, path] of cases) {
        const r = await get(path, token);
        assert.equal(r.status, 403, why);
        assert.equal(r.json.error.code, 'insufficient_scope', why);
      }
    });

    it('3: pagination is stable and capped', async () => {
      const first = await get(`${details()}?limit=5000`, T.all);
      assert.equal(first.status, 200);
      assert.equal(first.json.data.length, 200); // the cap
      const p1 = await get(`${details()}?limit=7`, T.warehouse);
      const p2 = await get(`${details()}?limit=7&cursor=${p1.json.next_cursor}`, T.warehouse);
      const both = await get(`${details()}?limit=14`, T.warehouse);
      assert.deepEqual([...p1.json.data, ...p2.json.data].map((e) => e.id), both.json.data.map((e) => e.id));
      const foreign = await get(`/v1/workspaces/${WS_MAIN}/families?cursor=${p1.json.next_cursor}`, T.all);
      assert.equal(foreign.status, 400);
      assert.equal(foreign.json.error.code, 'invalid_cursor');
    });

    // ---- 4. create ------------------------------------------------------------------------------
    it('4: create: 201 inside a write filter, 403 outside it, 403 with no write grant', async () => {
      const path = `/v1/workspaces/${WS_MAIN}/stashes`;
      const mine = await send('POST', path, T.stash, { attributes: { created_by: h.USER_MAIN, is_permanent: false, project_id: h.PROJECT_MAIN } });
      assert.equal(mine.status, 201, mine.text);
      assert.equal(mine.json.data.attributes.created_by, h.USER_MAIN);
      assert.ok(mine.json.data.attributes.created_at);
      const back = await get(`${path}/${mine.json.data.id}`, T.stash);
      assert.equal(back.status, 200);
      const theirs = await send('POST', path, T.stash, { attributes: { created_by: h.MISSING_ID, is_permanent: false } });
      assert.equal(theirs.status, 403);
      assert.equal(theirs.json.error.code, 'insufficient_scope');
      const reader = await send('POST', path, T.reader, { attributes: { created_by: h.USER_MAIN } });
      assert.equal(reader.status, 403);
      const tag = await send('POST', `/v1/workspaces/${WS_MAIN}/tags`, T.all, { attributes: { name: `tag-${runtime}` } });
      assert.equal(tag.status, 201);
    });

    // ---- 5. update and download ---------------------------------------------------------------
    it('5: update: 200 in reach; 403 visible but not writable; 404 invisible; 403 moving out of reach', async () => {
      const path = `/v1/workspaces/${WS_MAIN}/stashes`;
      const mine = (await send('POST', path, T.stash, { attributes: { created_by: h.USER_MAIN, is_permanent: false } })).json.data;
      const ok = await send('PATCH', `${path}/${mine.id}`, T.stash, { attributes: { is_permanent: true } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.data.attributes.is_permanent, true);
      const moveOut = await send('PATCH', `${path}/${mine.id}`, T.stash, { attributes: { created_by: h.MISSING_ID } });
      assert.equal(moveOut.status, 403);
      assert.equal(moveOut.json.error.code, 'insufficient_scope');
      const still = await get(`${path}/${mine.id}`, T.stash);
      assert.equal(still.json.data.attributes.created_by, h.USER_MAIN, 'a refused update changes nothing');

      const someone = (await send('POST', path, T.all, { attributes: { created_by: h.MISSING_ID, is_permanent: false } })).json.data;
      const visible = await send('PATCH', `${path}/${someone.id}`, T.stash, { attributes: { is_permanent: true } });
      assert.equal(visible.status, 403); // readable through default:stashes, not writable
      const invisible = await send('PATCH', `${path}/${someone.id}`, T.stashBlind, { attributes: { is_permanent: true } });
      assert.equal(invisible.status, 404);
      assert.equal(invisible.json.error.code, 'not_found');
      const missing = await send('PATCH', `${path}/${h.MISSING_ID}`, T.stash, { attributes: { is_permanent: true } });
      assert.equal(missing.status, 404);
      const noGrant = await send('PATCH', `${path}/${h.MISSING_ID}`, T.reader, { attributes: { is_permanent: true } });
      assert.equal(noGrant.status, 403); // no eligible write grant comes before existence
    });

    it('5: download: signed URL for a granted entity; 403 visible-not-downloadable; 404 invisible; 403 no grant', async () => {
      const fams = await get(`/v1/workspaces/${WS_MAIN}/families?limit=1`, T.families);
      const fam = fams.json.data[0];
      const dl = await get(`/v1/workspaces/${WS_MAIN}/families/${fam.id}/download`, T.families);
      assert.equal(dl.status, 200, dl.text);
      const file = dl.json.data.files[0];
      assert.equal(file.name, `${fam.id}.rfa`);
      const body = await h.http(gw.base, 'GET', new URL(file.url).pathname + new URL(file.url).search, { headers: fromLocal });
      assert.equal(body.status, 200);
      assert.match(body.text, new RegExp(fam.id));
      const tampered = file.url.replace(/sig=[^&]+/, 'sig=AAAA');
      const bad = await h.http(gw.base, 'GET', new URL(tampered).pathname + new URL(tampered).search, { headers: fromLocal });
      assert.equal(bad.status, 403);
      // The signature is checked before the path: a malformed one without a signature is refused alike.
      const malformed = await h.http(gw.base, 'GET', `/v1/files/${WS_MAIN}/families/not-a-uuid/x.rfa`, { headers: fromLocal });
      const unsigned = await h.http(gw.base, 'GET', new URL(file.url).pathname, { headers: fromLocal });
      assert.equal(unsigned.status, 403);
      assert.equal(shape(malformed), shape(unsigned));

      const path = `/v1/workspaces/${WS_MAIN}/stashes`;
      const notPerm = (await send('POST', path, T.all, { attributes: { created_by: h.USER_MAIN, is_permanent: false } })).json.data;
      const perm = (await send('POST', path, T.all, { attributes: { created_by: h.USER_MAIN, is_permanent: true } })).json.data;
      assert.equal((await get(`${path}/${perm.id}/download`, T.stash)).status, 200);
      const visible = await get(`${path}/${notPerm.id}/download`, T.stash);
      assert.equal(visible.status, 403);
      assert.equal(visible.json.error.code, 'insufficient_scope');
      const noDownload = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}/download`, T.warehouse);
      assert.equal(noDownload.status, 403); // no eligible download grant at all
      const missing = await get(`/v1/workspaces/${WS_MAIN}/families/${h.MISSING_ID}/download`, T.families);
      assert.equal(missing.status, 404);
    });

    // ---- /v1/me, wire details --------------------------------------------------------------------
    it('/v1/me answers the key\'s id, name, firm and grants', async () => {
      const r = await get('/v1/me', T.warehouse);
      assert.equal(r.status, 200);
      assert.equal(r.json.data.key_id, K.warehouse.id);
      assert.equal(r.json.data.key_name, 'Acme Data Warehouse');
      assert.equal(r.json.data.firm_id, FIRM);
      assert.deepEqual(r.json.data.grants.map((g) => [g.filter, g.filter_name, g.actions]), [[F.concrete.id, 'Concrete details (typical library)', ['read']]]);
      assert.equal((await get('/v1/me', T.revoked)).status, 401);
      assert.equal((await get('/v1/me', T.ipOut)).status, 401);
    });

    it('malformed queries and bodies are a 400 (a path that names nothing: 404), never a 500', async () => {
      const bad = [
        ['GET', `${details()}?limit=0`, 400],
        ['GET', `${details()}?limit=abc`, 400],
        ['GET', `${details()}?cursor=%%%`, 400],
        ['GET', `${details()}?type=a&type=b`, 400],
        ['GET', `/v1/workspaces/${WS_MAIN}/widgets`, 404],
        ['GET', `/v1/workspaces/${WS_MAIN}/details/${h.MISSING_ID}/extra/more`, 404],
        ['DELETE', `${details()}/${h.MISSING_ID}`, 405],
      ];
      for (const [m, p, status] of bad) {
        const r = await send(m, p, T.all);
        assert.equal(r.status, status, `${m} ${p}: ${r.text}`);
        assert.ok(r.json?.error?.code, 'a JSON error with a code');
      }
      const path = `/v1/workspaces/${WS_MAIN}/stashes`;
      for (const body of ['{', '[]', '"x"', '{"attributes": 3}', '{"attributes": {"nope": 1}}', '{"attributes": {"is_permanent": "yes"}}',
        '{"attributes": {"created_by": "bob"}}', '{"attributes": {"created_at": "2025-01-01"}}', '{"extra": 1}']) {
        const r = await send('POST', path, T.all, body);
        assert.equal(r.status, 400, `${body}: ${r.text}`);
        assert.doesNotMatch(r.text, /\bat [\w.]+ \(/, 'no stack trace');
      }
    });

    it('CORS: /v1 preflights get no permissive answer; /oauth/token does', async () => {
      const pre = { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' };
      const v1 = await h.http(gw.base, 'OPTIONS', details(), { headers: pre });
      assert.equal(v1.headers.get('access-control-allow-origin'), null);
      const v1get = await get(`${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, T.warehouse, { origin: 'https://evil.example' });
      assert.equal(v1get.headers.get('access-control-allow-origin'), null);
      const tok = await h.http(gw.base, 'OPTIONS', '/oauth/token', { headers: { ...pre, 'access-control-request-method': 'POST' } });
      assert.ok(tok.status === 204 || tok.status === 200);
      assert.equal(tok.headers.get('access-control-allow-origin'), '*');
    });

    it('/oauth/token: form and JSON bodies, HTTP Basic, and RFC 6749 errors', async () => {
      const k = K.warehouse;
      const json = await h.http(gw.base, 'POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: k.client_id, client_secret: k.secret } });
      assert.equal(json.status, 200);
      assert.equal(json.json.token_type, 'Bearer');
      assert.equal(json.headers.get('cache-control'), 'no-store');
      const basic = await h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials' },
        headers: { authorization: `Basic ${Buffer.from(`${k.client_id}:${k.secret}`).toString('base64')}` } });
      assert.equal(basic.status, 200);
      assert.equal((await get('/v1/me', basic.json.access_token)).status, 200);
      const wrong = await h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: k.client_id, client_secret: `${k.secret}x` } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.json.error, 'invalid_client');
      const grant = await h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'password', client_id: k.client_id, client_secret: k.secret } });
      assert.equal(grant.status, 400);
      assert.equal(grant.json.error, 'unsupported_grant_type');
      const garbage = await h.http(gw.base, 'POST', '/oauth/token', { body: '{nope', headers: { 'content-type': 'application/json' } });
      assert.equal(garbage.status, 400);
      assert.equal(garbage.json.error, 'invalid_request');
      const revoked = await h.http(gw.base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: K.revoked.client_id, client_secret: K.revoked.secret } });
      assert.equal(revoked.status, 401);
      assert.match(k.client_id, /^pcid_live_/);
      assert.match(k.secret, /^pcs_live_/);
    });
  });
}

/** The world the engine's one-shot decide needs: firms, the gateway's filters, all entities. */
async function worldOf(dataUrl, gatewayBase, ws, type) {
  const firms = (await (await fetch(`${dataUrl}/internal/firms`)).json()).firms.map((f) => ({ id: f.id, workspaces: f.workspaces.map((w) => w.id) }));
  const filters = (await h.admin(gatewayBase).call('GET', '/filters?include_archived=true')).json.filters
    .filter((f) => !f.system)
    .map((f) => ({ id: f.id, workspace_id: f.workspace_id, entity_type: f.entity_type, name: f.name, predicate: f.predicate, archived: f.archived }));
  const entities = [];
  for (const w of firms.flatMap((f) => f.workspaces)) entities.push(...(await h.allEntities(dataUrl, w, type)));
  return { firms, filters, entities };
}

function engineKey(k) {
  return { id: k.id, firm_id: k.firm_id, revoked: k.revoked, allowed_ips: k.allowed_ips,
    grants: k.grants.map((g) => ({ ...(g.workspace_id ? { workspace_id: g.workspace_id } : {}), filter: g.filter, actions: g.actions })) };
}
