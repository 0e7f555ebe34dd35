// Rate limits (issue 21) over real HTTP: token mints per key (TOKEN_RATE_LIMIT), admin writes per
// admin credential (ADMIN_WRITE_RATE_LIMIT), both 429 `rate_limited` with Retry-After, and the
// same caller served again once the window is over; at most TOKEN_MAX_PER_KEY live tokens per key
// (429 `too_many_tokens`); and instances that share a store counting together: two Node
// gateways on one PostgreSQL, two workerd isolates on one Durable Object namespace.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './helpers.mjs';

const { WS_MAIN, FIRM } = h;
const WINDOW_S = 3;
const LIMITS = { TOKEN_RATE_LIMIT: `5/${WINDOW_S}s`, ADMIN_WRITE_RATE_LIMIT: `8/${WINDOW_S}s` };

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
/** Wait for the start of a fresh window, so that a burst is counted in one window. */
const freshWindow = () => sleep(WINDOW_S * 1000 - (Date.now() % (WINDOW_S * 1000)) + 30);
const mint = (base, key) => h.http(base, 'POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: key.client_id, client_secret: key.secret } });
let n = 0;
const newFilter = (a) => a.call('POST', '/filters', { workspace_id: WS_MAIN, entity_type: 'tag', name: `rate ${++n}`, predicate_text: 'name eq "x"' });

/** A 429 with Retry-After in seconds, within the window. */
function limited(r, error) {
  assert.equal(r.status, 429, r.text);
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= WINDOW_S, `Retry-After: ${r.headers.get('retry-after')}`);
  assert.equal(typeof r.json.error === 'string' ? r.json.error : r.json.error.code, error);
  return retry;
}

/** Mints through `bases` in turn: five in one window, the sixth refused, then served again. */
async function mintsCountTogether(bases, key) {
  await freshWindow();
  for (let i = 0; i < 5; i++) assert.equal((await mint(bases[i % bases.length], key)).status, 200, `mint ${i + 1}`);
  const sixth = await mint(bases[5 % bases.length], key);
  const retry = limited(sixth, 'rate_limited');
  assert.match(sixth.json.error_description, /reuse/);
  for (const base of bases) limited(await mint(base, key), 'rate_limited');
  await sleep(retry * 1000 + 50);
  for (const base of bases) assert.equal((await mint(base, key)).status, 200, 'served again after the window');
}

/** Admin writes of one credential through `bases` in turn: eight in one window, the ninth refused. */
async function writesCountTogether(admins) {
  await freshWindow();
  for (let i = 0; i < 8; i++) assert.equal((await newFilter(admins[i % admins.length])).status, 201, `write ${i + 1}`);
  const ninth = await newFilter(admins[8 % admins.length]);
  const retry = limited(ninth, 'rate_limited');
  assert.equal(ninth.json.error.retry_after, retry);
  for (const a of admins) {
    limited(await newFilter(a), 'rate_limited');
    assert.equal((await a.call('GET', '/filters')).status, 200, 'reads are not limited');
  }
  await sleep(retry * 1000 + 50);
  for (const a of admins) assert.equal((await newFilter(a)).status, 201, 'served again after the window');
}

