// The answers are exactly what pkg/index.d.ts says they are: each case of a discriminated
// union carries the fields its type names and no others; readonly (frozen) inputs are taken as
// they are; a prepared list takes an EntitySet or JSON text as well as an array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as P from '../../pkg/service/node.mjs';

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const WS = 'a1000000-0000-4000-8000-00000000000a';
const WS2 = 'a2000000-0000-4000-8000-00000000000b';
const id = (i) => `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function deepFreeze(v) {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const details = deepFreeze(Array.from({ length: 60 }, (_, i) => ({
  id: id(i),
  workspace_id: i % 10 === 9 ? WS2 : WS,
  entity_type: i % 15 === 14 ? 'family' : 'detail',
  attributes: { project_type: i % 2 ? 'typical' : 'project', tags: i % 3 ? ['concrete'] : ['steel'] },
})));

function store() {
  const s = new P.Store();
  assert.deepEqual(s.putFirm(deepFreeze({ id: FIRM, workspaces: [WS, WS2] })), { ok: true });
  const put = s.putFilter(deepFreeze({ id: 'typical', workspace_id: WS, entity_type: 'detail', name: 'Concrete details (typical library)',
    predicate: { and: [{ attr: 'project_type', op: 'eq', value: 'typical' }, { attr: 'tags', op: 'intersects', value: ['concrete'] }] } }));
  assert.deepEqual(put, { ok: true, warnings: [], keys_affected: 0 });
  assert.deepEqual(s.putKey(deepFreeze({ id: 'vendor', firm_id: FIRM, allowed_ips: null, grants: [{ workspace_id: WS, filter: 'typical', actions: ['read'] }] })), { valid: true, errors: [] });
  assert.deepEqual(s.putKey(deepFreeze({ id: 'downloader', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'typical', actions: ['download'] }] })), { valid: true, errors: [] });
  return s;
}

const keys = (o) => Object.keys(o).sort();
const list = { operation: 'list', workspace_id: WS, entity_type: 'detail' };
const get = (i) => ({ operation: 'get', workspace_id: WS, entity_type: 'detail', id: id(i) });

test('a prepared list takes an array, its JSON text or an EntitySet, and answers alike', () => {
  const s = store();
  const lister = s.prepare('vendor', deepFreeze({ ...list, id: 'ignored', source_ip: null }));
  assert.equal(lister.operation, 'list');
  assert.ok(lister instanceof P.Decider);
  const set = new P.EntitySet(details);
  const fromArray = lister.list(details);
  const want = details.filter((e, i) => e.workspace_id === WS && e.entity_type === 'detail' && i % 2 && i % 3).map((e) => e.id);
  assert.deepEqual(fromArray, { status: 200, ids: want });
  assert.deepEqual(lister.list(set), fromArray);
  assert.deepEqual(lister.list(JSON.stringify(details)), fromArray);
  assert.deepEqual(s.decide('vendor', list, set), fromArray);
  // It follows the store: an edit shows on the next list, from a set as from an array.
  s.putFilter({ id: 'typical', workspace_id: WS, entity_type: 'detail', name: 'n', predicate_text: 'tags intersects ["nothing"]' });
  assert.deepEqual(lister.list(set), { status: 403, code: 'insufficient_scope' });
  assert.deepEqual(lister.list(details), { status: 403, code: 'insufficient_scope' });
  s.removeKey('vendor');
  assert.deepEqual(lister.list(set), { status: 401, code: 'invalid_token' });
  // Without a read grant: 403.
  assert.deepEqual(s.prepare('downloader', list).list(set), { status: 403, code: 'insufficient_scope' });
  set.free();
  assert.throws(() => lister.list(set), (e) => e instanceof TypeError && /freed/.test(e.message));
  lister.free();
  assert.throws(() => lister.list(details), (e) => e instanceof TypeError && /freed/.test(e.message));
});

test('a prepared get or download says which it is', () => {
  const s = store();
  const getter = s.prepare('vendor', { operation: 'get', workspace_id: WS, entity_type: 'detail' });
  assert.equal(getter.operation, 'get');
  assert.equal(s.prepare('vendor', { ...list, operation: 'download' }).operation, 'download');
  assert.deepEqual(getter.decide(details[1], id(1)), { status: 200 });
  assert.ok(Object.isFrozen(getter.decide(details[0])));
});

test('decisions: 200 and 201 carry no code, a list 200 its ids, a refusal its code', () => {
  const s = store();
  assert.deepEqual(keys(s.decide('vendor', get(1), details[1])), ['status']);
  assert.deepEqual(keys(s.decide('vendor', list, details)), ['ids', 'status']);
  assert.deepEqual(keys(s.decide('vendor', get(0), details[0])), ['code', 'status']);
  assert.deepEqual(s.decide('vendor', { ...get(1), operation: 'update', attributes: details[1].attributes }, details[1]), { status: 403, code: 'insufficient_scope' });
  assert.deepEqual(s.decide('vendor', { ...list, operation: 'create', attributes: {} }), { status: 403, code: 'insufficient_scope' });
  // A get is never a 403: a key without a read grant is told "not found".
  assert.deepEqual(s.decide('downloader', get(1), details[1]), { status: 404, code: 'not_found' });
  const page = s.decideListPage('vendor', list, true, details.slice(0, 4));
  assert.deepEqual(keys(page), ['ids', 'outside', 'status']);
  assert.deepEqual(s.decideListPage('nobody', list, true, []), { status: 401, code: 'invalid_token', outside: 0 });
});

test('validation: valid with its predicate, text and searchable; invalid with errors and no searchable', () => {
  const ok = P.validate(deepFreeze({ entity_type: 'detail', name: 'n', predicate: { or: [{ attr: 'tags', op: 'intersects', value: ['a', 'b'] }] } }));
  assert.deepEqual(keys(ok), ['errors', 'notices', 'predicate', 'searchable', 'text', 'valid', 'warnings']);
  assert.equal(ok.valid, true);
  assert.deepEqual(ok.errors, []);
  for (const bad of [
    { entity_type: 'detail', name: 'n', predicate_text: 'nope eq 1' },
    { entity_type: 'widget', name: 'n', predicate_text: 'nope eq 1' },
    { entity_type: 'detail', name: 'n', predicate_text: 'type eq' },
  ]) {
    const v = P.validate(bad);
    assert.equal(v.valid, false);
    assert.ok(v.errors.length > 0 && v.errors.every((d) => d.severity === 'error'));
    assert.equal('searchable' in v, false);
  }
  assert.ok(P.validate({ entity_type: 'detail', name: 'n', predicate_text: 'type eq ""' }).notices.every((d) => d.severity === 'notice'));
  assert.ok(P.validate({ entity_type: 'detail', name: 'n', predicate_text: 'tags eq_set ["a"]' }).warnings.every((d) => d.severity === 'warning'));
});

test('results with ok: one diagnostic where the types say one', () => {
  const parsed = P.parse('type eq');
  assert.equal(parsed.ok, false);
  assert.equal(parsed.errors.length, 1);
  const set = new P.EntitySet(details);
  const tag = P.previewPredicate({ entity_type: 'tag', predicate_text: 'name eq "a"' }, set);
  assert.deepEqual([tag.ok, tag.error, tag.errors.length], [false, 'preview_not_supported', 1]);
  const search = P.previewPredicate({ entity_type: 'detail', predicate_text: 'tags eq_set ["a"]' }, set);
  assert.deepEqual([search.error, search.errors.length, search.errors[0].severity], ['not_searchable', 1, 'error']);
  assert.deepEqual(keys(P.previewPredicate({ entity_type: 'detail', predicate_text: 'type eq "a"' }, details)), ['count', 'ok', 'truncated']);
});

test('explanations: the step settles the decision; grants are accounted for once resolved', () => {
  const s = store();
  const refused = s.explain('nobody', get(1), details[1]);
  assert.equal(refused.step, 'unknown_credentials');
  assert.deepEqual(refused.grants, []);
  assert.deepEqual(refused.decision, { status: 401, code: 'invalid_token' });
  assert.equal(refused.action, 'read');
  const missed = s.explain('vendor', get(0), details[0]);
  assert.equal(missed.step, 'not_found');
  assert.deepEqual(keys(missed.grants[0]), ['actions', 'eligible', 'failed_condition', 'filter', 'index', 'matched', 'workspace_id']);
  const listed = s.explain('vendor', list, details);
  assert.equal(listed.step, 'listed');
  assert.ok(Array.isArray(listed.decision.ids));
  const ineligible = s.explain('downloader', get(1), details[1]);
  assert.deepEqual(keys(ineligible.grants[0]), ['actions', 'eligible', 'filter', 'index', 'reason', 'workspace_id']);
  assert.equal(ineligible.grants[0].reason, 'action_not_granted');
});

test('list authorization: require_match exactly when the scope is not everything', () => {
  const s = store();
  const a = s.authorizeList('vendor', list);
  assert.deepEqual([a.status, a.scope.all, a.require_match, a.scope.any.length], [200, false, true, 1]);
  s.putKey({ id: 'all', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'default:details', actions: ['read'] }] });
  assert.deepEqual(s.authorizeList('all', list), { status: 200, scope: { all: true }, require_match: false });
  assert.deepEqual(s.authorizeList('downloader', list), { status: 403, code: 'insufficient_scope' });
});

test('system filters: firm_global tells the firm-wide one, with null workspace and type', () => {
  const fs = P.systemFilters(deepFreeze({ id: FIRM, workspaces: [WS] }));
  for (const f of fs) {
    assert.equal(f.firm_global, f.id === 'default:any');
    assert.equal(f.workspace_id === null, f.firm_global);
    assert.equal(f.entity_type === null, f.firm_global);
  }
});

test('readonly inputs everywhere the package only reads: frozen worlds, keys, predicates', () => {
  const world = deepFreeze({
    firms: [{ id: FIRM, workspaces: [WS] }],
    filters: [{ id: 'typical', workspace_id: WS, entity_type: 'detail', name: 'n', predicate_text: 'tags intersects ["concrete"]' }],
    entities: details,
  });
  const key = deepFreeze({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'typical', actions: ['read'] }] });
  assert.equal(P.decide(world, key, list).status, 200);
  assert.deepEqual(P.validateGrants(world, key), { valid: true, errors: [] });
  assert.equal(P.format(deepFreeze({ and: [{ attr: 'a', op: 'in', value: [1, 2] }] })).ok, true);
  assert.equal(P.compileSql(deepFreeze({ dialect: 'sqlite', entity_type: 'detail', scope: { all: false, any: [{ attr: 'type', op: 'eq', value: 'x' }] } })).ok, true);
});

test('the schema description has the fields its type names, no more and no fewer', () => {
  const d = P.describeSchema();
  assert.deepEqual(keys(d), ['entity_types', 'limits', 'operators']);
  assert.deepEqual(keys(d.limits), ['max_depth', 'max_description_chars', 'max_diagnostics_per_code', 'max_grants_per_key', 'max_group_children',
    'max_ip_ranges_per_key', 'max_list_values', 'max_name_chars', 'max_string_chars', 'max_text_bytes', 'preview_cap']);
  for (const t of d.entity_types) {
    assert.deepEqual(keys(t), ['actions', 'attributes', 'collection', 'name', 'previewable', 'system_filter', 'unsearchable_operators']);
    for (const a of t.attributes) assert.deepEqual(keys(a), ['filterable', 'name', 'operators', 'searchable', 'server_assigned', 'type']);
  }
});
