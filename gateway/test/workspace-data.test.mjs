// What the admin API tells about a workspace's data without ever loading it whole: a page of
// example entities at a time, the common values of an attribute, preview counts and an edit's
// impact, all counted by the data service in its database. Every answer is checked against the
// data service's own entities (walked page by page) and, for counts, against the wasm engine in
// Node over those entities. Run against the gateway on Node and on workerd.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store, preview } from '../../pkg/node.mjs';
import * as h from './helpers.mjs';

const { WS_MAIN, WS_SECOND, FIRM } = h;
const WORKED_EXAMPLE = 'project_type eq "typical" AND tags intersects ["concrete"]';
const lower = (ids) => ids.map((id) => id.toLowerCase());

/** `[{value, count}]` of an attribute over entities, as the data service counts it (lists per element). */
function valueCounts(entities, attribute) {
  const counts = new Map();
  for (const e of entities) {
    const v = e.attributes[attribute];
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) counts.set(JSON.stringify(x), (counts.get(JSON.stringify(x)) ?? 0) + 1);
  }
  return counts;
}

/** The answer is the `limit` most common values (ties in any order), each with its true count. */
function assertTopValues(values, entities, attribute, limit) {
  const counts = valueCounts(entities, attribute);
  assert.ok(counts.size > 0, `${attribute} has values`);
  assert.equal(values.length, Math.min(limit, counts.size), `${attribute}: how many values`);
  for (const { value, count } of values) assert.equal(count, counts.get(JSON.stringify(value)), `${attribute} = ${JSON.stringify(value)}`);
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1].count >= values[i].count, 'most common first');
  assert.equal(new Set(values.map((v) => JSON.stringify(v.value))).size, values.length, 'each value once');
  // Nothing left out is more common than the least common value given.
  const least = values[values.length - 1].count;
  const given = new Set(values.map((v) => JSON.stringify(v.value)));
  for (const [v, n] of counts) if (!given.has(v)) assert.ok(n <= least, `${attribute} = ${v} (${n}) is missing`);
}