for (const runtime of ['node', 'workerd']) {
  describe(`rate limits on ${runtime}`, () => {
    let ds;
    let gw;
    let a;
    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url, env: LIMITS });
      a = h.admin(gw.base);
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('token mints per key: 429 rate_limited with Retry-After past the limit, other keys unaffected, the key served after the window', async () => {
      const key = await a.createKey({ name: 'mints', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      const other = await a.createKey({ name: 'other', grants: [] });
      await freshWindow();
      const tokens = [];
      for (let i = 0; i < 5; i++) tokens.push((await mint(gw.base, key)).json.access_token);
      const r = await mint(gw.base, key);
      limited(r, 'rate_limited');
      assert.equal(r.headers.get('access-control-allow-origin'), '*', 'the token endpoint\'s own headers');
      assert.equal((await mint(gw.base, other)).status, 200, 'another key mints');
      // What the key minted still works.
      for (const t of tokens) assert.equal((await h.http(gw.base, 'GET', `/v1/workspaces/${WS_MAIN}/details/${h.DETAIL_STEEL_TYPICAL}`, { token: t })).status, 200);
      // A wrong secret is refused as ever (401), counted or not.
      assert.equal((await mint(gw.base, { ...key, secret: `${key.secret}x` })).status, 401);
      await sleep(Number(r.headers.get('retry-after')) * 1000 + 50);
      assert.equal((await mint(gw.base, key)).status, 200);
    });

    it('admin writes per credential: 429 rate_limited with Retry-After past the limit; reads and other admins unaffected', async () => {
      const made = await a.call('POST', '/admins', { firm_id: FIRM, name: 'busy firm admin' });
      assert.equal(made.status, 201);
      const firmAdmin = h.admin(gw.base, made.json.token);
      await freshWindow();
      for (let i = 0; i < 8; i++) assert.equal((await newFilter(firmAdmin)).status, 201, `write ${i + 1}`);
      const r = await newFilter(firmAdmin);
      const retry = limited(r, 'rate_limited');
      assert.equal(r.json.error.retry_after, retry);
      assert.match(r.json.error.message, /more than 8 changes in 3 s/);
      // Refused whatever the write, before its body is looked at.
      limited(await firmAdmin.call('POST', '/keys', { name: 'x', grants: [] }), 'rate_limited');
      limited(await firmAdmin.call('POST', '/keys', 'not json'), 'rate_limited');
      assert.equal((await newFilter(a)).status, 201, 'the operator, another credential, still writes');
      assert.equal((await firmAdmin.call('GET', '/filters')).status, 200, 'reads are not limited');
      // Previews and dry runs change nothing and are not counted.
      assert.equal((await firmAdmin.call('POST', '/predicates/preview', { workspace_id: WS_MAIN, entity_type: 'detail', predicate_text: 'type eq "steel"' })).status, 200);
      await sleep(retry * 1000 + 50);
      assert.equal((await newFilter(firmAdmin)).status, 201, 'served again after the window');
    });

    it(`instances of one store count together (${runtime === 'node' ? 'a second Node gateway on one PostgreSQL' : 'two isolates'})`, async () => {
      let bases;
      let stop = async () => {};
      if (runtime === 'workerd') {
        bases = [gw.base, gw.base2];
      } else {
        const db = await (await h.postgres()).database(`rate_${process.pid}`);
        const gws = [];
        for (let i = 0; i < 2; i++) gws.push(await h.startGateway({ dataUrl: ds.url, store: 'postgres', env: { ...LIMITS, DATABASE_URL: db } }));
        bases = gws.map((g) => g.base);
        stop = () => Promise.all(gws.map((g) => g.stop()));
      }
      try {
        const key = await h.admin(bases[0]).createKey({ name: 'shared mints', grants: [] });
        await mintsCountTogether(bases, key);
        await writesCountTogether(bases.map((b) => h.admin(b)));
      } finally {
        await stop();
      }
    });
  });
}

describe('live tokens per key', () => {
  for (const runtime of ['node', 'workerd']) {
    it(`at most TOKEN_MAX_PER_KEY live tokens (${runtime}): 429 too_many_tokens until the oldest expires`, async () => {
      const ds = await h.startDataService();
      const gw = await h.startGateway({ runtime, dataUrl: ds.url, env: { TOKEN_MAX_PER_KEY: '3', TOKEN_TTL_SECONDS: '2' } });
      try {
        const a = h.admin(gw.base);
        const key = await a.createKey({ name: 'holder', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
        const tokens = [];
        for (let i = 0; i < 3; i++) tokens.push(await h.mintToken(gw.base, key));
        const full = await mint(gw.base, key);
        assert.equal(full.status, 429, full.text);
        assert.equal(full.json.error, 'too_many_tokens');
        const retry = Number(full.headers.get('retry-after'));
        assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
        for (const t of tokens) assert.equal((await h.http(gw.base, 'GET', `/v1/workspaces/${WS_MAIN}/details/${h.DETAIL_STEEL_TYPICAL}`, { token: t })).status, 200, 'the live ones keep working');
        assert.equal((await mint(gw.base, await a.createKey({ name: 'another', grants: [] }))).status, 200, 'per key');
        await sleep(retry * 1000 + 100);
        assert.equal((await mint(gw.base, key)).status, 200, 'once the oldest expired');
        const status = (await a.call('GET', '/status')).json;
        assert.equal(status.limits.token_max_per_key, 3);
        assert.equal(status.limits.token_rate_limit, '60/60s', 'the default');
      } finally {
        await gw.stop();
        await ds.stop();
        h.removeDir(gw.dir);
      }
    });
  }
});

describe('rate settings', () => {
  it('a setting that is not LIMIT/WINDOW keeps the gateway from starting', async () => {
    const ds = await h.startDataService();
    try {
      for (const bad of ['60', '60/0s', '0/60s', '60/60', '60/60d', 'many/60s']) {
        await assert.rejects(h.startGateway({ dataUrl: ds.url, env: { TOKEN_RATE_LIMIT: bad } }), /TOKEN_RATE_LIMIT/, bad);
      }
      const ok = await h.startGateway({ dataUrl: ds.url, env: { TOKEN_RATE_LIMIT: '600/m', ADMIN_WRITE_RATE_LIMIT: '5000/1h' } });
      try {
        const { limits } = (await h.admin(ok.base).call('GET', '/status')).json;
        assert.deepEqual([limits.token_rate_limit, limits.admin_write_rate_limit], ['600/m', '5000/1h']);
      } finally {
        await ok.stop();
        h.removeDir(ok.dir);
      }
    } finally {
      await ds.stop();
    }
  });
});
