// The pushed-down answers against the engine's own. The gateway never evaluates a list itself:
// it hands the scope to the data service, which runs it as SQL and on its search index, and the
// admin preview is the data service's count. After thousands of random creates and updates
// through the data API (values missing, removed and changed, so three-valued logic matters),
// every page of every list, with and without a search parameter, and every preview must be
// exactly what the wasm engine in Node decides over all the entities, which the test tracks from
// the answers to its own writes and checks against the admin API's example pages.
//
// CONSISTENCY_SEED=N replays a run (the seed is in every failure message).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store, preview, matches } from '../../pkg/node.mjs';
import * as h from './helpers.mjs';

const { WS_MAIN } = h;
const SEED = Number(process.env.CONSISTENCY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WRITES = 2000;
const WORKERS = 8;

// Stored filters the reader key holds, with OR, NOT and list operators over optional attributes.
const DETAIL_FILTER = '(project_type eq "typical" AND tags intersects ["concrete"]) OR NOT type in ["steel", "wood"]';
const FAMILY_FILTER = 'category eq "Structural" OR NOT tags intersects ["draft"]';
// Search parameters the data service takes (attribute equality; a list attribute: has this value),
// and the same condition as a predicate for the engine.
const SEARCHES = {
  detail: [['type', 'concrete', { attr: 'type', op: 'eq', value: 'concrete' }], ['tags', 'beam', { attr: 'tags', op: 'intersects', value: ['beam'] }]],
  family: [['tags', 'draft', { attr: 'tags', op: 'intersects', value: ['draft'] }], ['category', 'Structural', { attr: 'category', op: 'eq', value: 'Structural' }]],
};
const COLLECTION = { detail: 'details', family: 'families' };

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ['concrete', 'steel', 'wood', 'beam', 'column', 'draft', 'reviewed'];
const PROJECTS = [h.PROJECT_MAIN, 'c0000000-0000-4000-8000-0000000000aa', 'c0000000-0000-4000-8000-0000000000bb'];
const VALUES = {
  detail: {
    type: () => ['concrete', 'steel', 'wood', 'masonry', 'glass'],
    project_type: () => ['typical', 'project'],
    status: () => ['draft', 'published', 'archived'],
    project_id: () => PROJECTS,
    tags: null,
  },
  family: {
    name: () => ['Beam A', 'Column B', 'Slab C', 'Wall D'],
    category: () => ['Structural', 'Architectural', 'Mechanical'],
    classification: () => ['Concrete', 'Steel', 'Wood'],
    project_id: () => PROJECTS,
    tags: null,
  },
};

function randomValue(rand, type, attr) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  if (VALUES[type][attr] === null) {
    if (rand() < 0.1) return [];
    const tags = new Set();
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) tags.add(pick(TAGS));
    return [...tags];
  }
  return pick(VALUES[type][attr]());
}

/** A create's attributes: each attribute present most of the time. */
function randomAttributes(rand, type) {
  const out = {};
  for (const attr of Object.keys(VALUES[type])) if (rand() < 0.8) out[attr] = randomValue(rand, type, attr);
  return out;
}

/** An update's merge patch: one to three attributes changed or removed (null). */
function randomPatch(rand, type) {
  const attrs = Object.keys(VALUES[type]);
  const out = {};
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const attr = attrs[Math.floor(rand() * attrs.length)];
    out[attr] = rand() < 0.25 ? null : randomValue(rand, type, attr);
  }
  return out;
}

const byId = (x, y) => (x < y ? -1 : x > y ? 1 : 0);

