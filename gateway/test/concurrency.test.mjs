// Many requests at once, each needing the state to be fresh: on workerd every request's I/O is
// its own (a request cannot wait on another's call to a Durable Object), so no check may be
// shared between requests; on Node concurrent checks are coalesced. Either way every request
// is answered, and the gateway stays healthy after.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './helpers.mjs';
import { WS_MAIN, DETAIL_CONCRETE_TYPICAL } from './helpers.mjs';

for (const runtime of ['node', 'workerd']) {
  describe(`concurrent requests on ${runtime}`, () => {
    let ds;
    let gw;
    let token;

    before(async () => {
      ds = await h.startDataService();
      gw = await h.startGateway({ runtime, dataUrl: ds.url });
      const a = h.admin(gw.base);
      const key = await a.createKey({ name: 'concurrency', grants: [{ workspace_id: WS_MAIN, filter: 'default:details', actions: ['read'] }] });
      token = await h.mintToken(gw.base, key);
    });
    after(async () => {
      await gw?.stop();
      await ds?.stop();
      if (gw) h.removeDir(gw.dir);
    });

    it('answers ten clients sending back to back for three seconds, and stays healthy', async () => {
      const paths = ['/v1/me', `/v1/workspaces/${WS_MAIN}/details/${DETAIL_CONCRETE_TYPICAL}`, '/v1/me'];
      const until = Date.now() + 3000;
      const bad = [];
      let sent = 0;
      await Promise.all(Array.from({ length: 10 }, async (_, c) => {
        while (Date.now() < until && bad.length === 0) {
          const r = await h.http(gw.base, 'GET', paths[(sent++ + c) % paths.length], { token });
          if (r.status !== 200) bad.push(`${r.status} ${r.text.slice(0, 200)}`);
        }
      }));
      assert.deepEqual(bad, [], `after ${sent} requests`);
      assert.ok(sent > 100, `only ${sent} requests`);
      const health = await h.http(gw.base, 'GET', '/healthz');
      assert.equal(health.status, 200, health.text);
    });
  });
}