for (const runtime of ['node', 'workerd']) {
  describe(`workspace data through the admin API on ${runtime}`, () => {
    let ds;
    let gw;
    let a;
    const data = new Map(); // `${ws}|${type}` -> every entity, from the data service itself
    const all = async (ws, type) => {
      const k = `${ws}|${type}`;
      if (!data.has(k)) data.set(k, await h.allEntities(ds.url, ws, type));
      return data.get(k);
    };

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url });
      a = h.admin(gw.base);
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('entities: pages of examples, walked with opaque cursors, every entity once in id order', async () => {
      const everything = await all(WS_MAIN, 'detail');
      const seen = [];
      let cursor = null;
      let pages = 0;
      do {
        const r = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail&limit=173${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(Object.keys(r.json).sort(), ['entities', 'next_cursor']);
        assert.ok(r.json.entities.length <= 173 && r.json.entities.length > 0);
        assert.ok(r.json.entities.every((e) => e.entity_type === 'detail' && e.workspace_id.toLowerCase() === WS_MAIN));
        seen.push(...r.json.entities.map((e) => e.id));
        cursor = r.json.next_cursor;
        pages += 1;
      } while (cursor);
      assert.equal(pages, Math.ceil(everything.length / 173));
      assert.deepEqual(lower(seen), lower(everything.map((e) => e.id)).sort(), 'every entity once, ordered by id');

      // Default and capped page sizes (PAGE_SIZE_DEFAULT 50, PAGE_SIZE_MAX 200).
      const first = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail`);
      assert.equal(first.json.entities.length, 50);
      assert.deepEqual(lower(first.json.entities.map((e) => e.id)), lower(seen.slice(0, 50)));
      const big = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=detail&limit=100000`);
      assert.equal(big.json.entities.length, 200);
      // The workspace id in any letter case names the same workspace.
      const upper = await a.call('GET', `/workspaces/${WS_MAIN.toUpperCase()}/entities?entity_type=detail&limit=3`);
      assert.equal(upper.status, 200);
      assert.deepEqual(lower(upper.json.entities.map((e) => e.id)), lower(seen.slice(0, 3)));
    });

    it('entities: a cursor of another type or workspace, and malformed queries, are 400s with a code', async () => {
      const families = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=family&limit=5`);
      assert.equal(families.status, 200);
      const familyCursor = families.json.next_cursor;
      assert.ok(familyCursor);
      const next = await a.call('GET', `/workspaces/${WS_MAIN}/entities?entity_type=family&limit=5&cursor=${familyCursor}`);
      assert.equal(next.status, 200);
      assert.ok(next.json.entities[0].id.toLowerCase() > families.json.entities[4].id.toLowerCase(), 'the next page starts after the last id');
      const second = await a.call('GET', `/workspaces/${WS_SECOND}/entities?entity_type=detail&limit=5`);
      const cases = [
        [`entity_type=detail&cursor=${familyCursor}`, 'invalid_cursor'],
        [`entity_type=detail&cursor=${second.json.next_cursor}`, 'invalid_cursor'],
        ['entity_type=detail&cursor=not-a-cursor', 'invalid_cursor'],
        ['entity_type=detail&cursor=', 'invalid_cursor'],
        ['', 'invalid_query'],
        ['entity_type=widget', 'invalid_query'],
        ['entity_type=detail&entity_type=family', 'invalid_query'],
        ['entity_type=detail&search=x', 'invalid_query'],
        ['entity_type=detail&limit=0', 'invalid_limit'],
        ['entity_type=detail&limit=-3', 'invalid_limit'],
        ['entity_type=detail&limit=ten', 'invalid_limit'],
      ];
      for (const [q, code] of cases) {
        const r = await a.call('GET', `/workspaces/${WS_MAIN}/entities?${q}`);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.json.error.code, code, q);
      }
      assert.equal((await a.call('GET', `/workspaces/${h.MISSING_ID}/entities?entity_type=detail`)).status, 404);
      assert.equal((await a.call('GET', '/workspaces/not-a-uuid/entities?entity_type=detail')).status, 404);
    });

    it('values: the most common values of an attribute, counted per list element', async () => {
      const details = await all(WS_MAIN, 'detail');
      const type = await a.call('GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=type`);
      assert.equal(type.status, 200, type.text);
      assert.deepEqual(Object.keys(type.json), ['values']);
      assertTopValues(type.json.values, details, 'type', 20);
      const tags = await a.call('GET', `/workspaces/${WS_MAIN}/values?entity_type=detail&attribute=tags&limit=5`);
      assertTopValues(tags.json.values, details, 'tags', 5);
      assert.ok(tags.json.values.every((v) => typeof v.value === 'string'), 'list elements, not lists');
      const families = await all(WS_MAIN, 'family');
      const projects = await a.call('GET', `/workspaces/${WS_MAIN}/values?entity_type=family&attribute=project_id&limit=3`);
      assertTopValues(projects.json.values, families, 'project_id', 3);
      const stashes = await all(WS_SECOND, 'stash');
      const permanent = await a.call('GET', `/workspaces/${WS_SECOND}/values?entity_type=stash&attribute=is_permanent`);
      assertTopValues(permanent.json.values, stashes, 'is_permanent', 20);
      // Capped at 100, not refused: family names are nearly all distinct.
      const names = await a.call('GET', `/workspaces/${WS_MAIN}/values?entity_type=family&attribute=name&limit=5000`);
      assert.equal(names.status, 200);
      assertTopValues(names.json.values, families, 'name', 100);
    });

    it('values: bad input is a 400 with a code, never passed on unchecked', async () => {
      const cases = [
        ['entity_type=detail&attribute=colour', 'unknown_attribute'],
        ['entity_type=detail&attribute=is_permanent', 'unknown_attribute'],
        ['entity_type=detail&attribute=__proto__', 'unknown_attribute'],
        ['entity_type=detail&attribute=', 'unknown_attribute'],
        ['entity_type=detail', 'invalid_query'],
        ['attribute=type', 'invalid_query'],
        ['entity_type=widget&attribute=type', 'invalid_query'],
        ['entity_type=detail&attribute=type&attribute=tags', 'invalid_query'],
        ['entity_type=detail&attribute=type&cursor=x', 'invalid_query'],
        ['entity_type=detail&attribute=type&limit=0', 'invalid_limit'],
        ['entity_type=detail&attribute=type&limit=1.5', 'invalid_limit'],
      ];
      for (const [q, code] of cases) {
        const r = await a.call('GET', `/workspaces/${WS_MAIN}/values?${q}`);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.json.error.code, code, q);
        assert.equal(typeof r.json.error.message, 'string');
      }
      assert.equal((await a.call('GET', `/workspaces/${h.MISSING_ID}/values?entity_type=detail&attribute=type`)).status, 404);
    });

    it('preview: the engine decides what can be previewed; the data service counts what the engine counts', async () => {
      const worked = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', name: 'Worked example', predicate_text: WORKED_EXAMPLE });
      assert.equal(worked.status, 200, worked.text);
      assert.deepEqual(worked.json, { count: h.CONCRETE_TYPICAL_COUNT, truncated: false, display: '1,247' });
      const filters = [
        ['detail', 'type eq "steel"'],
        ['detail', 'NOT tags intersects ["concrete", "steel"] AND project_type neq "typical"'],
        ['family', 'category in ["Structural", "Mechanical"] OR NOT tags intersects ["draft"]'],
        ['family', `project_id eq "${h.PROJECT_MAIN}"`],
        ['stash', `is_permanent eq true AND created_by neq "${h.USER_MAIN}"`],
        ['detail', 'type eq "no such type"'],
      ];
      for (const ws of [WS_MAIN, WS_SECOND]) {
        for (const [type, text] of filters) {
          const input = { entity_type: type, name: 'preview', predicate_text: text };
          const expected = preview(input, await all(ws, type));
          assert.ok(expected.ok, JSON.stringify(expected));
          const r = await a.call('POST', '/filters/preview', { workspace_id: ws, entity_type: type, name: 'preview', predicate_text: text });
          assert.equal(r.status, 200, `${text}: ${r.text}`);
          assert.deepEqual([r.json.count, r.json.truncated], [expected.count, expected.truncated], text);
          assert.equal(r.json.display, expected.count.toLocaleString('en-US'), text);
        }
      }
    });

    it('preview: refusals are the engine\'s, 422 with its diagnostics', async () => {
      const cases = [
        [{ entity_type: 'tag', predicate_text: 'name eq "x"' }, 'preview_not_supported'],
        [{ entity_type: 'detail', predicate: { attr: 'project_id', op: 'eq', value: h.PROJECT_MAIN } }, 'not_searchable'],
        [{ entity_type: 'detail', predicate_text: 'type eq' }, 'invalid_filter'],
        [{ entity_type: 'detail', predicate_text: 'colour eq "red"' }, 'invalid_filter'],
        [{ entity_type: 'widget', predicate_text: 'type eq "x"' }, 'invalid_filter'],
      ];
      for (const [body, code] of cases) {
        const r = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, name: 'preview', ...body });
        assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.json.error.code, code);
        assert.ok(Array.isArray(r.json.error.diagnostics) && r.json.error.diagnostics.length > 0);
      }
      const ws = await a.call('POST', '/filters/preview', { workspace_id: h.MISSING_ID, entity_type: 'detail', predicate_text: 'type eq "x"' });
      assert.equal(ws.status, 422);
      assert.equal(ws.json.error.code, 'unknown_workspace');
      const both = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: 'type eq "x"', predicate: { attr: 'type', op: 'eq', value: 'x' } });
      assert.equal(both.status, 400);
      assert.equal(both.json.error.code, 'invalid_body');
      // Fields of the wrong JSON type, or no conditions at all: the caller's 400, never a 500.
      for (const body of [{ entity_type: 5, predicate_text: 'type eq "x"' }, { entity_type: 'detail', name: 7, predicate_text: 'type eq "x"' },
        { entity_type: 'detail', predicate_text: 7 }, { entity_type: 'detail' }]) {
        const r = await a.call('POST', '/filters/preview', { workspace_id: WS_MAIN, ...body });
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.json.error.code, 'invalid_body');
      }
    });

    it('dry run: the entities an edit gains and loses, counted in the database, as the engine counts them', async () => {
      const f = await a.createFilter({ entity_type: 'detail', name: 'Steel (impact)', predicate_text: 'type eq "steel"' });
      const details = await all(WS_MAIN, 'detail');
      const engine = new Store();
      engine.putFirm({ id: FIRM, workspaces: [WS_MAIN, WS_SECOND] });
      assert.ok(engine.putFilter({ id: f.id, workspace_id: WS_MAIN, entity_type: 'detail', name: f.name, predicate: f.predicate }).ok);
      const edits = [
        'type eq "concrete" OR tags intersects ["steel"]',
        'type eq "steel" AND NOT tags intersects ["beam"]',
        'type eq "steel"',
        'type in ["steel", "wood", "concrete", "masonry"] OR project_type eq "typical"',
        // Not searchable (no preview), but counted all the same: the database runs any filter.
        `project_id eq "${h.PROJECT_MAIN}" OR type eq "wood"`,
      ];
      for (const text of edits) {
        const r = await a.call('PATCH', `/filters/${f.id}?dry_run=true`, { predicate_text: text });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.valid, true);
        const want = engine.editImpact(f.id, { entity_type: 'detail', predicate_text: text }, details);
        assert.ok(want.ok, JSON.stringify(want));
        const got = r.json.impact;
        assert.deepEqual([got.gained, got.lost, got.gained_truncated, got.lost_truncated], [want.gained.length, want.lost.length, false, false], text);
        const wantGained = new Set(lower(want.gained));
        const wantLost = new Set(lower(want.lost));
        assert.equal(got.gained_sample.length, Math.min(20, want.gained.length));
        assert.equal(got.lost_sample.length, Math.min(20, want.lost.length));
        assert.ok(lower(got.gained_sample).every((id) => wantGained.has(id)), `${text}: gained sample`);
        assert.ok(lower(got.lost_sample).every((id) => wantLost.has(id)), `${text}: lost sample`);
      }
      const stored = (await a.call('GET', `/filters/${f.id}`)).json.filter;
      assert.deepEqual(stored.predicate, f.predicate, 'a dry run changes nothing');

      // No impact where the engine says there is nothing to count, or the edit is not valid.
      const invalid = await a.call('PATCH', `/filters/${f.id}?dry_run=true`, { predicate_text: 'type eq' });
      assert.equal(invalid.status, 200);
      assert.equal(invalid.json.valid, false);
      assert.equal(invalid.json.impact, undefined);
      const tag = await a.createFilter({ entity_type: 'tag', name: 'Tag (impact)', predicate_text: 'name eq "x"' });
      const tagDry = await a.call('PATCH', `/filters/${tag.id}?dry_run=true`, { predicate_text: 'name eq "y"' });
      assert.equal(tagDry.status, 200);
      assert.equal(tagDry.json.impact, undefined);
    });
  });
}