describe(`lists and previews against the engine after random writes (seed ${SEED})`, () => {
  let ds;
  let gw;
  let a;
  let reader;
  let writer;
  let readerToken;
  let writerToken;
  const filters = {};
  const tracked = new Map(); // lower-case id -> the entity as the last write's answer gave it

  /** Every entity of a type in WS_MAIN through the admin API's example pages (no filter applies). */
  async function examples(type) {
    const out = [];
    let cursor = null;
    do {
      const r = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=${type}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, r.text);
      out.push(...r.json.entities);
      cursor = r.json.next_cursor;
    } while (cursor);
    return out;
  }

  before(async () => {
    ds = await h.startDataService({ size: 1300 });
    gw = await h.startGateway({ runtime: 'node', dataUrl: ds.url });
    a = h.admin(gw.base);
    filters.detail = await a.createFilter({ entity_type: 'detail', name: 'Consistency details', predicate_text: DETAIL_FILTER });
    filters.family = await a.createFilter({ entity_type: 'family', name: 'Consistency families', predicate_text: FAMILY_FILTER });
    reader = await a.createKey({ name: 'reader', grants: [
      { workspace_id: WS_MAIN, filter: filters.detail.id, actions: ['read'] },
      { workspace_id: WS_MAIN, filter: filters.family.id, actions: ['read'] },
    ] });
    writer = await a.createKey({ name: 'writer', grants: [{ filter: 'default:any', actions: ['read', 'write'] }] });
    readerToken = await h.mintToken(gw.base, reader);
    writerToken = await h.mintToken(gw.base, writer);
    for (const type of ['detail', 'family']) for (const e of await examples(type)) tracked.set(e.id.toLowerCase(), e);
  });
  after(async () => {
    await gw?.stop();
    await ds?.stop();
    if (gw) h.removeDir(gw.dir);
  });

  it('random creates and updates through the data API, each answered as written', async () => {
    const fixtures = [...tracked.values()];
    // Each worker updates only entities of its own (fixtures dealt out, and what it created), so
    // the last answer for an entity is its stored state.
    const work = async (w) => {
      const rand = rng(SEED + w);
      const own = { detail: [], family: [] };
      fixtures.forEach((e, i) => { if (i % WORKERS === w) own[e.entity_type].push(e.id); });
      for (let n = w; n < WRITES; n += WORKERS) {
        const type = rand() < 0.5 ? 'detail' : 'family';
        const path = `/v1/workspaces/${WS_MAIN}/${COLLECTION[type]}`;
        if (rand() < 0.55) {
          const attributes = randomAttributes(rand, type);
          const r = await h.http(gw.base, 'POST', path, { token: writerToken, body: { attributes } });
          assert.equal(r.status, 201, `seed ${SEED}: create ${JSON.stringify(attributes)}: ${r.text}`);
          for (const [k, v] of Object.entries(attributes)) assert.deepEqual(r.json.data.attributes[k], v);
          tracked.set(r.json.data.id.toLowerCase(), r.json.data);
          own[type].push(r.json.data.id);
        } else {
          const id = own[type][Math.floor(rand() * own[type].length)];
          const patch = randomPatch(rand, type);
          const r = await h.http(gw.base, 'PATCH', `${path}/${id}`, { token: writerToken, body: { attributes: patch } });
          assert.equal(r.status, 200, `seed ${SEED}: update ${id} ${JSON.stringify(patch)}: ${r.text}`);
          for (const [k, v] of Object.entries(patch)) assert.deepEqual(r.json.data.attributes[k], v === null ? undefined : v);
          tracked.set(id.toLowerCase(), r.json.data);
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => work(w)));

    // What the test tracked is what the data service holds (the admin API's examples, every page).
    for (const type of ['detail', 'family']) {
      const stored = await examples(type);
      const mine = [...tracked.values()].filter((e) => e.entity_type === type);
      assert.equal(stored.length, mine.length, `seed ${SEED}: ${type} count`);
      for (const e of stored) assert.deepEqual(e, tracked.get(e.id.toLowerCase()), `seed ${SEED}: ${type} ${e.id}`);
    }
  });

  /** The engine over every tracked entity: the firms, the two stored filters and the two keys. */
  async function engineStore() {
    const store = new Store();
    for (const f of (await a.call('GET', '/firms')).json.firms) store.putFirm({ id: f.id, workspaces: f.workspaces.map((w) => w.id) });
    for (const f of Object.values(filters)) {
      assert.ok(store.putFilter({ id: f.id, workspace_id: f.workspace_id, entity_type: f.entity_type, name: f.name, predicate: f.predicate }).ok);
    }
    for (const k of [reader, writer]) {
      store.putKey({ id: k.id, firm_id: k.firm_id, revoked: false, allowed_ips: null,
        grants: k.grants.map((g) => ({ ...(g.workspace_id ? { workspace_id: g.workspace_id } : {}), filter: g.filter, actions: g.actions })) });
    }
    return store;
  }

  /** Every page of a list (odd page size, so pages end anywhere), checked for order and repeats. */
  async function walk(path) {
    const ids = [];
    let cursor = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const r = await h.http(gw.base, 'GET', `${path}${sep}limit=37${cursor ? `&cursor=${cursor}` : ''}`, { token: readerToken });
      assert.equal(r.status, 200, `seed ${SEED}: ${path}: ${r.text}`);
      assert.ok(r.json.data.length <= 37);
      ids.push(...r.json.data.map((e) => e.id.toLowerCase()));
      cursor = r.json.next_cursor;
    } while (cursor);
    assert.deepEqual(ids, [...ids].sort(byId), `seed ${SEED}: ${path}: pages in id order`);
    assert.equal(new Set(ids).size, ids.length, `seed ${SEED}: ${path}: no entity twice`);
    return ids;
  }

  it('every list page, with and without a search parameter, is what the engine decides', async () => {
    const store = await engineStore();
    for (const type of ['detail', 'family']) {
      const entities = [...tracked.values()].filter((e) => e.entity_type === type);
      const expected = store.decide(reader.id, { operation: 'list', workspace_id: WS_MAIN, entity_type: type }, entities);
      assert.equal(expected.status, 200);
      const want = lower(expected.ids).sort(byId);
      assert.ok(want.length > 0 && want.length < entities.length, `seed ${SEED}: ${type}: the filter admits some, not all`);
      const path = `/v1/workspaces/${WS_MAIN}/${COLLECTION[type]}`;
      assert.deepEqual(await walk(path), want, `seed ${SEED}: ${type} list`);

      const admitted = new Set(want);
      for (const [param, value, predicate] of SEARCHES[type]) {
        const narrowed = entities.filter((e) => {
          const m = matches({ entity_type: type, predicate }, e.attributes);
          assert.ok(m.ok);
          return m.matches && admitted.has(e.id.toLowerCase());
        }).map((e) => e.id.toLowerCase()).sort(byId);
        assert.ok(narrowed.length > 0, `seed ${SEED}: ${type} ${param}=${value} finds some`);
        assert.deepEqual(await walk(`${path}?${param}=${encodeURIComponent(value)}`), narrowed, `seed ${SEED}: ${type} list, ${param}=${value}`);
      }
    }
  });

  it('the admin preview of each stored filter, and of others, is the engine\'s count', async () => {
    const cases = [
      ['detail', DETAIL_FILTER], ['family', FAMILY_FILTER],
      ['detail', 'NOT project_type eq "typical"'], ['detail', 'tags intersects ["beam", "column"] AND NOT tags intersects ["draft"]'],
      ['family', 'NOT (category in ["Structural", "Mechanical"] OR classification eq "Wood")'],
      ['family', `project_id eq "${h.PROJECT_MAIN}" OR classification neq "Steel"`],
    ];
    for (const [type, text] of cases) {
      const entities = [...tracked.values()].filter((e) => e.entity_type === type);
      const input = { entity_type: type, name: 'p', predicate_text: text };
      const want = preview(input, entities);
      assert.ok(want.ok, JSON.stringify(want));
      const r = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, ...input });
      assert.equal(r.status, 200, `seed ${SEED}: ${text}: ${r.text}`);
      assert.deepEqual([r.json.count, r.json.truncated], [want.count, want.truncated], `seed ${SEED}: preview ${text}`);
    }
  });
});

function lower(ids) {
  return ids.map((id) => id.toLowerCase());
}
