// Every 404 takes the same path (issue 21; SPEC 4.4.2, 4.5): a get, an update or a download of
// an entity that does not exist does the same work as one of an entity the key may not see,
// whatever the reason (missing, in another workspace, of another firm, outside the key's filter,
// an id that is not a UUID), so that its time tells nothing either. Over real HTTP on Node, with
// the gateway's test-only counters on (PORTCULLIS_TEST_WORK_COUNTERS=1, GET /__test/work): for
// each request, the data service calls it made (method and path, ids left out), the entity
// documents it decoded (their sizes), and the engine decisions it asked for (which call, which
// operation, over what: nothing, or an entity of which type), which must be the same lists for
// every reason. bench/gateway-timing.mjs measures the times themselves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './helpers.mjs';

const { WS_MAIN, WS_SECOND, WS_OTHER, FIRM_OTHER } = h;
const details = (ws = WS_MAIN) => `/v1/workspaces/${ws}/details`;

/** One entity of a type in a workspace, straight from the data service. */
async function oneEntity(dataUrl, ws, type) {
  const res = await fetch(`${dataUrl}/internal/workspaces/${ws}/${type}/query`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: { all: true }, limit: 1 }),
  });
  return (await res.json()).items[0];
}

describe('every 404 of a get, an update or a download does the same work (Node, test-only counters)', () => {
  let ds;
  let gw;
  const T = {};
  let other = {};

  before(async () => {
    ds = await h.startDataService();
    gw = await h.startGateway({ dataUrl: ds.url, env: { PORTCULLIS_TEST_WORK_COUNTERS: '1' } });
    const a = h.admin(gw.base);
    // The worked example's filter: concrete details of the typical library.
    const concrete = await a.createFilter({ entity_type: 'detail', name: 'Concrete details (typical library)', predicate_text: 'project_type eq "typical" AND tags intersects ["concrete"]' });
    const all = ['read', 'write', 'download'];
    T.key = await h.mintToken(gw.base, await a.createKey({ name: 'equal paths', grants: [{ workspace_id: WS_MAIN, filter: concrete.id, actions: all }] }));
    T.other = await h.mintToken(gw.base, await a.createKey({ firm_id: FIRM_OTHER, name: 'another firm', grants: [{ filter: 'default:any', actions: all }] }));
    other = { second: await oneEntity(ds.url, WS_SECOND, 'detail'), otherFirm: await oneEntity(ds.url, WS_OTHER, 'detail') };
    assert.ok(other.second && other.otherFirm, 'the sample data has details in the second workspace and in the other firm');
    assert.equal((await h.http(gw.base, 'GET', '/__test/work')).status, 200);
  });
  after(async () => {
    await gw?.stop();
    await ds?.stop();
    if (gw) h.removeDir(gw.dir);
  });

  /**
   * The reasons a request of the key answers 404, as [why, token, path of the entity, grant]:
   * `grant` false where the key has no grant at all in the path's workspace, so that an update
   * or a download answers the 403 SPEC 4.4.5 puts before existence (a get: 404 all the same).
   */
  const reasons = () => [
    ['no such entity', T.key, `${details()}/${h.MISSING_ID}`, true],
    ['outside the key\'s filter (exists)', T.key, `${details()}/${h.DETAIL_STEEL_TYPICAL}`, true],
    ['outside the key\'s filter, with every attribute (exists)', T.key, `${details()}/${h.DETAIL_CONCRETE_PROJECT}`, true],
    ['in a workspace of the firm the key has no grant in (exists there)', T.key, `${details(WS_SECOND)}/${other.second.id}`, false],
    ['an entity of the key\'s workspace asked in another workspace', T.key, `${details(WS_SECOND)}/${h.DETAIL_CONCRETE_TYPICAL}`, false],
    ['in another firm\'s workspace (exists there)', T.key, `${details(WS_OTHER)}/${other.otherFirm.id}`, false],
    ['a key of another firm', T.other, `${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, false],
    ['an id that is not a UUID', T.key, `${details()}/not-a-uuid`, true],
    ['an id in capitals, no such entity', T.key, `${details()}/${h.MISSING_ID.toUpperCase()}`, true],
    ['a workspace id that is not a UUID', T.key, `${details('not-a-uuid')}/${h.DETAIL_CONCRETE_TYPICAL}`, false],
  ];

  /** The request, then what the gateway did for it. */
  async function observe(method, path, token, body) {
    const r = await h.http(gw.base, method, path, { token, body });
    const w = (await h.http(gw.base, 'GET', '/__test/work')).json;
    return { status: r.status, shape: h.shape(r), ...w };
  }

  for (const [operation, method, suffix, body] of [
    ['get', 'GET', '', undefined],
    ['update', 'PATCH', '', { attributes: { status: 'draft' } }],
    ['download', 'GET', '/download', undefined],
  ]) {
    it(`${operation}: the same data service calls, decodes and decisions for every reason`, async () => {
      const seen = [];
      for (const [why, token, path, grant] of reasons()) seen.push({ why, grant, ...(await observe(method, path + suffix, token, body)) });
      // Whatever the reason, the same answer (checked in full by decisions.test.mjs too): 404,
      // or for an update or a download where the key has no grant for the action (another
      // workspace or firm), the 403 SPEC 4.4.5 puts before existence. Same work either way.
      for (const s of seen) assert.equal(s.status, operation !== 'get' && !s.grant ? 403 : 404, `${operation}, ${s.why}: ${s.shape}`);
      assert.equal(new Set(seen.filter((s) => s.status === 404).map((s) => s.shape)).size, 1, `${operation}: the 404s differ`);
      const [ref] = seen;
      // One data service call, the entity's get, for every reason; one entity document decoded.
      assert.deepEqual(ref.calls, ['GET /internal/workspaces/:x/:x/:x'], `${operation}: ${JSON.stringify(ref.calls)}`);
      assert.equal(ref.decoded.length, 1);
      const call = operation === 'update' ? 'store update' : `prepared ${operation}`;
      assert.deepEqual(ref.decisions, [`${call}: nothing`, `${call}: a detail`]);
      for (const s of seen.slice(1)) {
        assert.deepEqual(s.calls, ref.calls, `${operation}, ${s.why}: data service calls`);
        assert.equal(s.decoded.length, ref.decoded.length, `${operation}, ${s.why}: documents decoded`);
        assert.deepEqual(s.decisions, ref.decisions, `${operation}, ${s.why}: decisions`);
        // The placeholder a missing entity is decided over has every attribute of the type, and
        // is about as long as a stored entity's document.
        for (const name of s.attributes[0]) assert.ok(ref.attributes[0].includes(name), `${operation}, ${s.why}: the placeholder lacks ${name}`);
        const ratio = s.decoded[0] / ref.decoded[0];
        assert.ok(ratio > 0.75 && ratio < 1.25, `${operation}, ${s.why}: decoded ${s.decoded[0]} bytes, the placeholder ${ref.decoded[0]}`);
      }
      // The placeholder of a missing entity has exactly the attributes of a detail with all of them.
      const full = seen.find((s) => s.why.includes('every attribute'));
      assert.deepEqual(ref.attributes, full.attributes);
    });
  }

  it('a get the key may make does the same work up to its answer', async () => {
    const missing = await observe('GET', `${details()}/${h.MISSING_ID}`, T.key);
    const allowed = await observe('GET', `${details()}/${h.DETAIL_CONCRETE_TYPICAL}`, T.key);
    assert.equal(allowed.status, 200);
    assert.deepEqual([allowed.calls, allowed.decisions, allowed.decoded.length], [missing.calls, missing.decisions, missing.decoded.length]);
    const download = await observe('GET', `${details()}/${h.DETAIL_CONCRETE_TYPICAL}/download`, T.key);
    const missingDownload = await observe('GET', `${details()}/${h.MISSING_ID}/download`, T.key);
    assert.equal(download.status, 200);
    assert.deepEqual([download.calls, download.decisions], [missingDownload.calls, missingDownload.decisions]);
  });

  it('the counters are test-only: off, the path is the API\'s 404', async () => {
    const plain = await h.startGateway({ dataUrl: ds.url });
    try {
      const r = await h.http(plain.base, 'GET', '/__test/work');
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, 'not_found');
    } finally {
      await plain.stop();
      h.removeDir(plain.dir);
    }
  });
});
