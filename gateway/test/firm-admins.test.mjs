// Firm admins (issue 7, seeds 000 and 003): an admin credential scoped to one firm manages that
// firm's filters, keys, grants, admins and audit log, and nothing else. Another firm's objects are,
// to it, objects that do not exist: the same 404 bytes, the same 422 diagnostics, absent from
// lists. The operator credential keeps managing every firm. Run on Node and on workerd.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './helpers.mjs';

const { WS_MAIN, WS_OTHER, FIRM, FIRM_OTHER, MISSING_ID, shape } = h;

for (const runtime of ['node', 'workerd']) {
  describe(`firm admins on ${runtime}`, () => {
    let ds;
    let gw;
    let op; // the operator
    let acme; // firm admin of FIRM
    let other; // firm admin of FIRM_OTHER
    let fA; // a filter of FIRM, made by acme
    let kA; // a key of FIRM, made by acme
    let fB;
    let kB;

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url });
      ({ op, acme, other } = await h.firmAdmins(gw.base));
      fA = await acme.createFilter({ workspace_id: WS_MAIN, entity_type: 'detail', name: 'Acme steel', predicate_text: 'type eq "steel"' });
      kA = await acme.createKey({ name: 'Acme key', grants: [{ workspace_id: WS_MAIN, filter: fA.id, actions: ['read'] }] });
      fB = await other.createFilter({ workspace_id: WS_OTHER, entity_type: 'detail', name: 'Other steel', predicate_text: 'type eq "steel"' });
      kB = await other.createKey({ name: 'Other key', grants: [{ workspace_id: WS_OTHER, filter: fB.id, actions: ['read'] }] });
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('a firm admin credential: prefixed, shown once, scoped to its firm; refused on the data API', async () => {
      assert.match(acme.token, /^pcadm_[A-Za-z0-9_-]{40,}$/);
      assert.match(acme.record.id, /^adm_/);
      assert.equal(acme.record.firm_id, FIRM);
      assert.equal((await op.call('GET', `/admins/${acme.record.id}`)).json.admin.token, undefined, 'never shown again');
      const me = await acme.call('GET', '/me');
      assert.deepEqual(me.json.admin, { id: acme.record.id, name: 'Acme firm admin', firm_id: FIRM, operator: false });
      assert.equal((await op.call('GET', '/me')).json.admin.operator, true);
      assert.equal(kA.firm_id, FIRM, 'a firm admin\'s key is of its firm without naming it');
      const v1 = await h.http(gw.base, 'GET', '/v1/me', { token: acme.token });
      assert.equal(v1.status, 401);
      assert.equal(v1.json.error.code, 'invalid_token');
    });

    it('keys of another firm: not listed, and every operation is the 404 of a missing key', async () => {
      assert.deepEqual((await other.call('GET', '/keys')).json.keys.map((k) => k.id), [kB.id]);
      assert.deepEqual((await other.call('GET', `/keys?firm_id=${FIRM}`)).json.keys, []);
      assert.deepEqual((await acme.call('GET', '/keys')).json.keys.map((k) => k.id), [kA.id]);
      const grantId = kA.grants[0].id;
      const ops = (id) => [
        ['GET', `/keys/${id}`],
        ['POST', `/keys/${id}/reveal`],
        ['POST', `/keys/${id}/reveal?format=env`],
        ['POST', `/keys/${id}/regenerate`],
        ['POST', `/keys/${id}/revoke`],
        ['POST', `/keys/${id}/grants`, { workspace_id: WS_OTHER, filter: 'default:details', actions: ['read'] }],
        ['DELETE', `/keys/${id}/grants/${grantId}`],
        ['PUT', `/keys/${id}/allowed_ips`, { allowed_ips: ['192.0.2.0/24'] }],
      ];
      const missing = ops('key_doesnotexist');
      for (const [i, [m, path, body]] of ops(kA.id).entries()) {
        const theirs = await other.call(m, path, body);
        const none = await other.call(missing[i][0], missing[i][1], missing[i][2]);
        assert.equal(theirs.status, 404, `${m} ${path}`);
        assert.equal(shape(theirs), shape(none), `${m} ${path}: the same bytes as a missing key`);
      }
      // And nothing happened to the key.
      const still = (await acme.call('GET', `/keys/${kA.id}`)).json.key;
      assert.equal(still.revoked, false);
      assert.equal(still.secret_regenerated_at, null);
      assert.equal(still.allowed_ips, null);
      assert.deepEqual(still.grants.map((g) => g.id), [grantId]);
      assert.equal((await acme.call('POST', `/keys/${kA.id}/reveal`)).json.client_secret, kA.secret);
      assert.equal((await op.call('GET', `/audit?target_id=${kA.id}&actor_id=${other.record.id}`)).json.entries.length, 0);
    });

    it('filters of another firm: not listed, and get, edit, dry run and archive are the 404 of a missing filter', async () => {
      const listed = (await other.call('GET', '/filters?include_archived=true')).json.filters;
      assert.ok(!listed.some((f) => f.id === fA.id));
      assert.ok(listed.every((f) => f.firm_id === undefined || f.firm_id === FIRM_OTHER), 'no system filter of another firm');
      assert.deepEqual(listed.filter((f) => f.name === 'default:any').map((f) => f.firm_id), [FIRM_OTHER]);
      assert.deepEqual((await other.call('GET', `/filters?workspace_id=${WS_MAIN}`)).json.filters, []);
      const ops = (id) => [
        ['GET', `/filters/${id}`],
        ['PATCH', `/filters/${id}`, { name: 'mine now' }],
        ['PATCH', `/filters/${id}?dry_run=true`, { predicate_text: 'type eq "concrete"' }],
        ['POST', `/filters/${id}/archive`],
        ['DELETE', `/filters/${id}`],
      ];
      const missing = ops('flt_doesnotexist');
      for (const [i, [m, path, body]] of ops(fA.id).entries()) {
        const theirs = await other.call(m, path, body);
        const none = await other.call(missing[i][0], missing[i][1], missing[i][2]);
        assert.equal(theirs.status, 404, `${m} ${path}`);
        assert.equal(shape(theirs), shape(none), `${m} ${path}: the same bytes as a missing filter`);
      }
      const sys = await other.call('GET', `/filters/default:details?workspace_id=${WS_MAIN}`);
      assert.equal(shape(sys), shape(await other.call('GET', `/filters/default:details?workspace_id=${MISSING_ID}`)));
      assert.equal(sys.status, 404);
      const mine = (await acme.call('GET', `/filters/${fA.id}`)).json.filter;
      assert.equal(mine.name, 'Acme steel');
      assert.equal(mine.archived, false);

      // Creating or previewing in another firm's workspace: the answer for a workspace that does not exist.
      const body = { entity_type: 'detail', name: 'x', predicate_text: 'type eq "a"' };
      for (const path of ['/filters', '/filters/preview']) {
        const theirs = await other.call('POST', path, { ...body, workspace_id: WS_MAIN });
        assert.equal(theirs.status, 422, path);
        assert.equal(theirs.json.error.code, 'unknown_workspace');
        assert.equal(shape(theirs), shape(await other.call('POST', path, { ...body, workspace_id: MISSING_ID })), path);
      }
    });

    it('another firm\'s filter cannot be granted: the diagnostics of a filter that does not exist', async () => {
      const attempt = async (filter, ws) => {
        const created = await other.call('POST', '/keys', { name: 'grab', grants: [{ workspace_id: ws, filter, actions: ['read'] }] });
        const added = await other.call('POST', `/keys/${kB.id}/grants`, { workspace_id: ws, filter, actions: ['read'] });
        return [created, added].map((r) => {
          assert.equal(r.status, 422, r.text);
          assert.equal(r.json.error.code, 'invalid_grants');
          return JSON.stringify(r.json.error.diagnostics).split(filter).join('<filter>');
        });
      };
      for (const ws of [WS_OTHER, WS_MAIN]) {
        const theirs = await attempt(fA.id, ws);
        const none = await attempt('flt_doesnotexist', ws);
        assert.deepEqual(theirs, none, `grant in ${ws}`);
      }
      assert.ok((await attempt(fA.id, WS_OTHER))[0].includes('unknown_filter'));
      assert.deepEqual((await other.call('GET', `/keys/${kB.id}`)).json.key.grants.map((g) => g.filter), [fB.id]);
      assert.equal((await other.call('GET', '/keys')).json.keys.length, 1, 'no key was created');
      // A key for another firm: the answer for a firm that does not exist.
      const foreign = await other.call('POST', '/keys', { firm_id: FIRM, name: 'x', grants: [] });
      assert.equal(foreign.status, 422);
      assert.equal(shape(foreign), shape(await other.call('POST', '/keys', { firm_id: MISSING_ID, name: 'x', grants: [] })));
    });

    it('firms, workspaces, entities and values: only its own firm\'s', async () => {
      assert.deepEqual((await other.call('GET', '/firms')).json.firms.map((f) => f.id), [FIRM_OTHER]);
      assert.deepEqual((await op.call('GET', '/firms')).json.firms.map((f) => f.id).sort(), [FIRM, FIRM_OTHER].sort());
      const ws = await other.call('GET', '/workspaces');
      assert.equal(ws.json.firm.id, FIRM_OTHER);
      assert.deepEqual(ws.json.firms.map((f) => f.id), [FIRM_OTHER]);
      const theirs = await other.call('GET', `/workspaces?firm_id=${FIRM}`);
      assert.equal(theirs.status, 404);
      assert.equal(shape(theirs), shape(await other.call('GET', `/workspaces?firm_id=${MISSING_ID}`)));
      const ents = await other.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=tag`);
      assert.equal(ents.status, 404);
      assert.equal(shape(ents), shape(await other.call('GET', `/workspaces/${MISSING_ID}/entities?entity_type=tag`)));
      const own = await other.call('GET', `/workspaces/${WS_OTHER}/entities?entity_type=tag`);
      assert.equal(own.status, 200);
      assert.ok(own.json.entities.length > 0 && own.json.entities.every((e) => e.workspace_id.toLowerCase() === WS_OTHER));
      // The common values of another firm's workspace: the same 404 as a workspace that does not exist.
      const vals = await other.call('GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=type`);
      assert.equal(vals.status, 404);
      assert.equal(shape(vals), shape(await other.call('GET', `/workspaces/${MISSING_ID}/values?entity_type=detail&attribute=type`)));
      assert.equal((await other.call('GET', `/workspaces/${WS_OTHER}/values?entity_type=detail&attribute=type`)).status, 200);
    });

    it('the audit log names the admin who acted, and a firm admin reads only its firm\'s entries', async () => {
      await acme.call('POST', `/keys/${kA.id}/reveal`);
      const reveal = (await acme.call('GET', `/audit?action=key.reveal&target_id=${kA.id}`)).json.entries[0];
      assert.equal(reveal.actor_id, acme.record.id);
      assert.equal(reveal.actor, 'Acme firm admin');
      assert.equal(reveal.actor_firm_id, FIRM);
      assert.equal(reveal.firm_id, FIRM);
      const created = (await acme.call('GET', `/audit?action=filter.create&target_id=${fA.id}`)).json.entries[0];
      assert.equal(created.actor_id, acme.record.id);
      assert.equal((await acme.call('GET', `/filters/${fA.id}`)).json.filter.created_by, acme.record.id);
      const byOperator = (await op.call('GET', `/audit?action=admin.create&target_id=${acme.record.id}`)).json.entries[0];
      assert.equal(byOperator.actor_id, 'operator:admin');
      assert.equal(byOperator.actor_firm_id, null);
      assert.equal(byOperator.firm_id, FIRM);

      const firmsIn = async (a) => new Set((await a.call('GET', '/audit?limit=500')).json.entries.map((e) => e.firm_id));
      assert.deepEqual([...await firmsIn(acme)], [FIRM]);
      assert.deepEqual([...await firmsIn(other)], [FIRM_OTHER]);
      assert.deepEqual([...await firmsIn(op)].sort(), [FIRM, FIRM_OTHER].sort());
      const mine = (await other.call('GET', `/audit?actor_id=${other.record.id}&limit=500`)).json.entries;
      assert.ok(mine.length >= 2 && mine.every((e) => e.actor_id === other.record.id));
      assert.deepEqual((await other.call('GET', `/audit?target_id=${kA.id}`)).json.entries, []);
      // An entry of another firm is no cursor either.
      const acmeEntry = (await acme.call('GET', '/audit?limit=1')).json.entries[0].id;
      const cursor = await other.call('GET', `/audit?cursor=${acmeEntry}`);
      assert.equal(cursor.status, 400);
      assert.equal(shape(cursor), shape(await other.call('GET', '/audit?cursor=aud_99999999')));
    });

    it('admins: a firm admin manages its own firm\'s admins only; a revoked one is refused at once', async () => {
      const second = await acme.call('POST', '/admins', { name: 'Acme second admin' });
      assert.equal(second.status, 201, second.text);
      assert.equal(second.json.admin.firm_id, FIRM);
      const acme2 = h.admin(gw.base, second.json.token);
      assert.equal((await acme2.call('GET', '/keys')).status, 200);
      assert.deepEqual((await acme.call('GET', '/admins')).json.admins.map((x) => x.firm_id), [FIRM, FIRM]);
      const foreign = await acme.call('POST', '/admins', { name: 'sneaky', firm_id: FIRM_OTHER });
      assert.equal(foreign.status, 422);
      assert.equal(shape(foreign), shape(await acme.call('POST', '/admins', { name: 'sneaky', firm_id: MISSING_ID })));
      for (const [m, suffix] of [['GET', ''], ['POST', '/revoke']]) {
        const theirs = await acme.call(m, `/admins/${other.record.id}${suffix}`);
        assert.equal(theirs.status, 404);
        assert.equal(shape(theirs), shape(await acme.call(m, `/admins/adm_doesnotexist${suffix}`)));
      }
      assert.equal((await other.call('GET', '/me')).status, 200, 'the other firm\'s admin is untouched');

      const rv = await acme.call('POST', `/admins/${second.json.admin.id}/revoke`);
      assert.equal(rv.status, 200);
      assert.equal(rv.json.admin.revoked, true);
      const refused = await acme2.call('GET', '/keys');
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error.code, 'invalid_token');
      const log = (await acme.call('GET', `/audit?target_id=${second.json.admin.id}`)).json.entries.map((e) => [e.action, e.actor_id]);
      assert.deepEqual(log, [['admin.revoke', acme.record.id], ['admin.create', acme.record.id]]);
    });

    it('idempotency keys are scoped to the admin credential, not to its name', async () => {
      const twin = await op.call('POST', '/admins', { firm_id: FIRM, name: 'Acme firm admin' }); // same name, another credential
      const acmeTwin = h.admin(gw.base, twin.json.token);
      const body = { workspace_id: WS_MAIN, entity_type: 'tag', name: `twin ${runtime}`, predicate_text: 'name eq "x"' };
      const headers = { 'idempotency-key': 'shared-key' };
      const r1 = await acme.call('POST', '/filters', body, headers);
      const r2 = await acmeTwin.call('POST', '/filters', body, headers);
      assert.equal(r1.status, 201);
      assert.equal(r2.status, 201);
      assert.equal(r2.headers.get('idempotency-replayed'), null);
      assert.notEqual(r2.json.filter.id, r1.json.filter.id);
      assert.equal((await acme.call('POST', '/filters', body, headers)).headers.get('idempotency-replayed'), 'true');
    });
  });
}
