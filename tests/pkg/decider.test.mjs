// Prepared decisions (`store.prepare`) against the general path (`store.decide`): for any key,
// request and entity, including the odd values the compact encoding has to hand over as JSON
// text, the two answer alike; and an edit of the store shows on the very next decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, Decider } from '../../pkg/node.mjs';

const FIRM = 'f1000000-0000-4000-8000-000000000001';
const W = 'a1000000-0000-4000-8000-00000000000a';
const W2 = 'a2000000-0000-4000-8000-00000000000b';
const P = 'c1000000-0000-4000-8000-000000000001';

/** mulberry32: the same cases on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILTERS = [
  ['typical', 'detail', 'project_type eq "typical" AND tags intersects ["concrete"]'],
  ['steel', 'detail', '(type eq "concrete" OR type eq "steel") AND tags contains ["reviewed", "beam"] AND NOT project_type eq "project"'],
  ['exact', 'detail', 'tags eq_set ["a", "b"] OR type in ["wood", "ca\u00f1a"]'],
  ['project', 'detail', `project_id eq "${P}"`],
  ['recent', 'family', 'created_at gte "2025-01-01" AND name neq "old"'],
  ['kept', 'stash', `is_permanent eq true OR created_by eq "${P}"`],
];

function store() {
  const s = new Store();
  assert.deepEqual(s.putFirm({ id: FIRM, workspaces: [W, W2] }), { ok: true });
  for (const [id, entity_type, text] of FILTERS) {
    const r = s.putFilter({ id, workspace_id: W, entity_type, name: id, predicate_text: text });
    assert.equal(r.ok, true, JSON.stringify(r));
  }
  return s;
}

function key(rand) {
  const grants = [];
  for (const [id] of FILTERS) {
    if (rand() < 0.5) grants.push({ workspace_id: W, filter: id, actions: rand() < 0.7 ? ['read'] : ['read', 'download'] });
  }
  if (rand() < 0.15) grants.push({ workspace_id: W, filter: 'default:details', actions: ['download'] });
  if (rand() < 0.1) grants.push({ filter: 'default:any', actions: ['read'] });
  return { id: 'k', firm_id: FIRM, revoked: rand() < 0.05, grants };
}

const pick = (rand, xs) => xs[Math.floor(rand() * xs.length)];
const TEXTS = ['typical', 'project', 'concrete', 'steel', 'wood', 'ca\u00f1a', 'a', 'b', 'other', '', 'old'];
// Now and then a text that is not well-formed UTF-16 (a lone surrogate).
const text = (rand) => (rand() < 0.015 ? 'x\ud800y' : pick(rand, TEXTS));

function value(rand, kind) {
  const r = rand();
  if (r < 0.06) return null;
  if (r < 0.1) return undefined;
  if (r < 0.13) return pick(rand, [3, -0, 1e308, NaN, Infinity, true, false]);
  if (r < 0.15) return pick(rand, [{ nested: 1 }, new Date(0), ['x']]);
  switch (kind) {
    case 'list': {
      const n = Math.floor(rand() * 5);
      const xs = [];
      for (let i = 0; i < n; i++) xs.push(rand() < 0.93 ? text(rand) : pick(rand, [1, null, { o: 1 }]));
      return xs;
    }
    case 'uuid':
      return pick(rand, [P, P.toUpperCase(), 'c1', W]);
    case 'date':
      return pick(rand, ['2025-01-01', '2024-12-31', '2025-06-01T10:00:00Z', '2025-01-01T00:30:00+01:00', 'soon']);
    case 'bool':
      return rand() < 0.5;
    default:
      return text(rand);
  }
}

const ATTRS = {
  detail: { type: 'text', project_type: 'text', tags: 'list', project_id: 'uuid', status: 'text' },
  family: { name: 'text', created_at: 'date', tags: 'list' },
  stash: { is_permanent: 'bool', created_by: 'uuid', created_at: 'date' },
};

function entity(rand, type) {
  const attributes = {};
  for (const [name, kind] of Object.entries(ATTRS[type] ?? {})) {
    const v = value(rand, kind);
    if (v !== undefined || rand() < 0.5) attributes[name] = v;
  }
  const id = `e0000000-0000-4000-8000-${String(Math.floor(rand() * 1e6)).padStart(12, '0')}`;
  const e = {
    id: rand() < 0.05 ? id.toUpperCase() : id,
    workspace_id: pick(rand, [W, W, W, W.toUpperCase(), W2, 'nope']),
    entity_type: rand() < 0.85 ? type : pick(rand, ['detail', 'family', 'tag', 'bogus']),
    attributes,
  };
  if (rand() < 0.03) delete e.attributes;
  if (rand() < 0.02) e.attributes = null;
  if (rand() < 0.02) e.id = 7;
  return e;
}

// Where the two paths may differ: the general path reads the whole entity and refuses a
// malformation anywhere in it; the prepared path reads only what the decision needs. So where
// only the general path threw: for an entity elsewhere, the prepared answer is a refusal; for a
// text that is not well-formed UTF-16, the prepared answer must be the general path's for the
// entity with that text made well-formed (it cannot have been read, or the prepared path would
// have thrown too).
function wellFormed(e) {
  return typeof e === 'string' ? e.replace(/\\ud800/g, '?') : JSON.parse(JSON.stringify(e).replace(/\\ud800/g, '?'));
}

// Another workspace or type: the prepared path reads no more of such an entity, so where the
// general path refuses its malformed attributes, the prepared path answers a refusal.
function elsewhere(e, request) {
  return typeof e.workspace_id === 'string' && (e.entity_type !== request.entity_type || e.workspace_id.toLowerCase() !== request.workspace_id.toLowerCase());
}

// An answer or the error it threw, comparable across the two paths.
function outcome(f) {
  try {
    return JSON.parse(JSON.stringify(f()));
  } catch (e) {
    return { threw: e.constructor.name };
  }
}

test('a prepared get or download decides as store.decide does, for any entity', () => {
  const rand = rng(42);
  let allowed = 0, total = 0, unread = 0;
  for (let round = 0; round < 60; round++) {
    const s = store();
    s.putKey(key(rand));
    const type = pick(rand, ['detail', 'family', 'stash']);
    const operation = rand() < 0.7 ? 'get' : 'download';
    const request = { operation, workspace_id: rand() < 0.9 ? W : W.toUpperCase(), entity_type: type };
    const d = s.prepare('k', request);
    for (let i = 0; i < 150; i++) {
      const e = entity(rand, type);
      const id = rand() < 0.5 ? (typeof e.id === 'string' && rand() < 0.8 ? e.id : 'e0000000-0000-4000-8000-000000000001') : undefined;
      const asText = rand() < 0.1;
      const given = asText ? JSON.stringify(e) : e;
      const fast = outcome(() => d.decide(given, id));
      const req = id === undefined ? request : { ...request, id };
      let general = outcome(() => s.decide('k', req, given));
      if (general.threw && !fast.threw) {
        unread++;
        if (elsewhere(e, request)) {
          // Not read beyond its workspace and type: it can only be refused.
          assert.notEqual(fast.status, 200, JSON.stringify(e));
          continue;
        }
        if (JSON.stringify(e).includes('\\ud800')) general = outcome(() => s.decide('k', req, wellFormed(given)));
      }
      assert.deepEqual(fast, general, `entity ${JSON.stringify(e)} id ${id} request ${JSON.stringify(request)}`);
      total++;
      if (fast.status === 200) allowed++;
    }
    assert.deepEqual(outcome(() => d.decide(null)), outcome(() => s.decide('k', request, null)));
  }
  assert.ok(allowed > total / 20, `too few allowed cases to mean much: ${allowed} of ${total}`);
  assert.ok(unread < total / 20, `the unread-text exception covers too much: ${unread} of ${total}`);
});

test('a prepared list decides as store.decide does', () => {
  const rand = rng(7);
  let nonEmpty = 0;
  for (let round = 0; round < 60; round++) {
    const s = store();
    s.putKey(key(rand));
    const type = pick(rand, ['detail', 'family', 'stash']);
    const request = { operation: 'list', workspace_id: W, entity_type: type };
    const d = s.prepare('k', request);
    const entities = [];
    for (let i = 0; i < 200; i++) {
      const e = entity(rand, type);
      if (typeof e.id === 'string' && e.attributes !== null && !JSON.stringify(e).includes('\\ud800')) entities.push(e);
    }
    const fast = outcome(() => d.list(entities));
    assert.deepEqual(fast, outcome(() => s.decide('k', request, entities)));
    if (fast.ids?.length) nonEmpty++;
  }
  assert.ok(nonEmpty > 10, `too few lists with matches: ${nonEmpty}`);
});

test('an edit of the store shows on the very next prepared decision', () => {
  const s = store();
  s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: W, filter: 'typical', actions: ['read'] }] });
  const d = s.prepare('k', { operation: 'get', workspace_id: W, entity_type: 'detail' });
  const e = { id: 'e1', workspace_id: W, entity_type: 'detail', attributes: { project_type: 'typical', tags: ['concrete', 'slab'] } };
  assert.deepEqual(d.decide(e), { status: 200 });
  // A new dictionary: `slab` was any other text to the old filter; now it is the one that counts.
  s.putFilter({ id: 'typical', workspace_id: W, entity_type: 'detail', name: 't', predicate_text: 'tags contains ["slab"] AND NOT tags intersects ["concrete"]' });
  assert.deepEqual(d.decide(e), { status: 404, code: 'not_found' });
  assert.deepEqual(d.decide({ ...e, attributes: { tags: ['slab'] } }), { status: 200 });
  s.archiveFilter('typical');
  assert.deepEqual(d.decide({ ...e, attributes: { tags: ['slab'] } }), { status: 404, code: 'not_found' });
  s.putKey({ id: 'k', firm_id: FIRM, revoked: true, grants: [] });
  assert.deepEqual(d.decide(e), { status: 401, code: 'invalid_token' });
  s.removeKey('k');
  const l = s.prepare('k', { operation: 'list', workspace_id: W, entity_type: 'detail' });
  assert.deepEqual(l.list([e]), { status: 401, code: 'invalid_token' });
});

test('prepared decisions are shared frozen objects; misuse throws a TypeError', () => {
  const s = store();
  s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: W, filter: 'default:details', actions: ['read'] }] });
  const d = s.prepare('k', { operation: 'get', workspace_id: W, entity_type: 'detail' });
  assert.ok(d instanceof Decider);
  const e = { id: 'e1', workspace_id: W, entity_type: 'detail', attributes: {} };
  const a = d.decide(e);
  assert.equal(a, d.decide({ ...e, id: 'e2' }));
  assert.ok(Object.isFrozen(a));
  assert.throws(() => d.decide(5), TypeError);
  assert.throws(() => d.decide(e, 5), TypeError);
  assert.throws(() => d.list([e]), /prepared for a list|not prepared for a list/);
  assert.throws(() => d.decide('{"id": "e1"'), TypeError);
  assert.throws(() => s.prepare('k', { operation: 'create', workspace_id: W, entity_type: 'detail' }), TypeError);
  assert.throws(() => s.prepare('k', 'get'), TypeError);
  const l = s.prepare('k', { operation: 'list', workspace_id: W, entity_type: 'detail' });
  assert.throws(() => l.decide(e), TypeError);
  assert.throws(() => l.list([e, 3]), TypeError);
  assert.deepEqual(l.list([e, { ...e, id: 'e2', workspace_id: W2 }]), { status: 200, ids: ['e1'] });
  // Still usable after misuse.
  assert.deepEqual(d.decide(e), { status: 200 });
  d.free();
  assert.throws(() => d.decide(e), TypeError);
  s.free();
  assert.throws(() => l.list([e]), TypeError);
});

test('a long run of prepared decisions keeps its memory and its answers', () => {
  const s = store();
  s.putKey({ id: 'k', firm_id: FIRM, grants: [{ workspace_id: W, filter: 'typical', actions: ['read'] }] });
  const d = s.prepare('k', { operation: 'get', workspace_id: W, entity_type: 'detail' });
  const yes = { id: 'e1', workspace_id: W, entity_type: 'detail', attributes: { project_type: 'typical', tags: ['beam', 'concrete'] } };
  const no = { id: 'e2', workspace_id: W, entity_type: 'detail', attributes: { project_type: 'typical', tags: ['beam'] } };
  let n = 0;
  for (let i = 0; i < 300_000; i++) n += d.decide(i % 2 ? yes : no).status === 200 ? 1 : 0;
  assert.equal(n, 150_000);
});
