// The contract rules a gateway or a builder asks the engine instead of restating: attribute
// typing for writes, system filters, UUIDs, credentials from a source address, and a key
// change as an admin makes it. Each answer here is the native engine's (tests/rules.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAttributes, systemFilters, isSystemFilter, canonicalUuid, Store } from '../../pkg/service/node.mjs';

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const OTHER_FIRM = 'f2000000-0000-4000-8000-000000000002';
const WS = 'a1000000-0000-4000-8000-00000000000a';
const OTHER_WS = 'c3000000-0000-4000-8000-00000000000c';
const codes = (r) => (r.ok ? [] : r.errors.map((d) => d.code));

test('attributes of a write are typed as evaluation types them', () => {
  assert.deepEqual(checkAttributes('stash', { created_by: '5B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E', is_permanent: true }), { ok: true });
  assert.deepEqual(checkAttributes('family', { name: null, tags: [] }), { ok: true });
  const stash = checkAttributes('stash', { project_id: '5b6c7d8e9fa04b1c8d2e3f4a5b6c7d8e', is_permanent: 'yes' });
  assert.deepEqual(codes(stash), ['invalid_attribute', 'invalid_attribute']);
  // Creation times are the data service's: a write never sets one, well-formed or not.
  for (const at of ['2025-01-01', '2024-02-30', '2025-01-01t10:00:00z']) {
    assert.deepEqual(codes(checkAttributes('detail', { created_at: at })), ['read_only_attribute']);
  }
  const r = checkAttributes('detail', { colour: 'red', tags: ['a', 1], project_id: '2024-02-30' });
  assert.deepEqual(codes(r), ['unknown_attribute', 'invalid_attribute', 'invalid_attribute']);
  assert.equal(r.errors[0].location.path, '$.colour');
  assert.deepEqual(codes(checkAttributes('detail', [1])), ['invalid_attribute']);
  assert.deepEqual(codes(checkAttributes('widget', {})), ['unknown_entity_type']);
});

test('system filters come from the engine', () => {
  const all = systemFilters({ id: FIRM, workspaces: [WS] });
  assert.deepEqual(all.map((f) => f.id), ['default:families', 'default:details', 'default:stashes', 'default:tags', 'default:any']);
  assert.equal(all[1].entity_type, 'detail');
  assert.equal(all[1].workspace_id, WS);
  assert.equal(all[4].firm_global, true);
  assert.equal(all[4].workspace_id, null);
  assert.ok(isSystemFilter('default:any') && isSystemFilter('default:details') && !isSystemFilter('flt_1'));
  assert.equal(canonicalUuid('A1000000-0000-4000-8000-00000000000A'), WS);
  assert.equal(canonicalUuid('d1'), null);
  assert.equal(canonicalUuid(7), null);
});

function store() {
  const s = new Store();
  s.putFirm({ id: FIRM, workspaces: [WS] });
  s.putFirm({ id: OTHER_FIRM, workspaces: [OTHER_WS] });
  s.putFilter({ id: 'mine', workspace_id: WS, entity_type: 'detail', name: 'Mine', predicate_text: 'type eq "steel"' });
  s.putFilter({ id: 'theirs', workspace_id: OTHER_WS, entity_type: 'detail', name: 'Theirs', predicate_text: 'type eq "steel"' });
  return s;
}

test('credentials are accepted per source address, in a firm with no workspaces too', () => {
  const s = store();
  s.putFirm({ id: 'f9000000-0000-4000-8000-000000000009', workspaces: [] });
  s.putKey({ id: 'k', firm_id: 'f9000000-0000-4000-8000-000000000009', allowed_ips: ['10.0.0.0/8'], grants: [] });
  assert.equal(s.acceptsCredentials('k', '10.2.3.4'), true);
  assert.equal(s.acceptsCredentials('k', '192.0.2.1'), false);
  assert.equal(s.acceptsCredentials('k', null), false);
  assert.equal(s.acceptsCredentials('nobody', '10.2.3.4'), false);
  s.putKey({ id: 'r', firm_id: FIRM, revoked: true, grants: [] });
  assert.equal(s.acceptsCredentials('r'), false);
});

test('a key change: kept grants on archived filters are inert, another firm is unknown_filter', () => {
  const s = store();
  const grant = { workspace_id: WS, filter: 'mine', actions: ['read'] };
  const before = { id: 'k', firm_id: FIRM, grants: [grant] };
  s.archiveFilter('mine');
  const kept = s.validateKeyChange({ key: { ...before, allowed_ips: ['10.0.0.0/8'] }, previous: before });
  assert.deepEqual(kept, { valid: true, errors: [] });
  const added = s.validateKeyChange({ key: { ...before, grants: [grant, grant] }, previous: before });
  assert.deepEqual(codes({ ok: false, errors: added.errors }), ['filter_archived']);
  assert.equal(added.errors[0].location.path, '$.grants[1].filter');
  const theirs = { id: 'k2', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'theirs', actions: ['read'] }] };
  const asAdmin = s.validateKeyChange({ key: theirs, viewer_firm: FIRM });
  const asNobody = s.validateKeyChange({ key: { ...theirs, grants: [{ ...theirs.grants[0], filter: 'nothing' }] }, viewer_firm: FIRM });
  assert.deepEqual(asAdmin.errors.map((d) => d.code), ['unknown_filter']);
  assert.equal(asAdmin.errors[0].message, asNobody.errors[0].message.replace('nothing', 'theirs'));
  // An operator (and plain validation) sees the filter, in another workspace.
  assert.deepEqual(s.validateKeyChange({ key: theirs }).errors.map((d) => d.code), ['workspace_mismatch']);
  assert.deepEqual(s.validateKey(theirs).errors.map((d) => d.code), ['workspace_mismatch']);
});

test('compileSql: a filter or a list scope as a WHERE fragment and its parameters', async () => {
  const { compileSql } = await import('../../pkg/service/node.mjs');
  const q = compileSql({ dialect: 'postgres', entity_type: 'detail', predicate_text: 'NOT type eq "steel"' });
  assert.deepEqual(q, { ok: true, sql: '"type" <> $1', params: [{ type: 'text', value: 'steel' }] });
  const s = new Store();
  s.putFirm({ id: FIRM, workspaces: [WS] });
  s.putFilter({ id: 'f', workspace_id: WS, entity_type: 'stash', name: 'F', predicate_text: 'is_permanent eq true' });
  s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'f', actions: ['read'] }] });
  const auth = s.authorizeList('k', { operation: 'list', workspace_id: WS, entity_type: 'stash' });
  const scoped = compileSql({ dialect: 'sqlite', entity_type: 'stash', scope: auth.scope });
  assert.deepEqual(scoped, { ok: true, sql: '"is_permanent" = ?1', params: [{ type: 'bool', value: true }] });
  assert.equal(compileSql({ dialect: 'sqlite', entity_type: 'detail', predicate_text: 'type like "x"' }).errors[0].code, 'operator_not_allowed');
  assert.throws(() => compileSql({ dialect: 'mysql', entity_type: 'detail', predicate_text: 'type eq "x"' }), TypeError);
  const main = await import('../../pkg/node.mjs');
  assert.throws(() => main.compileSql({ dialect: 'sqlite', entity_type: 'detail', predicate_text: 'type eq "x"' }), /portcullis\/service/);
});
