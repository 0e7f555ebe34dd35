// The package's public JavaScript API in Node, as an integrator imports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, validate, preview, previewPredicate, describeSchema, format, decide, explain, validateGrants, EntitySet, Store } from '../../pkg/service/node.mjs';

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const WS = 'a1000000-0000-4000-8000-00000000000a';
const entity = (i, tags) => ({
  id: `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  workspace_id: WS,
  entity_type: 'detail',
  attributes: { type: 'concrete', project_type: i % 2 ? 'typical' : 'project', tags },
});

function store() {
  const s = new Store();
  assert.deepEqual(s.putFirm({ id: FIRM, workspaces: [WS] }), { ok: true });
  const put = s.putFilter({ id: 'f1', workspace_id: WS, entity_type: 'detail', name: 'typical concrete',
    predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
  assert.equal(put.ok, true);
  assert.equal(s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'f1', actions: ['read'] }] }).valid, true);
  return s;
}

test('misuse throws a TypeError and leaves the module usable', () => {
  assert.throws(() => validate(5), TypeError);
  assert.throws(() => validate(null), TypeError);
  assert.throws(() => parse({}), TypeError);
  assert.throws(() => new Store().putKey('k'), TypeError);
  assert.throws(() => validate({ entity_type: 'detail' }), /portcullis: filter/);
  assert.throws(() => new EntitySet('{"not": "an array"}'), TypeError);
  const s = store();
  assert.throws(() => s.decide('k', { operation: 'teleport', workspace_id: WS, entity_type: 'detail' }, null), /request/);
  assert.equal(parse('a eq 1').ok, true);
});

test('invalid input is a result, not an exception', () => {
  const r = validate({ entity_type: 'detail', name: 'x', predicate_text: 'type eq' });
  assert.equal(r.valid, false);
  assert.equal(r.errors[0].code, 'syntax_error');
  assert.equal(format(5).ok, false);
  assert.equal(describeSchema().entity_types.length, 4);
});

test('a single-entity decision takes the entity as an object or as its JSON text', () => {
  const s = store();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(1, []).id };
  assert.deepEqual(s.decide('k', req, entity(1, ['concrete'])), { status: 200 });
  assert.deepEqual(s.decide('k', req, JSON.stringify(entity(1, ['concrete']))), { status: 200 });
  assert.deepEqual(s.decide('k', req, entity(1, ['steel'])), { status: 404, code: 'not_found' });
  assert.deepEqual(s.decide('k', req, null), { status: 404, code: 'not_found' });
  assert.deepEqual(s.decide('nobody', req, entity(1, ['concrete'])), { status: 401, code: 'invalid_token' });
  assert.deepEqual(s.decide(null, req), { status: 401, code: 'invalid_token' });
  // Entity text that repeats a key is ambiguous: refused, never settled by the last value.
  const inside = JSON.stringify(entity(1, ['concrete']));
  assert.throws(() => s.decide('k', req, inside.replace('"attributes":{', '"attributes":{"tags":["steel"],')), /repeated/);
  const ex = s.explain('k', req, entity(1, ['steel']));
  assert.equal(ex.decision.status, 404);
  assert.equal(ex.grants[0].failed_condition.text, 'tags intersects ["concrete"]');
});

test('an EntitySet is loaded once and serves lists, previews and edit impact', () => {
  const s = store();
  const all = Array.from({ length: 100 }, (_, i) => entity(i, i % 4 === 1 ? ['concrete'] : ['steel']));
  const set = new EntitySet(all);
  assert.equal(set.length, 100);
  const req = { operation: 'list', workspace_id: WS, entity_type: 'detail' };
  const fromSet = s.decide('k', req, set);
  const fromArray = s.decide('k', req, all);
  assert.equal(fromSet.status, 200);
  assert.equal(fromSet.ids.length, 25);
  assert.deepEqual(fromSet, fromArray);
  assert.deepEqual(s.prepare('k', req).list(all), fromSet);
  const filter = { entity_type: 'detail', name: 'p', predicate_text: 'tags intersects ["steel"]' };
  assert.deepEqual(preview(filter, set), { ok: true, count: 75, truncated: false });
  assert.deepEqual(preview(filter, JSON.stringify(all)), preview(filter, all));
  const impact = s.editImpact('f1', { entity_type: 'detail', predicate_text: 'tags intersects ["concrete"]' }, set);
  assert.equal(impact.ok, true);
  assert.equal(impact.keys, 1);
  assert.equal(impact.gained.length, 0);
  assert.equal(impact.lost.length, 0);
  set.free();
  assert.throws(() => preview(filter, set), /freed/);
});

test('a predicate previews alone, without the name a whole filter needs', () => {
  const set = new EntitySet(Array.from({ length: 10 }, (_, i) => entity(i, i < 3 ? ['concrete'] : [])));
  const predicate_text = 'tags intersects ["concrete"]';
  assert.deepEqual(previewPredicate({ entity_type: 'detail', predicate_text }, set), { ok: true, count: 3, truncated: false });
  // The same predicate as a nameless filter is an invalid filter (SPEC 3).
  const whole = preview({ entity_type: 'detail', name: '', predicate_text }, set);
  assert.equal(whole.ok, false);
  assert.deepEqual(whole.errors.map((d) => d.code), ['name_required']);
  const bad = previewPredicate({ entity_type: 'detail', predicate_text: 'tags eq "x"' }, set);
  assert.equal(bad.error, 'invalid_filter');
  assert.equal(bad.errors[0].code, 'operator_not_allowed');
  assert.equal(bad.errors[0].location.span.start, 5);
  assert.equal(previewPredicate({ entity_type: 'tag', predicate_text: 'name eq "a"' }, set).error, 'preview_not_supported');
  assert.equal(previewPredicate({ entity_type: 'detail', predicate_text: 'project_id eq "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5"' }, set).error, 'not_searchable');
  assert.throws(() => previewPredicate({ entity_type: 'detail' }, set), TypeError);
});

test('an empty text value is a notice: valid, and neither an error nor a warning', () => {
  const r = validate({ entity_type: 'detail', name: 'x', predicate_text: 'type eq "" AND tags intersects ["a", " "]' });
  assert.equal(r.valid, true);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.notices.map((d) => [d.code, d.severity, d.location.path]), [
    ['empty_text_value', 'notice', '$.predicate.and[0].value'],
    ['empty_text_value', 'notice', '$.predicate.and[1].value'],
  ]);
  assert.equal(r.notices[0].location.span.start, 8);
  assert.deepEqual(validate({ entity_type: 'detail', name: 'x', predicate_text: 'type eq "a"' }).notices, []);
});

test('which keys hold a filter, by id', () => {
  const s = store();
  assert.equal(s.putKey({ id: 'a', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'f1', actions: ['read'] }] }).valid, true);
  assert.deepEqual(s.keyIdsHolding('f1'), ['a', 'k']);
  assert.equal(s.keysHolding('f1'), 2);
  s.removeKey('a');
  assert.deepEqual(s.keyIdsHolding('f1'), ['k']);
  assert.deepEqual(s.keyIdsHolding('nothing'), []);
});

test('a list with no data is decided on an empty set', () => {
  const s = store();
  assert.deepEqual(s.decide('k', { operation: 'list', workspace_id: WS, entity_type: 'detail' }), { status: 403, code: 'insufficient_scope' });
});

test('a freed Store or EntitySet throws a TypeError; freeing twice is harmless', () => {
  const s = store();
  s.free();
  s.free();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(1, []).id };
  assert.throws(() => s.decide('k', req, null), (e) => e instanceof TypeError && /freed/.test(e.message));
  assert.throws(() => s.putKey({ id: 'k', firm_id: FIRM, grants: [] }), (e) => e instanceof TypeError && /freed/.test(e.message));
  const set = new EntitySet([entity(1, [])]);
  set.free();
  set.free();
  assert.throws(() => set.length, (e) => e instanceof TypeError && /freed/.test(e.message));
  assert.deepEqual(store().decide('k', req, entity(1, ['concrete'])), { status: 200 });
});

test('the entity text `null` is no entity, for decide as for explain', () => {
  const s = store();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(1, []).id };
  assert.deepEqual(s.decide('k', req, 'null'), { status: 404, code: 'not_found' });
  assert.deepEqual(s.explain('k', req, 'null').decision, { status: 404, code: 'not_found' });
});

test('entity text crosses the input buffer intact: non-ASCII, growth, lone surrogates', () => {
  const s = store();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(1, []).id };
  // Tags only match byte for byte: a tag that reached the engine altered would not match.
  const tag = 'béton 混凝土 🧱';
  const put = s.putFilter({ id: 'f1', workspace_id: WS, entity_type: 'detail', name: 'n', predicate: { attr: 'tags', op: 'intersects', value: [tag] } });
  assert.equal(put.ok, true);
  // Short non-ASCII text, then text long enough to grow the buffer and the memory, then short again.
  for (const pad of ['', 'é'.repeat(2_000_000), '😀'.repeat(1_000_000), '']) {
    const e = entity(1, [tag]);
    e.attributes.note = pad;
    assert.deepEqual(s.decide('k', req, JSON.stringify(e)), { status: 200 });
    assert.deepEqual(s.decide('k', req, e), { status: 200 });
    e.attributes.tags = ['béton 混凝土 🧱x'];
    assert.deepEqual(s.decide('k', req, JSON.stringify(e)), { status: 404, code: 'not_found' });
  }
  // A lone surrogate in text becomes U+FFFD on the way in (TextEncoder), for decide as for
  // explain; in an object, JSON.stringify writes it as an escape, which JSON refuses: misuse.
  assert.equal(s.putFilter({ id: 'f1', workspace_id: WS, entity_type: 'detail', name: 'n', predicate_text: 'tags intersects ["\uFFFD"]' }).ok, true);
  const lone = JSON.stringify(entity(1, ['X'])).replace('"X"', '"\uD800"');
  assert.equal(lone.includes('\uD800'), true);
  assert.deepEqual(s.decide('k', req, lone), { status: 200 });
  assert.deepEqual(s.explain('k', req, lone).decision, { status: 200 });
  assert.throws(() => s.decide('k', req, entity(1, ['\uD800'])), TypeError);
});

test('one-shot decisions over a world: the named entity by UUID, refused records left out, misuse thrown', () => {
  const world = {
    firms: [{ id: FIRM, workspaces: [WS] }],
    filters: [
      { id: 'f1', workspace_id: WS, entity_type: 'detail', name: 'typical concrete', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' },
      // Invalid, so left out: a grant naming it grants nothing.
      { id: 'bad', workspace_id: WS, entity_type: 'detail', name: 'bad', predicate_text: 'nope eq 1' },
    ],
    entities: [entity(1, ['concrete']), entity(2, ['concrete']), entity(3, ['steel'])],
  };
  const key = { id: 'k', firm_id: FIRM, grants: [{ workspace_id: WS, filter: 'f1', actions: ['read'] }, { workspace_id: WS, filter: 'bad', actions: ['read'] }] };
  const get = (i) => ({ operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(i, []).id.toUpperCase() });
  assert.deepEqual(decide(world, key, get(1)), { status: 200 });
  assert.deepEqual(decide(world, key, get(2)), { status: 404, code: 'not_found' });
  assert.deepEqual(decide(world, key, get(9)), { status: 404, code: 'not_found' });
  assert.deepEqual(decide(world, null, get(1)), { status: 401, code: 'invalid_token' });
  assert.deepEqual(decide(world, key, { operation: 'list', workspace_id: WS, entity_type: 'detail' }), { status: 200, ids: [entity(1, []).id] });
  const ex = explain(world, key, get(3));
  assert.equal(ex.decision.status, 404);
  assert.equal(ex.grants[0].failed_condition.text, 'tags intersects ["concrete"]');
  assert.equal(ex.grants[1].eligible, false);
  assert.equal(validateGrants(world, key).valid, false);
  assert.equal(validateGrants({ ...world, filters: world.filters.slice(0, 1) }, { ...key, grants: key.grants.slice(0, 1) }).valid, true);
  // Misuse: the world, its lists and records, the key and the request must have their shapes.
  assert.throws(() => decide(5, key, get(1)), TypeError);
  assert.throws(() => decide({ firms: 'x' }, key, get(1)), TypeError);
  assert.throws(() => decide({ firms: [5] }, key, get(1)), TypeError);
  assert.throws(() => decide({ entities: [{ id: 5 }] }, key, get(1)), TypeError);
  assert.throws(() => decide(world, { id: 5 }, get(1)), TypeError);
  assert.throws(() => decide(world, key, 'get'), TypeError);
  assert.deepEqual(decide({}, null, get(1)), { status: 401, code: 'invalid_token' });
});

test('the main module leaves the service bindings to portcullis/service, and says so', async () => {
  const main = await import('../../pkg/node.mjs');
  const s = new main.Store();
  const req = { operation: 'get', workspace_id: WS, entity_type: 'detail', id: entity(1, []).id };
  assert.throws(() => s.explain('k', req, null), /portcullis\/service/);
  assert.throws(() => s.authorizeList('k', req), /portcullis\/service/);
  assert.throws(() => main.checkAttributes('detail', {}), TypeError);
  assert.throws(() => main.canonicalUuid(WS), /portcullis\/service/);
  assert.deepEqual(s.decide('k', req, null), { status: 401, code: 'invalid_token' });
  assert.equal(main.systemFilters({ id: FIRM, workspaces: [WS] }).length, 5);
  s.free();
});

test('a document nested past the reader is refused with a diagnostic by the service module', () => {
  let predicate = { attr: 'type', op: 'eq', value: 'a' };
  for (let i = 0; i < 1000; i++) predicate = { not: predicate };
  const filter = { entity_type: 'detail', name: 'deep', predicate };
  for (const answer of [validate(filter), preview(filter, []), previewPredicate({ entity_type: 'detail', predicate }, [])]) {
    assert.equal(answer.ok ?? answer.valid, false);
    assert.deepEqual(answer.errors.map((d) => d.code), ['input_too_large']);
    assert.equal(answer.errors[0].location.path, '$');
  }
  // One level less than the reader's bound is read, and refused for what it is.
  let shallow = { attr: 'type', op: 'eq', value: 'a' };
  for (let i = 0; i < 120; i++) shallow = { not: shallow };
  assert.deepEqual([...new Set(validate({ ...filter, predicate: shallow }).errors.map((d) => d.code))], ['max_depth_exceeded']);
});
